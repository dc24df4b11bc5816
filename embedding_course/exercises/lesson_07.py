"""The checks of lesson 07 · Seeing embeddings: UMAP."""

from __future__ import annotations

import numpy as np

from ..lessons.l07_umap import strip_headers
from .core import Wrong, call, close, cosine, exercise, model_or_default, number


def _silhouette(points, labels, metric: str) -> float:
    from sklearn.metrics import silhouette_score

    return float(silhouette_score(points, labels, metric=metric))


@exercise("07.1", "documents, not topics", "doc_silhouette")
def check_document_silhouette(doc_silhouette, course_vectors, paragraphs, picture=None):
    """The silhouette of the course paragraphs in 384-D (cosine), labelled by their document.

    ``course_vectors``: the paragraphs' embeddings, in the order of ``paragraphs`` (which has ``doc_id``);
    ``picture`` (optional): their 2-D UMAP points, to recognise a silhouette computed in the picture.

    >>> exercises.check_document_silhouette(0.3, vectors[source == "course"], paragraphs, umap_by_set["course"])  # doctest: +SKIP
    """
    from .. import data

    vectors = np.asarray(course_vectors, dtype=np.float32)
    documents = np.asarray(paragraphs["doc_id"], dtype=str)
    if len(vectors) != len(documents):
        raise ValueError(f"{len(vectors)} vectors for {len(documents)} paragraphs")
    topics = np.asarray(paragraphs["doc_id"].map(data.course_corpus().set_index("id")["topic"]), dtype=str)
    expected, by_topic = _silhouette(vectors, documents, "cosine"), _silhouette(vectors, topics, "cosine")
    answer = number(doc_silhouette, "doc_silhouette")
    if close(answer, expected):
        return (f"by document the silhouette is {expected:.3f}, {expected / by_topic:.1f} times the {by_topic:.3f} by "
                "topic: the tight islands of the picture are documents.")
    variants = {"the silhouette by topic: label the paragraphs by their doc_id": by_topic,
                "a Euclidean silhouette: pass metric=\"cosine\", the measure the model was trained for":
                    _silhouette(vectors, documents, "euclidean")}
    if picture is not None:
        variants["the silhouette in the 2-D picture: compute it on the 384-D vectors"] = _silhouette(
            np.asarray(picture), documents, "euclidean")
    for why, value in variants.items():
        if close(answer, value):
            raise Wrong(f"that is {why}.")
    raise Wrong("that is not the silhouette of the 384-D course vectors by document: silhouette_score(course vectors, "
                "their doc_ids, metric=\"cosine\").")


def _separation(vectors, labels) -> tuple[float, float]:
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
    knn = cross_val_score(KNeighborsClassifier(n_neighbors=10, metric="cosine"), vectors, labels, cv=folds).mean()
    return float(knn), _silhouette(vectors, labels, "cosine")


