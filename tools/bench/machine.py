"""The machine the benchmarks ran on, and the environment the notebooks get there."""

from __future__ import annotations

import importlib.metadata as metadata
import os
import platform
import subprocess
from pathlib import Path

from course_env import OFFLINE  # tools/course_env.py

from .common import REPO

#: The packages whose versions the report lists: those the benchmarks exercise.
PACKAGES = ["torch", "sentence-transformers", "transformers", "tokenizers", "numpy", "scipy", "scikit-learn",
            "pymilvus", "milvus-lite", "milvus", "faiss-cpu", "umap-learn", "gensim", "onnxruntime",
            "nbclient", "ipykernel", "jupyter_client", "psutil", "threadpoolctl"]


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or what ``platform`` knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def os_name() -> str:
    """The operating system's name (PRETTY_NAME of /etc/os-release) and the kernel release."""
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))} (kernel {platform.release()})"
    except OSError:
        pass
    return platform.platform()


def git_commit() -> str:
    """The checkout's short commit, marked when tracked files have uncommitted changes; "unknown" without git."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine_info() -> dict:
    """CPU, cores, memory, OS, Python and the versions of the packages the benchmarks exercise."""
    import psutil

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "cores_usable": len(os.sched_getaffinity(0)),
            "ram_bytes": psutil.virtual_memory().total, "os": os_name(), "python": platform.python_version(),
            "packages": versions, "git_commit": git_commit()}


def ci_environment(cache: Path) -> dict:
    """The environment CI gives the notebooks (the Makefile's exports, ``course_env.OFFLINE``), with
    generated state in ``cache``.

    ``cache`` replaces ``generated/`` so that the benchmark neither disturbs nor is disturbed by a
    ``make test`` running in the same checkout, and so that its first round starts empty, as CI does
    on a fresh clone.
    """
    env = os.environ.copy()
    for key, value in OFFLINE.items():
        env.setdefault(key, value)
    if not env.get("STSB_DIR"):
        env["STSB_DIR"] = str(REPO.parent / "shared" / "data" / "stsbenchmark")
    env["EMBEDDING_COURSE_CACHE"] = str(cache)
    return env
