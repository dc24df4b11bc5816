# Generated from notebooks/06_milvus.ipynb by tools/export_lessons.py: do not edit.
# Change the lesson's #@save cells instead, then run `make export`.
"""Code taught in notebooks/06_milvus.ipynb, for later lessons, checks and tools to import."""

import numpy as np
import re


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def sentences(text, min_words=6, max_words=60):
    # Split after . ! ? when the next sentence starts with a capital letter or a quote.
    parts = SENTENCE_END.split(" ".join(text.split()))
    return [s for s in parts if min_words <= len(s.split()) <= max_words]


def post_body(post):
    # A Usenet post: headers, a blank line, then the body; drop quoted lines and e-mail addresses.
    body = post.partition("\n\n")[2]
    kept = [line for line in body.splitlines()
            if not line.lstrip().startswith((">", "|")) and "@" not in line and "writes:" not in line]
    return " ".join(kept)


def exact_top_k(corpus_vectors, query_vectors, k=10):
    scores = query_vectors @ corpus_vectors.T              # (queries, N) cosine similarities
    top = np.argpartition(-scores, k, axis=1)[:, :k]       # the k best, in no order
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
    return np.take_along_axis(top, order, axis=1)          # the k best, best first


# HNSW links each vector to up to M neighbours, weighing efConstruction candidates while it links
HNSW_BUILD = {"M": 16, "efConstruction": 100}


def recall_at_10(found, true):
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, true)]))
