# Generated from notebooks/05_fine_tuning.ipynb by tools/export_lessons.py: do not edit.
# Change the lesson's #@save cells instead, then run `make export`.
"""Code taught in notebooks/05_fine_tuning.ipynb, for later lessons, checks and tools to import."""

from embedding_course.lessons.l01_sparse_vectors import query_and_rest


def query_and_passage(article, n_words=40):
    first, rest = query_and_rest(article)  # lesson 01: the first sentence, and the rest
    return first, " ".join(rest.split()[:n_words])
