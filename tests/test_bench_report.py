"""The committed benchmark report is what tools/bench.py renders from the committed results, nothing else."""

import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", REPO / "tools" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_report_is_generated_from_the_results_file():
    bench = load_bench()
    results_path = REPO / "benchmarks" / "results.json"
    rendered = bench.render_report(bench.load_results(results_path), results_path)
    assert rendered == (REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8"), (
        "docs/benchmarks.md differs from what tools/bench.py renders: run `.venv/bin/python tools/bench.py "
        "--report-only` instead of editing it by hand")


def test_report_covers_every_section_and_lesson_with_several_runs():
    results = json.loads((REPO / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    assert set(results["sections"]) == {"notebooks", "throughput", "cross", "milvus"}
    notebooks = results["sections"]["notebooks"]["result"]
    lessons = {x["notebook"][:2] for x in notebooks["lessons"]}
    assert lessons == {p.name[:2] for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert notebooks["runs"] >= 3 and all(x["runs_ok"] == x["runs"] for x in notebooks["lessons"])
    assert not any(sec.get("quick") for sec in results["sections"].values())
