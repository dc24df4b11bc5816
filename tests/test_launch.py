"""Launch links: the Binder files agree with the pins, the Colab cell does nothing outside Colab, and
every notebook's launch cells open that very notebook. The Colab path itself is imitated, slowly, by
tests/workshop/test_colab_path.py; Binder's resolution by tests/workshop/test_binder_requirements.py."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
sys.path.insert(0, str(ROOT / "tools"))

import colab_setup  # noqa: E402
import fetch_stsb  # noqa: E402
import launch_cells  # noqa: E402

REPO, BRANCH = launch_cells.load_config()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CUDA = re.compile(r"^(nvidia-|cuda|triton|pytorch-cuda|cupy)", re.I)


def _lines(path: Path) -> list[str]:
    return [line.split("#")[0].strip() for line in path.read_text().splitlines() if line.split("#")[0].strip()]


# ---------------------------------------------------------------- Binder
def test_binder_python_is_the_course_python():
    """runtime.txt and environment.yml pick the Python that constraints.txt was resolved on."""
    resolved = re.search(r"\bPython (\d+\.\d+)\b", (ROOT / "constraints.txt").read_text())
    assert resolved, "constraints.txt no longer says which Python it was resolved on"
    assert (BINDER / "runtime.txt").read_text().strip() == f"python-{resolved.group(1)}"
    assert f"- python={resolved.group(1)}\n" in (ROOT / "environment.yml").read_text()


def test_binder_requirements_are_the_course_pins_with_a_cpu_only_torch():
    lines = _lines(BINDER / "requirements.txt")
    options = [line for line in lines if line.startswith("-")]
    requirements = [line for line in lines if not line.startswith("-")]
    assert options == ["--extra-index-url https://download.pytorch.org/whl/cpu",
                       "-r ../requirements.txt", "-c ../constraints.txt"]
    assert not any(line.startswith(("--index-url", "-i ")) for line in lines), "PyPI must stay the main index"
    for option in options[1:]:  # pip reads nested files relative to the file that names them
        assert (BINDER / option.split()[1]).resolve().is_file(), option
    # the one pin of its own: torch, at requirements.txt's version, as the CPU build
    torch_pin = next(r for r in _lines(ROOT / "requirements.txt") if r.startswith("torch=="))
    assert requirements == [torch_pin + "+cpu"]


def test_no_file_binder_installs_names_a_cuda_package():
    for name in ("binder/requirements.txt", "requirements.txt", "constraints.txt", "requirements-nodeps.txt"):
        for line in _lines(ROOT / name):
            assert not CUDA.match(line), f"{name}: {line!r} would pull CUDA into the Binder image"


def test_binder_postbuild_finishes_the_install_as_make_venv_does():
    post_build = BINDER / "postBuild"
    text = post_build.read_text()
    assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text
    assert post_build.stat().st_mode & 0o111, "postBuild must be executable (git keeps the mode)"
    subprocess.run(["bash", "-n", str(post_build)], check=True)
    makefile = (ROOT / "Makefile").read_text()
    for makefile_step, binder_step in [("--no-deps -r requirements-nodeps.txt", "--no-deps -r requirements-nodeps.txt"),
                                       ("--no-deps --no-build-isolation -e .", "--no-deps -e .")]:
        assert makefile_step in makefile, f"the Makefile no longer installs with {makefile_step!r}: update postBuild"
        assert f"pip install --no-cache-dir {binder_step}" in text
    assert "python tools/prepare.py" in text and (ROOT / "tools" / "prepare.py").exists()


def test_binder_start_sets_what_the_makefile_exports(tmp_path):
    """The settings `make lab` exports (offline, quiet, seeded) are set at every Binder launch too."""
    start = BINDER / "start"
    assert start.stat().st_mode & 0o111, "start must be executable"
    assert _lines(start)[-1] == 'exec "$@"'
    exported = dict(re.findall(r"^export (\w+) \?= (\S+)$", (ROOT / "Makefile").read_text(), re.M))
    expected = {k: v for k, v in exported.items() if "$" not in v}  # paths (cache, STSB_DIR) keep the package defaults
    assert {"HF_HUB_OFFLINE", "PYTHONHASHSEED", "TOKENIZERS_PARALLELISM"} <= expected.keys()
    shown = subprocess.run([str(start), sys.executable, "-c", "import json, os; print(json.dumps(dict(os.environ)))"],
                           env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, capture_output=True, text=True, check=True)
    environment = json.loads(shown.stdout)
    assert {k: environment.get(k) for k in expected} == expected


# ---------------------------------------------------------------- the Colab cell, outside Colab
def test_colab_cell_is_short():
    source = launch_cells.colab_cell_source(REPO, BRANCH, "notebooks")
    assert 3 <= len(source.splitlines()) <= 6
    compile(source, "colab cell", "exec")


def test_colab_cell_does_nothing_and_prints_nothing_outside_colab(tmp_path):
    source = launch_cells.colab_cell_source(REPO, BRANCH, "notebooks")
    work, course = tmp_path / "work", tmp_path / "course"
    work.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "EMBEDDING_COURSE_DIR": str(course)}
    ran = subprocess.run([sys.executable, "-c", source], cwd=work, env=env, capture_output=True, text=True)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "", "")
    assert list(work.iterdir()) == [] and not course.exists(), "the cell wrote files outside Colab"
    # and it imports nothing (not even os or subprocess), so it costs nothing before a lesson
    probe = ("import sys; before = set(sys.modules); exec(compile(sys.argv[1], 'cell', 'exec'), {}); "
             "print(sorted(set(sys.modules) - before))")
    imported = subprocess.run([sys.executable, "-c", probe, source], cwd=work, env=env, capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "[]"


# ---------------------------------------------------------------- the notebooks' launch cells
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem[:2] for nb in NOTEBOOKS])
def test_each_notebook_has_launch_cells_that_open_itself(notebook):
    rel = f"notebooks/{notebook.name}"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    issues = launch_cells.problems(nb, rel, REPO, BRANCH)
    assert not issues, f"{rel}: {'; '.join(issues)}. Run `python tools/launch_cells.py`, then re-execute the notebook."
    badges, cell = [c for c in nb["cells"] if launch_cells.is_launch_cell(c)]
    text = "".join(badges["source"])
    # checked here without the script's own URL builders: each link names this notebook and no other
    assert f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/notebooks/{notebook.name})" in text
    assert f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=lab%2Ftree%2Fnotebooks%2F{notebook.name})" in text
    assert "](../docs/glossary.md)" in text
    assert not any(other.name in text for other in NOTEBOOKS if other != notebook)
    assert cell["cell_type"] == "code" and cell["outputs"] == [], "outside Colab the cell must store no output"
    assert f'colab_setup.setup(course, "notebooks")' in "".join(cell["source"])


def _copy_without_launch_cells(notebook: Path, root: Path) -> Path:
    (root / "tools").mkdir(parents=True)
    (root / "notebooks").mkdir()
    shutil.copy(ROOT / "tools" / "launch.toml", root / "tools")
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nb["cells"] = [c for c in nb["cells"] if not launch_cells.is_launch_cell(c)]
    copy = root / "notebooks" / notebook.name
    copy.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return copy


def test_launch_cells_script_inserts_once_and_refreshes_stale_links(tmp_path, capsys):
    copy = _copy_without_launch_cells(ROOT / "notebooks" / "00_start_here.ipynb", tmp_path)
    original = json.loads(copy.read_text(encoding="utf-8"))["cells"]
    root = ["--root", str(tmp_path)]

    assert launch_cells.main([*root, "--check"]) == 1
    assert "notebooks/00_start_here.ipynb: no launch cells" in capsys.readouterr().out
    assert launch_cells.main(root) == 0
    first = copy.read_bytes()
    cells = json.loads(first)["cells"]
    assert [c["id"] for c in cells[1:3]] == [launch_cells.BADGES_ID, launch_cells.CELL_ID]
    assert cells[:1] + cells[3:] == original, "the lesson's own cells must not change"
    assert launch_cells.main(root) == 0 and copy.read_bytes() == first, "a second run must change nothing"
    assert launch_cells.main([*root, "--check"]) == 0

    # moving the repository: one line in launch.toml, then the script refreshes both cells
    config = tmp_path / "tools" / "launch.toml"
    config.write_text(config.read_text().replace(f'"{REPO}"', '"someone-else/fork"'))
    assert launch_cells.main([*root, "--check"]) == 1
    assert "stale markdown cell" in capsys.readouterr().out
    assert launch_cells.main(root) == 0
    cells = json.loads(copy.read_text(encoding="utf-8"))["cells"]
    assert "github/someone-else/fork/blob/" in "".join(cells[1]["source"])
    assert "https://github.com/someone-else/fork" in "".join(cells[2]["source"])
    assert launch_cells.main([*root, "--check"]) == 0


def test_readme_badges_open_lesson_00():
    first = launch_cells.readme_badges().splitlines()[0]
    assert "mybinder.org/v2/gh/" in first and "colab.research.google.com/github/" in first
    assert first.count("00_start_here.ipynb") == 2


# ---------------------------------------------------------------- what the Colab setup installs
def test_colab_gets_every_pin_but_torch_and_the_notebook_tools():
    pins = colab_setup.read_pins(ROOT / "requirements.txt")
    assert colab_setup.LEFT_TO_COLAB <= pins.keys(), "LEFT_TO_COLAB names a package requirements.txt no longer pins"
    colab = colab_setup.colab_pins(ROOT)
    assert "torch" not in colab and "jupyterlab" not in colab and "ipykernel" not in colab
    assert colab["sentence-transformers"] == pins["sentence-transformers"] and colab["numpy"] == pins["numpy"]
    assert colab.keys() == pins.keys() - colab_setup.LEFT_TO_COLAB


def test_colab_constraints_hold_torch_at_the_installed_build():
    from packaging.requirements import Requirement

    pins = colab_setup.read_pins(ROOT / "requirements.txt")
    text = colab_setup.constraints(colab_setup.colab_pins(ROOT), "2.8.0+cu126")
    specs = {Requirement(line).name: Requirement(line).specifier for line in text.splitlines()}
    assert specs["torch"].contains("2.8.0+cu126") and not specs["torch"].contains(pins["torch"])
    assert str(specs["sentence-transformers"]) == f"=={pins['sentence-transformers']}"


def test_nothing_is_missing_in_the_course_environment():
    """In the pinned environment the Colab setup finds nothing to install (so a re-run installs nothing)."""
    assert colab_setup.missing(colab_setup.colab_pins(ROOT)) == {}
    assert colab_setup.missing(colab_setup.read_pins(ROOT / "requirements-nodeps.txt")) == {}
    assert colab_setup.missing({"numpy": "0.0.1", "not-a-package-at-all": "1.0"}) == {"numpy": "0.0.1", "not-a-package-at-all": "1.0"}


def test_a_replaced_package_that_was_imported_needs_a_restart():
    import numpy  # noqa: F401

    assert "numpy" in colab_setup.modules_needing_restart(["numpy"])
    assert colab_setup.modules_needing_restart(["numpy"], loaded={"json", "os"}) == []
    assert colab_setup.modules_needing_restart(["PyYAML"], loaded={"yaml.constructor"}) == ["yaml"]


# ---------------------------------------------------------------- STS-B fetched from the hub
def test_stsb_written_in_the_original_layout_reads_back_unchanged(tmp_path, monkeypatch, stsb_required):
    """What data.stsb(split, source="hub") returns, written by fetch_stsb, reads back as the same pairs and scores."""
    import numpy as np

    from embedding_course import data

    local = {split: data.stsb(split) for split in data.STSB_SPLITS}
    for split, name in data.STSB_SPLITS.items():
        # the hub's shape: no genre; scores stored on 0-1 (float32 here) and multiplied by 5 on loading
        frame = local[split]
        hub = frame[["sentence1", "sentence2"]].assign(score=(frame["score"] / 5).astype("float32").astype(float) * 5)
        fetch_stsb.write_split(hub, tmp_path / name)
    monkeypatch.setenv("STSB_DIR", str(tmp_path))
    assert data.stsb_available()
    for split, frame in local.items():
        back = data.stsb(split)
        assert len(back) == len(frame) > 1000
        assert back["sentence1"].tolist() == frame["sentence1"].tolist()
        assert back["sentence2"].tolist() == frame["sentence2"].tolist()
        assert np.allclose(back["score"], frame["score"], rtol=0, atol=1e-6)
        assert set(back["genre"]) == {"hub"}
    assert fetch_stsb.fetch(tmp_path) == (tmp_path, False), "files present: nothing to download"
