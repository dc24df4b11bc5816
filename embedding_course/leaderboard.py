"""One leaderboard for the whole course: every method scored on the same retrieval task.

A lesson that builds a method ranks the task's passages for every question (see
:mod:`embedding_course.retrieval`) and adds one row with :func:`add`; the row keeps the method's
quality (recall@1 with a bootstrap interval, MRR@10, nDCG@10) and its cost (seconds per query,
bytes per stored vector). :func:`table` reads every row added so far, from any lesson, and
:func:`plot` draws quality against cost. Adding a method again replaces its row.

>>> import numpy as np
>>> top_k(np.array([[0.1, 0.9, 0.5]]), ["a", "b", "c"], k=2)
[['b', 'c']]
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from . import metrics
from .paths import generated_dir
from .validate import is_whole_number

BOARD_FILE = "leaderboard.json"
K = 10
COLUMNS = ["method", "lesson", "recall@1", "recall@1 low", "recall@1 high", "MRR@10", "nDCG@10",
           "ms per query", "bytes per vector"]

__all__ = ["BOARD_FILE", "COLUMNS", "add", "board_path", "plot", "score", "table", "top_k"]


def board_path() -> Path:
    """Where the rows are kept: ``generated/leaderboard.json`` (``make clean`` removes it)."""
    return generated_dir() / BOARD_FILE


def top_k(scores, passage_ids, k: int = K) -> list[list]:
    """The ids of the k highest-scoring passages of every query (rows of ``scores``), best first.

    Ties keep the passages' order (a stable sort), so the ranking is the same on every machine.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 2 or scores.shape[1] != len(passage_ids):
        raise ValueError(f"scores must be a (queries x passages) matrix with one column per passage id "
                         f"(got shape {scores.shape} for {len(passage_ids)} ids)")
    if not is_whole_number(k, 1, numpy_ok=True):
        raise ValueError(f"k must be a whole number of at least 1, not {k!r}")
    ids = np.asarray(passage_ids, dtype=object)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return [list(ids[row]) for row in order]


def score(ranked, relevant) -> dict[str, float]:
    """recall@1 (with a 95% paired-bootstrap interval), MRR@10 and nDCG@10 of one method's rankings."""
    per_query = metrics.per_query_scores(ranked, relevant, k=K)
    mean, low, high = metrics.bootstrap_interval(per_query["recall@1"])
    return {"recall@1": mean, "recall@1 low": low, "recall@1 high": high,
            "MRR@10": float(per_query["MRR@10"].mean()), "nDCG@10": float(per_query["nDCG@10"].mean())}


def _positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, not {value!r}")
    return float(value)


def _read(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not a leaderboard file ({error}); delete it and rerun the lessons") from None


def add(method: str, lesson: int, ranked, relevant, *, seconds_per_query: float, bytes_per_vector: float,
        path: str | Path | None = None) -> dict:
    """Score ``ranked`` (top-10 passage ids per query) against ``relevant`` and keep the row; returns it."""
    if not isinstance(method, str) or not method.strip():
        raise ValueError(f"method must be a non-empty name such as 'BM25', not {method!r}")
    if not is_whole_number(lesson, 0, 99):
        raise ValueError(f"lesson must be the lesson's number (0-99), not {lesson!r}")
    row = {"method": method, "lesson": lesson, **score(ranked, relevant),
           "ms per query": 1000 * _positive(seconds_per_query, "seconds_per_query"),
           "bytes per vector": _positive(bytes_per_vector, "bytes_per_vector")}
    path = Path(path) if path is not None else board_path()
    rows = _read(path)
    rows[method] = row
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    os.replace(partial, path)  # a run stopped halfway never leaves half a file
    return row


def table(path: str | Path | None = None):
    """Every row added so far, best nDCG@10 first, as a DataFrame (empty, with the columns, if none)."""
    import pandas as pd

    rows = _read(Path(path) if path is not None else board_path())
    frame = pd.DataFrame(list(rows.values()), columns=COLUMNS)
    return frame.sort_values(["nDCG@10", "method"], ascending=[False, True], kind="stable").reset_index(drop=True)


#: Where plot() tries a dot's number, in points from the dot: above right first, then a little lower, higher, left.
CLEAR_SPOTS = [(4, 3), (4, -9), (-4, 3), (-4, -9), (4, 12), (4, -18), (-4, 12), (-4, -18)]


def plot(board, ax=None):
    """Quality (nDCG@10) against cost (ms per query, log scale); a dot's area grows with its bytes per vector.

    Each dot carries its row number in ``board`` (best first, as :func:`table` sorts it), and the methods are
    listed by number beside the axes: many methods score and cost nearly the same, and their names would print
    over each other.
    """
    import matplotlib.pyplot as plt

    if len(board) == 0:
        raise ValueError("the leaderboard is empty: run a lesson that adds rows with leaderboard.add first")
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    sizes = 20 + 180 * board["bytes per vector"] / board["bytes per vector"].max()
    ax.scatter(board["ms per query"], board["nDCG@10"], s=sizes, alpha=0.6)
    ax.set_xscale("log")
    ax.autoscale_view()  # the final axes, so that where each number lands on screen is known below
    renderer, placed = ax.figure.canvas.get_renderer(), []
    for number, (ms, ndcg) in enumerate(zip(board["ms per query"], board["nDCG@10"]), start=1):
        label = ax.annotate(str(number), (ms, ndcg), textcoords="offset points", xytext=CLEAR_SPOTS[0], fontsize=8)
        for dx, dy in CLEAR_SPOTS:  # the first place near the dot that no earlier number covers
            label.xyann = (dx, dy)
            label.set_horizontalalignment("left" if dx > 0 else "right")
            if not any(label.get_window_extent(renderer).overlaps(box) for box in placed):
                break
        placed.append(label.get_window_extent(renderer))
    key = "\n".join(f"{number:>2}  {method}" for number, method in enumerate(board["method"], start=1))
    ax.text(1.02, 1.0, key, transform=ax.transAxes, va="top", ha="left", fontsize=8, family="monospace")
    ax.set_xlabel("milliseconds per query (log scale)")
    ax.set_ylabel("nDCG@10 on the course's retrieval task")
    ax.set_title("The course leaderboard: quality against cost")
    return ax
