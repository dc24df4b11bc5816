"""Workshop-day tests: slow, run by `make test-workshop` (not by `make test`)."""

import os
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def no_network_env(**extra) -> dict:
    """The current environment with every way out closed: proxies on a closed local port, no index, offline flags."""
    closed = f"http://127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update({
        "http_proxy": closed, "https_proxy": closed, "HTTP_PROXY": closed, "HTTPS_PROXY": closed,
        "all_proxy": closed, "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
        "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_INDEX_URL": closed,
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
    })
    env.update(extra)
    return env


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
