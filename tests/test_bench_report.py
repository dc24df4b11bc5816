"""The committed benchmark report is what tools/bench renders from the committed results, nothing else."""

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from bench.common import load_results  # noqa: E402
from bench.report import render_report  # noqa: E402


def test_report_is_generated_from_the_results_file():
    results_path = REPO / "benchmarks" / "results.json"
    rendered = render_report(load_results(results_path), results_path)
    assert rendered == (REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8"), (
        "docs/benchmarks.md differs from what tools/bench renders: run `.venv/bin/python tools/bench "
        "--report-only` instead of editing it by hand")


def test_report_covers_every_section_and_lesson_with_several_runs():
    results = json.loads((REPO / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    assert set(results["sections"]) == {"notebooks", "throughput", "cross", "milvus"}
    notebooks = results["sections"]["notebooks"]["result"]
    lessons = {x["notebook"][:2] for x in notebooks["lessons"]}
    assert lessons == {p.name[:2] for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert notebooks["runs"] >= 3 and all(x["runs_ok"] == x["runs"] for x in notebooks["lessons"])
    assert not any(sec.get("quick") for sec in results["sections"].values())
