"""Evaluation metrics that several lessons share (the ideas they rest on are taught in the lessons).

>>> correlations([0.1, 0.5, 0.9], [1, 2, 3])
{'pearson': 1.0, 'spearman': 1.0}
>>> mrr([["a", "b"], ["c", "a"]], ["a", "a"])
0.75
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np


def correlations(predicted, human) -> dict[str, float]:
    """Pearson and Spearman correlation between predicted and human scores, rounded to 3 digits."""
    from scipy.stats import pearsonr, spearmanr

    predicted, human = np.asarray(predicted, dtype=float), np.asarray(human, dtype=float)
    if predicted.shape != human.shape or predicted.ndim != 1:
        raise ValueError(f"need two 1-d arrays of the same length, got shapes {predicted.shape} and {human.shape}")
    if len(predicted) < 3:
        raise ValueError("need at least 3 pairs to correlate")
    if not (np.isfinite(predicted).all() and np.isfinite(human).all()):
        raise ValueError("scores contain NaN or infinite values")
    return {"pearson": round(float(pearsonr(predicted, human).statistic), 3),
            "spearman": round(float(spearmanr(predicted, human).statistic), 3)}


def pairwise_cosine(vectors) -> np.ndarray:
    """Cosine similarity of every row with every other (scikit-learn's, dense or sparse input)."""
    from sklearn.metrics.pairwise import cosine_similarity

    return cosine_similarity(vectors)


def lee_correlation(doc_vectors) -> dict[str, float]:
    """Score 50 Lee document vectors against the human ratings: cosine of each of the 1,225 pairs, correlated."""
    from .data import lee_pairs

    if doc_vectors.shape[0] != 50:
        raise ValueError(f"need one vector per Lee document (50 rows), got {doc_vectors.shape[0]}")
    pairs = lee_pairs()
    sims = pairwise_cosine(doc_vectors)[pairs["i"], pairs["j"]]
    return correlations(sims, pairs["human"])


def paired_cosine(a, b) -> np.ndarray:
    """Cosine similarity of a[k] with b[k] for every row k."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.einsum("ij,ij->i", a, b) / np.where(norms == 0, 1, norms)


def recall_at_k(ranked: Sequence[Sequence], relevant: Sequence, k: int = 10) -> float:
    """Fraction of queries whose relevant item is among their first k results."""
    _check_ranked(ranked, relevant, k)
    return float(np.mean([rel in list(r)[:k] for r, rel in zip(ranked, relevant)]))


def mrr(ranked: Sequence[Sequence], relevant: Sequence, k: int = 10) -> float:
    """Mean reciprocal rank of the relevant item within the first k results (0 when absent)."""
    _check_ranked(ranked, relevant, k)
    scores = []
    for results, rel in zip(ranked, relevant):
        results = list(results)[:k]
        scores.append(1 / (results.index(rel) + 1) if rel in results else 0.0)
    return float(np.mean(scores))


def _check_ranked(ranked, relevant, k):
    if len(ranked) != len(relevant) or len(ranked) == 0:
        raise ValueError(f"need one ranked list per query (got {len(ranked)} lists for {len(relevant)} queries)")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")


def median_seconds(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
