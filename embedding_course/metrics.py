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

from .validate import is_whole_number


def _numbers(values, name: str, finite: bool = True, dtype=None) -> np.ndarray:
    """``values`` as a numeric array (of ``dtype``; by default float32 stays float32), with a clear error
    for None, text, ragged rows and (if ``finite``) NaN/inf."""
    if values is None:
        raise TypeError(f"{name} is None: pass an array (or list) of numbers")
    try:
        array = np.asarray(values, dtype=dtype)
        if array.dtype.kind not in "biuf":
            array = array.astype(float)
    except (TypeError, ValueError):  # text, None inside, or rows of different lengths
        raise ValueError(f"{name} must hold numbers only, in rows of equal length (got {type(values).__name__} "
                         f"{str(values)[:60]}): embed or score the texts first") from None
    if finite and not np.isfinite(array).all():
        rows = np.flatnonzero(~np.isfinite(array.reshape(len(array), -1)).all(axis=1)) if array.ndim else [0]
        raise ValueError(f"{name} contains NaN or infinite values (rows {', '.join(map(str, rows[:10]))}): "
                         "they usually come from an empty text or a zero vector; fix or drop those rows")
    return array


def _matrix(vectors, name: str, dtype=None):
    """A 2-D table of finite numbers, one vector per row (scipy sparse matrices pass, with their values checked)."""
    from scipy import sparse

    if sparse.issparse(vectors):
        if not np.isfinite(vectors.data).all():
            raise ValueError(f"{name} contains NaN or infinite values: fix or drop those rows")
        return vectors
    array = _numbers(vectors, name, dtype=dtype)
    if array.ndim != 2 or array.shape[0] == 0:
        hint = " (one vector? wrap it in a list: [vector])" if array.ndim == 1 else ""
        raise ValueError(f"{name} must be a 2-D array with one vector per row, got shape {array.shape}{hint}")
    return array


def correlations(predicted, human) -> dict[str, float]:
    """Pearson and Spearman correlation between predicted and human scores, rounded to 3 digits."""
    from scipy.stats import pearsonr, spearmanr

    predicted, human = _numbers(predicted, "predicted", False, float), _numbers(human, "human", False, float)
    if predicted.shape != human.shape or predicted.ndim != 1:
        raise ValueError(f"need two 1-d arrays of the same length, got shapes {predicted.shape} and {human.shape}")
    if len(predicted) < 3:
        raise ValueError("need at least 3 pairs to correlate")
    if not (np.isfinite(predicted).all() and np.isfinite(human).all()):
        raise ValueError("scores contain NaN or infinite values")
    for name, values in (("predicted", predicted), ("human", human)):
        if np.ptp(values) == 0:  # scipy would warn and return nan
            raise ValueError(f"all {name} scores are the same ({values[0]}): a correlation needs scores that vary")
    return {"pearson": round(float(pearsonr(predicted, human).statistic), 3),
            "spearman": round(float(spearmanr(predicted, human).statistic), 3)}


def pairwise_cosine(vectors) -> np.ndarray:
    """Cosine similarity of every row with every other (scikit-learn's, dense or sparse input)."""
    from sklearn.metrics.pairwise import cosine_similarity

    return cosine_similarity(_matrix(vectors, "vectors"))


def lee_correlation(doc_vectors) -> dict[str, float]:
    """Score 50 Lee document vectors against the human ratings: cosine of each of the 1,225 pairs, correlated."""
    from .data import lee_pairs

    doc_vectors = _matrix(doc_vectors, "doc_vectors")
    if doc_vectors.shape[0] != 50:
        raise ValueError(f"need one vector per Lee document (50 rows), got {doc_vectors.shape[0]}")
    pairs = lee_pairs()
    sims = pairwise_cosine(doc_vectors)[pairs["i"], pairs["j"]]
    return correlations(sims, pairs["human"])


def paired_cosine(a, b) -> np.ndarray:
    """Cosine similarity of a[k] with b[k] for every row k."""
    a, b = _matrix(a, "a", float), _matrix(b, "b", float)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.einsum("ij,ij->i", a, b) / np.where(norms == 0, 1, norms)


def recall_at_k(ranked: Sequence[Sequence], relevant: Sequence, k: int = 10) -> float:
    """Fraction of queries whose relevant item is among their first k results."""
    return float(np.mean(ranks_of_relevant(ranked, relevant, k) > 0))


def mrr(ranked: Sequence[Sequence], relevant: Sequence, k: int = 10) -> float:
    """Mean reciprocal rank of the relevant item within the first k results (0 when absent)."""
    rank = ranks_of_relevant(ranked, relevant, k)
    return float(np.mean(np.where(rank > 0, 1 / np.maximum(rank, 1), 0.0)))


