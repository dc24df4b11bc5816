"""The Colab path, imitated: a fresh Python that already has torch (as Colab does), a google.colab
module, the course as the Colab cell clones it, and pip with the wheelhouse as its only index.

The notebook's own Colab cell runs, then lesson 00's environment check. torch must come out untouched
(same version, same files), every pin the cell installs must be in place, and a second run of the
cell must install nothing. What cannot be imitated here: the `git clone` from GitHub (the clone is made
by the test, so the cell skips it), the STS-B download (STSB_DIR points at the local copy), and
Colab's own Python and packages.
"""

import json
import subprocess
import sys
import time

from .conftest import clone_course, no_network_env

# Runs in the imitated runtime: Colab imports google.colab before the first cell, then the cell runs
# in the notebook's namespace, then lesson 00's check.
DRIVER = """
import json, os, sys
from pathlib import Path
import google.colab
cell = open(sys.argv[1], encoding="utf-8").read()
exec(compile(cell, "colab cell", "exec"), {"__name__": "__main__"})
from embedding_course import check
import colab_setup
versions, report = check.versions(), check.check_environment()
print("RESULT " + json.dumps({
    "cwd": os.getcwd(), "package": check.__file__,
    "failed_versions": versions.index[~versions["ok"]].tolist(),
    "failed_checks": report.loc[~report["ok"], "detail"].to_dict(), "checks": len(report),
    "missing": colab_setup.missing(colab_setup.colab_pins(Path(sys.argv[2]))),
}))
"""

TORCH_STATE = "import importlib.metadata as m, importlib.util as u, os; print(m.version('torch'), os.stat(u.find_spec('torch').origin).st_mtime_ns)"


def _colab_cell(course) -> str:
    nb = json.loads((course / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and "launch" in c["metadata"].get("tags", [])]
    assert cells, "lesson 00 has no Colab cell: run `python tools/launch_cells.py` and commit the notebooks"
    return "".join(cells[0]["source"])


def test_colab_cell_installs_what_is_missing_keeps_torch_and_lesson_00_checks_pass(tmp_path, wheelhouse, stsb_required):
    from embedding_course import data

    start = time.perf_counter()
    course = clone_course(tmp_path / "content" / "embedding-course")
    cell = tmp_path / "colab_cell.py"
    cell.write_text(_colab_cell(course), encoding="utf-8")
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    fake = tmp_path / "fake-colab" / "google" / "colab"  # no google/__init__.py: google.protobuf must still import
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('"""Stands in for Colab\'s google.colab, which Colab imports at start."""\n')

    env = no_network_env(PIP_FIND_LINKS=str(wheelhouse), PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONPATH=str(fake.parent.parent),
                         EMBEDDING_COURSE_DIR=str(course), STSB_DIR=str(data.stsb_dir()), HOME=str(tmp_path))
    env.pop("EMBEDDING_COURSE_CACHE", None)  # as on Colab: generated/ inside the clone
    env.pop("VIRTUAL_ENV", None)

    # a Python with torch already in it, as Colab has (here the course's CPU build, from the wheelhouse)
    venv = tmp_path / "colab-python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "torch==2.13.0"], env=env, check=True)
    torch_before = subprocess.run([python, "-c", TORCH_STATE], env=env, capture_output=True, text=True, check=True).stdout
    ready = time.perf_counter()

    first = subprocess.run([python, str(driver), str(cell), str(course)], cwd=tmp_path, env=env, capture_output=True, text=True)
    setup_seconds = time.perf_counter() - ready
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    result = json.loads(first.stdout.split("RESULT ", 1)[1])
    assert f"Course ready in {course / 'notebooks'}" in first.stdout
    assert result["cwd"] == str(course / "notebooks")
    assert result["package"].startswith(str(course)), "the lesson must import the package from the clone"
    assert result["missing"] == {}, "every pin the Colab cell installs must be in place"
    # lesson 00's check: every model verified, every data set found ...
    assert result["failed_checks"] == {} and result["checks"] >= 15
    # ... and every version at its pin, except the notebook tools that Colab replaces with its own
    sys.path.insert(0, str(course / "tools"))
    import colab_setup

    assert set(result["failed_versions"]) <= colab_setup.LEFT_TO_COLAB - {"torch"}, result["failed_versions"]

    torch_after = subprocess.run([python, "-c", TORCH_STATE], env=env, capture_output=True, text=True, check=True).stdout
    assert torch_after == torch_before, f"torch was reinstalled: {torch_before.strip()} -> {torch_after.strip()}"

    # running the cell again (another lesson, or Run all twice) installs and downloads nothing
    again_start = time.perf_counter()
    again = subprocess.run([python, str(driver), str(cell), str(course)], cwd=tmp_path, env=env, capture_output=True, text=True)
    again_seconds = time.perf_counter() - again_start
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert ": 0 packages installed" in again.stdout and "Installing" not in again.stdout
    installing = next((line for line in first.stdout.splitlines() if line.startswith("Installing")), "nothing installed")
    print(f"\nColab path: torch into a fresh Python {ready - start:.0f} s; Colab cell + lesson 00's check {setup_seconds:.0f} s "
          f"({installing.rstrip('.')}); again {again_seconds:.0f} s. Versions left to Colab: {result['failed_versions']}")
