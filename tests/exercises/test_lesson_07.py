"""Lesson 07 · UMAP: the checks of the silhouette by document, the header leak, trustworthiness by hand."""

import pytest

from embedding_course import data, exercises, models
from embedding_course.exercises import lesson_07
from embedding_course.lessons.l07_umap import strip_headers

from .verdicts import accepted, rejected, unanswered

pytestmark = pytest.mark.slow  # every test here loads a real model


@pytest.fixture(scope="module")
def course_vectors(short_minilm):
    paragraphs = data.course_paragraphs()
    return paragraphs, models.embed(paragraphs["text"].tolist(), short_minilm)


def test_07_1_document_silhouette(capsys, course_vectors):
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score

    paragraphs, vectors = course_vectors
    documents = paragraphs["doc_id"].to_numpy(dtype=str)
    picture = PCA(n_components=2, random_state=42).fit_transform(vectors)
    accepted(capsys, exercises.check_document_silhouette, silhouette_score(vectors, documents, metric="cosine"),
             vectors, paragraphs, picture)
    rejected(capsys, "a Euclidean silhouette", exercises.check_document_silhouette, silhouette_score(vectors, documents),
             vectors, paragraphs, picture)
    rejected(capsys, "the silhouette in the 2-D picture", exercises.check_document_silhouette,
             silhouette_score(picture, documents), vectors, paragraphs, picture)


def test_07_2_header_leak(capsys, short_minilm):
    posts = data.newsgroups()
    leaky = models.embed(posts["text"].tolist(), short_minilm)
    clean = models.embed(posts["text"].map(strip_headers).tolist(), short_minilm)
    printed = accepted(capsys, exercises.check_header_leak, leaky, clean, short_minilm)
    assert "with headers: kNN accuracy" in printed
    rejected(capsys, "these are the posts without their headers", exercises.check_header_leak, clean, clean, short_minilm)
    rejected(capsys, "leaky_vectors has shape", exercises.check_header_leak, leaky[:10], clean, short_minilm)


def test_07_3_trustworthiness(capsys, course_vectors):
    from sklearn.decomposition import PCA
    from sklearn.manifold import trustworthiness

    vectors = course_vectors[1]
    picture = PCA(n_components=2, random_state=42).fit_transform(vectors)
    for k in (5, 10):  # the check's reference formula is scikit-learn's
        assert lesson_07._trustworthiness(vectors, picture, k) == pytest.approx(
            trustworthiness(vectors, picture, n_neighbors=k, metric="cosine"), abs=1e-9)
    accepted(capsys, exercises.check_trustworthiness, lesson_07._trustworthiness, vectors, picture)
    rejected(capsys, "your ranks start at 0", exercises.check_trustworthiness,
             lambda f, p, k: lesson_07._trustworthiness(f, p, k, first_rank=0), vectors, picture)
    unanswered(capsys, exercises.check_trustworthiness, lambda f, p, k: None, vectors, picture)
