"""The course leaderboard: rows scored from real rankings, kept, replaced, sorted and drawn."""

import json

import matplotlib
import numpy as np
import pytest

from embedding_course import leaderboard, metrics

matplotlib.use("Agg")

RELEVANT = ["a", "b", "c", "d"]
PERFECT = [["a", "x"], ["b", "x"], ["c", "x"], ["d", "x"]]
SECOND = [["x", "a"], ["x", "b"], ["x", "c"], ["x", "d"]]


def test_per_query_scores_on_known_ranks():
    scores = metrics.per_query_scores([["a", "b"], ["b", "a"], ["x", "y"]], ["a", "a", "a"], k=10)
    assert scores["recall@1"].tolist() == [1, 0, 0]
    assert scores["MRR@10"].tolist() == [1, 0.5, 0]
    assert scores["nDCG@10"] == pytest.approx([1, 1 / np.log2(3), 0])
    assert metrics.ranks_of_relevant([["a", "b"], ["b", "a"]], ["a", "a"], k=1).tolist() == [1, 0]
    with pytest.raises(TypeError):
        metrics.per_query_scores(["ab"], ["a"])


def test_top_k_is_stable_and_checked():
    assert leaderboard.top_k([[1, 1, 0], [0, 2, 3]], ["p", "q", "r"], k=2) == [["p", "q"], ["r", "q"]]
    with pytest.raises(ValueError, match="one column per passage"):
        leaderboard.top_k([[1, 2]], ["p", "q", "r"])
    with pytest.raises(ValueError, match="k must be"):
        leaderboard.top_k([[1, 2]], ["p", "q"], k=0)


def test_add_replace_and_sort(tmp_path):
    path = tmp_path / "board.json"
    assert leaderboard.table(path).empty and list(leaderboard.table(path).columns) == leaderboard.COLUMNS
    row = leaderboard.add("second", 9, SECOND, RELEVANT, seconds_per_query=0.002, bytes_per_vector=1536, path=path)
    assert (row["recall@1"], row["MRR@10"], row["ms per query"]) == (0.0, 0.5, 2.0)
    assert row["nDCG@10"] == pytest.approx(1 / np.log2(3))
    leaderboard.add("perfect", 1, PERFECT, RELEVANT, seconds_per_query=0.01, bytes_per_vector=80, path=path)
    board = leaderboard.table(path)
    assert board["method"].tolist() == ["perfect", "second"]  # best nDCG@10 first
    assert board.loc[0, "recall@1 low"] == board.loc[0, "recall@1 high"] == 1.0
    leaderboard.add("second", 9, PERFECT, RELEVANT, seconds_per_query=0.002, bytes_per_vector=1536, path=path)
    assert len(leaderboard.table(path)) == 2 and leaderboard.table(path)["recall@1"].tolist() == [1.0, 1.0]
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("bad", [dict(method=""), dict(lesson=-1), dict(lesson=2.5),
                                 dict(seconds_per_query=0), dict(seconds_per_query=float("nan")),
                                 dict(bytes_per_vector=-4), dict(bytes_per_vector=True)])
def test_add_rejects_bad_rows(tmp_path, bad):
    args = dict(method="m", lesson=9, seconds_per_query=0.01, bytes_per_vector=10) | bad
    with pytest.raises(ValueError):
        leaderboard.add(args.pop("method"), args.pop("lesson"), PERFECT, RELEVANT, path=tmp_path / "b.json", **args)
    assert not (tmp_path / "b.json").exists()


def test_a_broken_file_says_what_to_do(tmp_path):
    path = tmp_path / "board.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="delete it"):
        leaderboard.table(path)


def test_plot(tmp_path):
    path = tmp_path / "board.json"
    with pytest.raises(ValueError, match="empty"):
        leaderboard.plot(leaderboard.table(path))
    leaderboard.add("perfect", 1, PERFECT, RELEVANT, seconds_per_query=0.01, bytes_per_vector=80, path=path)
    leaderboard.add("second", 9, SECOND, RELEVANT, seconds_per_query=0.002, bytes_per_vector=1536, path=path)
    ax = leaderboard.plot(leaderboard.table(path))
    numbers, key = [t.get_text() for t in ax.texts[:-1]], ax.texts[-1].get_text()
    assert numbers == ["1", "2"] and key == " 1  perfect\n 2  second" and ax.get_xscale() == "log"
    assert json.loads(path.read_text())["perfect"]["lesson"] == 1


def test_default_path_is_in_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("EMBEDDING_COURSE_CACHE", str(tmp_path))
    assert leaderboard.board_path() == tmp_path / "leaderboard.json"


def test_plot_keeps_labels_of_equal_methods_apart(tmp_path):
    path = tmp_path / "board.json"
    for name in ["first twin", "second twin", "third twin"]:  # the same scores and cost: one dot, three labels
        leaderboard.add(name, 4, SECOND, RELEVANT, seconds_per_query=0.004, bytes_per_vector=1536, path=path)
    ax = leaderboard.plot(leaderboard.table(path))
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts[:-1]]  # the dots' numbers (the last text is the key)
    assert len(boxes) == 3 and not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
