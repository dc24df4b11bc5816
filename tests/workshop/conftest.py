"""Workshop-day tests: slow, run by `make test-workshop` (not by `make test`)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from course_env import closed_network, free_port  # noqa: E402,F401  (the tests import free_port from here)


def no_network_env(**extra) -> dict:
    """The current environment with every way out closed (``course_env.closed_network``: proxies on a
    closed local port, no index, offline flags), none of the caller's PIP_* settings, then ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return {**env, **closed_network(), **extra}


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    path = Path(os.environ.get("WHEELHOUSE", ROOT / "wheelhouse")).resolve()
    if not (path / "SHA256SUMS").exists():
        pytest.fail(f"No wheelhouse at {path}: run `make wheelhouse` first (make test-workshop does).")
    return path



def clone_course(target: Path) -> Path:
    """A fresh clone of the committed course, as a learner or instructor would have it."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    return target