def bootstrap_interval(per_query, *, resamples: int = 2000, level: float = 0.95, seed: int = 42) -> tuple[float, float, float]:
    """The mean of ``per_query`` and a percentile bootstrap interval for it: ``(mean, low, high)``.

    Resample the queries with replacement ``resamples`` times and take the middle ``level`` of the means.
    For a gain, pass each query's difference (method B minus method A on the *same* query): a paired
    bootstrap, whose interval excludes 0 only when the gain is larger than the luck of the query sample.

    >>> bootstrap_interval([1, 1, 1, 1])
    (1.0, 1.0, 1.0)
    >>> mean, low, high = bootstrap_interval([0, 1] * 50)
    >>> round(mean, 2), low < 0.5 < high
    (0.5, True)
    """
    values = _numbers(per_query, "per_query", dtype=float)
    if values.ndim != 1 or len(values) < 2:
        raise ValueError(f"per_query must hold one number per query, at least 2 of them (got shape {values.shape})")
    if not is_whole_number(resamples, 100, numpy_ok=True):
        raise ValueError(f"resamples must be a whole number of at least 100 (the course uses 2000), not {resamples!r}")
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.5 <= level < 1:
        raise ValueError(f"level must be a coverage between 0.5 and 1, e.g. 0.95, not {level!r}")
    rows = np.random.default_rng(seed).integers(0, len(values), size=(resamples, len(values)))
    means = values[rows].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(values.mean()), float(low), float(high)


def _check_ranked(ranked, relevant, k):
    if ranked is None or relevant is None or isinstance(ranked, str):
        raise TypeError("ranked must be a list with one ranked list of results per query, and relevant a list with "
                        "each query's relevant item")
    if len(ranked) != len(relevant) or len(ranked) == 0:
        raise ValueError(f"need one ranked list per query (got {len(ranked)} lists for {len(relevant)} queries)")
    if not is_whole_number(k, numpy_ok=True):
        raise ValueError(f"k must be a whole number of at least 1, not {k!r}")
    flat = [n for n, results in enumerate(ranked) if isinstance(results, str) or not hasattr(results, "__iter__")]
    if flat:
        # recall_at_k(["doc1", "doc2"], ...) would test letters of "doc1": say so instead of a wrong number
        raise TypeError(f"ranked[{flat[0]}] is {ranked[flat[0]]!r}, not a list: ranked needs one list of results "
                        "per query (for top-1 results, wrap each one: [[r] for r in results])")


def _check_timeable(fn) -> None:
    if not callable(fn):
        raise TypeError(f"fn must be a function to time, e.g. lambda: model.encode(texts), not {type(fn).__name__}")


def wall_times(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> list[float]:
    """Wall times in seconds of ``repeats`` calls of ``fn()`` after ``warmup`` untimed calls.

    >>> len(wall_times(lambda: sum(range(1000)), repeats=3))
    3
    """
    _check_timeable(fn)
    if not is_whole_number(repeats) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"repeats must be a whole number of at least 1 and warmup of at least 0, "
                         f"not repeats={repeats!r}, warmup={warmup!r}")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """One call of ``fn()``: its wall time in seconds, and what it returned.

    >>> seconds, value = timed(lambda: 6 * 7)
    >>> value
    42
    """
    _check_timeable(fn)
    results = []
    (seconds,) = wall_times(lambda: results.append(fn()), repeats=1, warmup=0)
    return seconds, results[0]


def median_seconds(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs after ``warmup`` untimed runs."""
    return float(np.median(wall_times(fn, repeats, warmup)))


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ranks_of_relevant(ranked: Sequence[Sequence], relevant: Sequence, k: int = 10) -> np.ndarray:
    """Each query's rank (1 = first) of its relevant item within the first k results, 0 where absent."""
    _check_ranked(ranked, relevant, k)
    return np.array([list(r)[:k].index(rel) + 1 if rel in list(r)[:k] else 0 for r, rel in zip(ranked, relevant)])


def per_query_scores(ranked: Sequence[Sequence], relevant: Sequence, k: int = 10) -> dict[str, np.ndarray]:
    """recall@1, MRR@k and nDCG@k of every query (one relevant item each), for means and bootstrap intervals.

    With a single relevant item the ideal DCG is 1, so nDCG@k is 1 / log2(rank + 1).

    >>> {m: v.tolist() for m, v in per_query_scores([["a", "b"], ["b", "a"]], ["a", "a"], k=2).items()}
    {'recall@1': [1.0, 0.0], 'MRR@2': [1.0, 0.5], 'nDCG@2': [1.0, 0.6309297535714575]}
    """
    rank = ranks_of_relevant(ranked, relevant, k)
    found = rank > 0
    safe = np.where(found, rank, 1)
    return {"recall@1": (rank == 1).astype(float), f"MRR@{k}": np.where(found, 1 / safe, 0.0),
            f"nDCG@{k}": np.where(found, 1 / np.log2(safe + 1), 0.0)}
