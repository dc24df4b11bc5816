"""The authors' tools that store and check notebooks: make execute (tools/execute_notebooks.py) and the
kernel paths of make test-robust (tools/run_notebooks_robust.sh)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import execute_notebooks  # noqa: E402


def test_busy_cores_is_a_share_of_this_machine():
    busy = execute_notebooks.busy_cores(seconds=0.5)
    assert 0 <= busy <= os.cpu_count() + 0.01


def test_refuses_to_store_on_a_loaded_machine(monkeypatch, tmp_path):
    monkeypatch.setattr(execute_notebooks, "busy_cores", lambda seconds=3.0: 1.7)
    monkeypatch.setattr(execute_notebooks, "WAIT_SECONDS", 0)
    monkeypatch.delenv("EXECUTE_ON_LOADED_MACHINE", raising=False)
    with pytest.raises(SystemExit, match="refusing to store lesson.ipynb: the machine is busy \\(1.7 cores"):
        execute_notebooks.wait_until_quiet("lesson.ipynb")


def test_stores_anyway_only_when_told_and_says_so(monkeypatch, capsys):
    monkeypatch.setattr(execute_notebooks, "busy_cores", lambda seconds=3.0: 1.7)
    monkeypatch.setattr(execute_notebooks, "WAIT_SECONDS", 0)
    monkeypatch.setenv("EXECUTE_ON_LOADED_MACHINE", "1")
    execute_notebooks.wait_until_quiet("lesson.ipynb")
    assert "WARNING" in capsys.readouterr().out


def test_a_quiet_machine_goes_ahead(monkeypatch):
    monkeypatch.setattr(execute_notebooks, "busy_cores", lambda seconds=3.0: 0.1)
    execute_notebooks.wait_until_quiet("lesson.ipynb")


def _notebook(path: Path, *sources: str) -> None:
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources]), path)


@pytest.mark.slow
def test_a_failing_notebook_is_not_written_back(tmp_path):
    path = tmp_path / "broken.ipynb"
    _notebook(path, "x = 1", "1 / 0")
    before = path.read_bytes()
    with pytest.raises(Exception, match="ZeroDivisionError"):
        execute_notebooks.execute(path)
    assert path.read_bytes() == before


@pytest.mark.slow
def test_a_good_notebook_is_stored_executed_in_order(tmp_path):
    path = tmp_path / "good.ipynb"
    _notebook(path, "x = 20", "print(x + 1)")
    execute_notebooks.execute(path)
    cells = nbformat.read(path, as_version=4).cells
    assert [c.execution_count for c in cells] == [1, 2] and cells[1].outputs[0].text == "21\n"


def test_robust_runner_rejects_an_unknown_kernel_path():
    run = subprocess.run(["bash", str(ROOT / "tools/run_notebooks_robust.sh"), "notebooks/00_start_here.ipynb"],
                         env={**os.environ, "ROBUST_KERNELS": "avx2 avx9000", "ROBUST_CACHE": "/nonexistent/robust"},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "unknown kernel path 'avx9000'" in run.stderr


def test_robust_runner_reusing_state_needs_that_state():
    run = subprocess.run(["bash", str(ROOT / "tools/run_notebooks_robust.sh"), "notebooks/00_start_here.ipynb"],
                         env={**os.environ, "ROBUST_REUSE": "1", "ROBUST_CACHE": "/nonexistent/generated"},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "/nonexistent/generated is not a folder: run make test first" in run.stderr


def test_robust_runner_never_empties_the_courses_own_state(tmp_path):
    own = tmp_path / "generated"
    (own / "05_fine_tuning").mkdir(parents=True)
    (own / ".made-by-run_notebooks_robust").touch()  # left by an earlier run on it: still not emptied
    run = subprocess.run(["bash", str(ROOT / "tools/run_notebooks_robust.sh"), "notebooks/00_start_here.ipynb"],
                         env={**os.environ, "ROBUST_CACHE": str(own), "EMBEDDING_COURSE_CACHE": str(own)},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "is the course's own generated state" in run.stderr
    assert (own / "05_fine_tuning").is_dir()


@pytest.mark.slow
@pytest.mark.robust
def test_robust_runner_reuses_state_as_it_is(tmp_path):
    """CI's second run: on what `make test` left, which must not be emptied first."""
    state = tmp_path / "generated"
    state.mkdir()
    (state / "kept.txt").write_text("a learner's saved work\n")
    run = subprocess.run(["bash", str(ROOT / "tools/run_notebooks_robust.sh"), "solutions/01_sparse_vectors_solutions.ipynb"],
                         env={**os.environ, "ROBUST_REUSE": "1", "ROBUST_CACHE": str(state), "ROBUST_RUNS": "1",
                              "ROBUST_KERNELS": "generic"},
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "(not emptied: reused as it is)" in run.stdout and "run 1 (generic kernels): passed" in run.stdout
    assert (state / "kept.txt").read_text() == "a learner's saved work\n"
    assert "kept.txt" in run.stdout.split("== generated state after the runs:")[1].splitlines()[0]
    assert not (state / ".made-by-run_notebooks_robust").exists()
