"""The course's plotting plumbing: the hover map's checks and what its HTML holds (no browser here; the site
test hovers over it in chromium)."""

import json
import re

import numpy as np
import pytest

from embedding_course.plotting import hover_map_3d

POINTS = [[0, 0, 0], [1, 0, 0], [0, 1, 0]]


def test_the_map_holds_every_point_text_group_and_query():
    shown = hover_map_3d(POINTS, ["alpha", "beta", "gamma"], ["a", "b", "a"], labels=["x", "b", "y"], order=["b", "a"],
                         queries=[("a question?", (0.5, 0.5, 0), [1, 2])], title="t")
    data = shown.map_data
    assert data["points"] == [[0, 0, 0], [1, 0, 0], [0, 1, 0]] and data["text"] == ["alpha", "beta", "gamma"]
    assert data["groups"] == ["b", "a"] and data["group"] == [1, 0, 1]  # coloured in the order given
    assert data["head"] == ["a \u00b7 x", "b", "a \u00b7 y"]  # a label equal to its group is not repeated
    assert data["queries"] == [{"text": "a question?", "point": [0.5, 0.5, 0.0], "hits": [1, 2]}]
    embedded = shown.data.split("const data = ", 1)[1].split(";\n", 1)[0]
    assert json.loads(embedded.replace("<\\/", "</")) == data  # the script draws exactly this


def test_the_same_map_gives_the_same_output_and_long_texts_are_cut():
    texts = ["word " * 100, "short", "x"]
    first = hover_map_3d(POINTS, texts, ["a"] * 3, chars=30)
    assert first.data == hover_map_3d(POINTS, texts, ["a"] * 3, chars=30).data  # no random id: stored notebooks stay put
    assert first.map_data["text"][0] == "word word word word word word [...]"


def test_a_text_cannot_close_the_script():
    shown = hover_map_3d(POINTS, ["</script><script>alert(1)</script>", "b", "c"], ["a"] * 3)
    script = shown.data.split("<script>", 1)[1]
    assert script.count("</script>") == 1 and script.endswith("</script>")


@pytest.mark.parametrize("points, texts, groups, kwargs, message", [
    (np.zeros((3, 2)), ["a"] * 3, ["g"] * 3, {}, "must be an (n, 3) array"),
    ([[0, 0, np.nan]] * 3, ["a"] * 3, ["g"] * 3, {}, "finite numbers"),
    (POINTS, ["a"] * 2, ["g"] * 3, {}, "one entry per point"),
    (POINTS, ["a"] * 3, ["g", "h", "i"], {"order": ["g", "h"]}, "not in order"),
    (POINTS, ["a"] * 3, ["g"] * 3, {"labels": ["l"]}, "labels must have one entry per point"),
    (POINTS, ["a"] * 3, list("abcdefghi"[:3]), {"colors": ["#000"]}, "need 3 colours"),
    (POINTS, ["a"] * 3, ["g"] * 3, {"queries": [("q", (0, 0, 0), [3])]}, "hits must be point indices"),
    (POINTS, ["a"] * 3, ["g"] * 3, {"queries": [("q", (0, 0), [0])]}, "its point must have 3 numbers"),
])
def test_bad_input_gets_a_clear_error(points, texts, groups, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        hover_map_3d(points, texts, groups, **kwargs)
