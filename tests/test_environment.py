"""requirements.txt, environment.yml and the Makefile agree, so the ways of installing cannot drift."""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _requirements(name="requirements.txt"):
    lines = [line.split("#")[0].strip() for line in (ROOT / name).read_text().splitlines()]
    return [line for line in lines if line]


def test_every_requirement_is_pinned_exactly():
    for line in _requirements() + _requirements("requirements-nodeps.txt"):
        assert "==" in line, f"{line!r} is not pinned with =="
    assert "torch==2.13.0" in _requirements(), "torch must stay pinned to the local CPU wheel"


def test_environment_yml_matches_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "conda-forge" in env["channels"]
    # torch comes from conda-forge's CPU-only package, at the same version as requirements.txt
    assert "pytorch-cpu=2.13.0" in conda
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
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab:", "test:", "clean:", "venv:", "check:"):
        assert f"\n{target}" in makefile
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