@exercise("07.2", "the leak", "leaky_vectors")
def check_header_leak(leaky_vectors, clean_vectors, model=None):
    """Embeddings of the 200 newsgroup posts *with* their headers; compared with ``clean_vectors`` (headers removed).

    >>> exercises.check_header_leak(leaky_vectors, vectors[source == "newsgroups"], model)  # doctest: +SKIP
    """
    from .. import data

    posts = data.newsgroups()
    leaky = np.asarray(leaky_vectors, dtype=np.float32)
    if leaky.shape != (len(posts), 384):
        raise Wrong(f"leaky_vectors has shape {leaky.shape}: embed the {len(posts)} posts of data.newsgroups(), "
                    "one 384-number vector each.")
    sample = [0, len(posts) // 2, len(posts) - 1]  # re-embedding three posts is enough to recognise the input
    encoder = model_or_default(model)
    with_headers = encoder.encode([posts["text"][i] for i in sample], normalize_embeddings=True)
    if min(cosine(leaky[i], v) for i, v in zip(sample, with_headers)) < 0.999:
        without = encoder.encode([strip_headers(posts["text"][i]) for i in sample], normalize_embeddings=True)
        if min(cosine(leaky[i], v) for i, v in zip(sample, without)) > 0.999:
            raise Wrong("these are the posts without their headers: embed data.newsgroups()['text'] as loaded.")
        raise Wrong("row i of leaky_vectors is not the embedding of post i with its header: embed "
                    "data.newsgroups()['text'] in order, with all-MiniLM-L6-v2.")
    labels = posts["label"].to_numpy(dtype=str)
    knn, silhouette = _separation(leaky, labels)
    knn_clean, silhouette_clean = _separation(np.asarray(clean_vectors, dtype=np.float32), labels)
    return (f"with headers: kNN accuracy {knn:.3f}, silhouette {silhouette:.3f}; without: {knn_clean:.3f} and "
            f"{silhouette_clean:.3f}. The header names the group, and the vectors pick it up.")


def _trustworthiness(full, picture, k: int, first_rank: int = 1) -> float:
    """The formula of lesson 07 written out (cosine ranks in ``full``, Euclidean neighbours in ``picture``)."""
    from scipy.spatial.distance import cdist

    n = len(full)
    full_distance, picture_distance = cdist(full, full, "cosine"), cdist(picture, picture)
    np.fill_diagonal(full_distance, np.inf)
    np.fill_diagonal(picture_distance, np.inf)
    ranks = np.empty((n, n), dtype=int)
    rows = np.arange(n)[:, None]
    ranks[rows, np.argsort(full_distance, axis=1, kind="stable")] = np.arange(first_rank, n + first_rank)
    shown = np.argsort(picture_distance, axis=1, kind="stable")[:, :k]
    penalty = np.clip(ranks[rows, shown] - k, 0, None).sum()
    return 1 - 2 / (n * k * (2 * n - 3 * k - 1)) * penalty


@exercise("07.3", "trustworthiness by hand", "trustworthiness_by_hand")
def check_trustworthiness(trustworthiness_by_hand, full, picture):
    """A function ``(full, picture, k) -> T(k)``, compared with scikit-learn's on 150 of the points, k = 5 and 10.

    >>> exercises.check_trustworthiness(trustworthiness_by_hand, vectors, umap_all)  # doctest: +SKIP
    """
    from sklearn.manifold import trustworthiness

    full, picture = np.asarray(full, dtype=np.float64), np.asarray(picture, dtype=np.float64)
    rows = np.sort(np.random.default_rng(42).choice(len(full), size=min(150, len(full)), replace=False))
    full, picture = full[rows], picture[rows]
    for k in (5, 10):
        expected = float(trustworthiness(full, picture, n_neighbors=k, metric="cosine"))
        answer = number(call(trustworthiness_by_hand, full, picture, k, what="trustworthiness_by_hand"), "T(k)")
        if abs(answer - expected) <= 1e-6:
            continue
        if abs(answer - _trustworthiness(full, picture, k, first_rank=0)) <= 1e-6:
            raise Wrong("your ranks start at 0: the nearest neighbour in 384-D has rank 1, so r(i, j) - k is 0 for the "
                        "k-th neighbour and positive only for intruders.")
        if abs(answer - _trustworthiness(full, full, k)) <= 1e-6 or abs(answer - 1) <= 1e-9:
            raise Wrong("you find every point's neighbours in the full space twice: the neighbours to judge are "
                        "those in the picture (Euclidean distance between the 2-D points).")
        raise Wrong(f"for k={k} your T(k) is {answer:.6f}, not scikit-learn's value on the same 150 points "
                    f"({'higher' if answer > expected else 'lower'}). Rank each point's neighbours in 384-D by cosine "
                    "distance (1 = nearest, the point itself excluded) and sum r(i, j) - k over the picture's "
                    "neighbours that are not among the k nearest in 384-D.")
    return "your T(k) equals scikit-learn's trustworthiness (cosine in 384-D) to 6 decimals, for k = 5 and k = 10."
