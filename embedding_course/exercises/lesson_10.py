"""The checks of lesson 10 · Smaller vectors: quantization and Matryoshka."""

from __future__ import annotations

import numpy as np

from ..lessons.l10_smaller_vectors import binary_quantize, hamming_distances, rescore
from .core import Wrong, close, exercise, number

#: The candidate counts exercise 10.1 allows: multiples of 10 up to 200.
CANDIDATE_COUNTS = range(10, 201, 10)


def _vectors(vectors, name: str) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != 384 or not np.isfinite(array).all():
        raise Wrong(f"{name} should be the lesson's matrix of 384-number MiniLM vectors, one row per text.")
    return array


def faithfulness(stored, questions, candidates: int, dim: int | None = None) -> float:
    """recall@10 against exact float32 search of binary search (on the first ``dim`` numbers) rescored with full vectors."""
    cut = slice(None, dim)
    distances = hamming_distances(binary_quantize(questions[:, cut]), binary_quantize(stored[:, cut]))
    found = np.argsort(-rescore(distances, questions, stored, candidates), axis=1, kind="stable")[:, :10]
    exact = np.argsort(-(questions @ stored.T), axis=1, kind="stable")[:, :10]
    return float(np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact)]))


@exercise("10.1", "how many candidates", "candidates")
def check_rescore_candidates(candidates, big_vectors, question_vectors):
    """The smallest multiple of 10 (up to 200) of candidates whose rescored binary search reaches recall@10 >= 0.99.

    >>> exercises.check_rescore_candidates(60, big_vectors, question_vectors)       # doctest: +SKIP
    """
    stored, questions = _vectors(big_vectors, "big_vectors"), _vectors(question_vectors, "question_vectors")
    value = number(candidates, "my_candidates")
    if value not in CANDIDATE_COUNTS:
        raise Wrong("give a multiple of 10 from 10 to 200: the number of candidates rescored per question.")
    value = int(value)
    recall = {c: faithfulness(stored, questions, c) for c in CANDIDATE_COUNTS}
    enough = [c for c in CANDIDATE_COUNTS if recall[c] >= 0.99]
    if not enough:
        raise Wrong("no count up to 200 reaches 0.99 with these vectors: pass the lesson's big_vectors and question_vectors.")
    if recall[value] < 0.99:
        raise Wrong(f"with {value} candidates rescored, recall@10 against float32 is {recall[value]:.3f}: below 0.99. "
                    "Rescore more.")
    if value != enough[0]:
        raise Wrong(f"{value} candidates reach 0.99, but a shorter list does too: find the smallest.")
    return (f"{value} candidates: recall@10 {recall[value]:.3f}, against {recall[value - 10]:.3f} with {value - 10}"
            if value > 10 else f"{value} candidates: recall@10 {recall[value]:.3f}") + (
        f". The list is a small share of the {len(stored):,} passages, but it grows with the corpus.")


@exercise("10.2", "a 16-byte vector", "recall")
def check_sixteen_bytes(recall, passage_vectors, question_vectors):
    """recall@10 against float32 of 128-bit binary search (the first 128 numbers), top 40 rescored with full vectors.

    >>> exercises.check_sixteen_bytes(0.9, passage_vectors, question_vectors)        # doctest: +SKIP
    """
    stored, questions = _vectors(passage_vectors, "passage_vectors"), _vectors(question_vectors, "question_vectors")
    value = number(recall, "my_recall")
    if value > 1:
        raise Wrong("a recall is a share between 0 and 1 (of the exact top 10 found), not a percentage.")
    expected = faithfulness(stored, questions, 40, dim=128)
    if close(value, expected, tol=0.0015):
        full = faithfulness(stored, questions, 40)
        return (f"{expected:.3f} from 16 bytes a passage in memory, against {full:.3f} from section 4's 48 bytes: "
                "fewer bits make the first search coarser, and 40 candidates no longer hold most of the true neighbours.")
    # Rescoring only 10 candidates reorders binary search's own top 10: the same set, so the same recall@10.
    wrong = {"that is the binary search alone: rescore its 40 nearest passages with the full float32 vectors":
             faithfulness(stored, questions, 10, dim=128),
             "that is 384-bit (48-byte) binary search: binarize only the first 128 numbers": faithfulness(stored, questions, 40)}
    for why, wrong_value in wrong.items():
        if close(value, wrong_value, tol=0.0015) and not close(wrong_value, expected, tol=0.0015):
            raise Wrong(why + ".")
    raise Wrong("that is not the recall@10 of this search: binarize the first 128 numbers of both sides, take each "
                "question's 40 nearest passages by Hamming distance, rescore them with the full 384-number vectors, "
                "and compare the top 10 with exact float32 search.")
