"""requirements.txt, environment.yml and the Makefile agree, so the ways of installing cannot drift."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _requirements(name="requirements.txt"):
    lines = [line.split("#")[0].strip() for line in (ROOT / name).read_text().splitlines()]
    return [line for line in lines if line]


def _torch_version() -> str:
    return next(line for line in _requirements() if line.startswith("torch==")).partition("==")[2]


def test_every_requirement_is_pinned_exactly():
    for line in _requirements() + _requirements("requirements-nodeps.txt"):
        assert "==" in line, f"{line!r} is not pinned with =="


def test_make_venv_installs_and_checks_the_pinned_torch_first():
    """`make venv` installs torch on its own before the rest (an unpinned torch would pull CUDA), at the pin."""
    recipe = subprocess.run(["make", "-n", "-B", "--no-print-directory", "-C", str(ROOT), "VENV=.venv", ".venv/.installed"],
                            capture_output=True, text=True, check=True).stdout
    installs = [line for line in recipe.splitlines() if " -m pip install " in line]
    assert installs and installs[0].endswith(f" torch=={_torch_version()}"), installs[:1]
    assert f"startswith('{_torch_version()}')" in recipe


def test_environment_yml_matches_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "conda-forge" in env["channels"]
    # torch comes from conda-forge's CPU-only package, at the same version as requirements.txt
    assert f"pytorch-cpu={_torch_version()}" in conda
    assert not any(d.startswith(("pytorch=", "pytorch-gpu", "cudatoolkit", "cuda")) for d in conda)
    expected = [r for r in _requirements() if not r.startswith("torch==")]
    assert pip == expected


def test_environment_yml_conda_specs_are_valid():
    from rattler import MatchSpec

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    for spec in (d for d in env["dependencies"] if isinstance(d, str)):
        MatchSpec(spec)  # raises on an invalid conda spec


def test_ci_runs_make_test_and_the_readme_shows_the_two_commands():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    listed = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "help"], capture_output=True, text=True,
                            check=True).stdout
    targets = {line.split()[0] for line in listed.splitlines() if line.strip()}
    for target in ("lab", "test", "test-unit", "clean", "venv", "check"):  # listed by `make help`, and make can plan it
        assert target in targets, f"`make help` does not list {target}"
        planned = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True)
        assert planned.returncode == 0, f"make {target}: {planned.stderr}"
    readme = (ROOT / "README.md").read_text()
    assert readme.index("make lab") < readme.index("##") and readme.index("make test") < readme.index("##")


def test_constraints_agree_with_requirements():
    """constraints.txt pins the whole environment; it must hold every direct pin at the same version."""
    locked = {}
    for line in _requirements("constraints.txt"):
        name, _, version = line.partition("==")
        locked[name.lower().replace("_", "-")] = version
    for line in _requirements() + _requirements("requirements-nodeps.txt"):
        name, _, version = line.partition("==")
        assert locked.get(name.lower().replace("_", "-")) == version, f"{name}: requirements {version}, constraints {locked.get(name.lower())}"


def test_on_colab_the_check_accepts_colabs_own_torch_and_no_notebook_tools(monkeypatch):
    import types

    from embedding_course import check

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    table = check.versions()
    assert table.loc["torch", "pinned"] == "Colab's build" and table.loc["torch", "ok"]
    assert table.loc["nbval", "pinned"] == "not needed on Colab" and table.loc["nbval", "ok"]
    assert table.loc["transformers", "pinned"] == check.versions().loc["transformers", "pinned"] != "-"
    monkeypatch.delitem(sys.modules, "google.colab")
    assert check.versions().loc["torch", "pinned"] == "2.13.0"
