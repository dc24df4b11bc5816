"""The ordering asserts of the lessons' timing cells reject a run stored on a loaded machine.

Lesson 04's speed table was once stored from a run where other programs kept the cores busy (all-MiniLM-L6-v2
at 9 sentences/s, all-mpnet-base-v2 at 8). The cell's own asserts, run here on that table, must fail, and
pass on the table the lesson stores now.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

LESSON_04 = Path(__file__).resolve().parent.parent / "notebooks" / "04_bi_encoders.ipynb"
NEURAL = ["all-MiniLM-L6-v2", "all-mpnet-base-v2", "MiniLM int8 ONNX", "paraphrase-MiniLM-L3-v2 ONNX"]
LOADED_RUN = {"averaged GloVe": 97303, "TF-IDF": 39759, "paraphrase-MiniLM-L3-v2 ONNX": 362, "MiniLM int8 ONNX": 161,
              "all-MiniLM-L6-v2": 9, "all-mpnet-base-v2": 8}


def speed_cell() -> dict:
    cells = json.loads(LESSON_04.read_text(encoding="utf-8"))["cells"]
    return next(c for c in cells if c["cell_type"] == "code" and 'speed["vs MiniLM"]' in "".join(c["source"]))


def run_asserts(speed: pd.DataFrame) -> None:
    asserts = [line for line in "".join(speed_cell()["source"]).splitlines() if line.startswith("assert")]
    assert len(asserts) >= 3, "lesson 04's speed cell lost its ordering asserts"
    exec("\n".join(asserts), {"speed": speed, "neural": NEURAL})


def stored_table() -> pd.DataFrame:
    text = "".join(speed_cell()["outputs"][0]["text"])
    return pd.read_fwf(io.StringIO(text), index_col=0, widths=[30, 13] + [12] * 4).rename(columns=str.strip)


def test_the_stored_quiet_run_passes():
    run_asserts(stored_table())


def test_the_loaded_run_fails():
    with pytest.raises(AssertionError):
        run_asserts(pd.DataFrame({"sentences/s": LOADED_RUN}))
