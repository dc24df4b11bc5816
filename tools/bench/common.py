"""What the benchmark sections share: paths, targets, timing, the sentences they embed, the results file."""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
BENCH_DIR = REPO / "generated" / "bench"
RESULTS = REPO / "benchmarks" / "results.json"
REPORT = REPO / "docs" / "benchmarks.md"
SECTIONS = ("notebooks", "throughput", "cross", "milvus")

GB = 1e9  # decimal: 1.5 GB = 1,500,000,000 bytes (stricter than GiB)
TARGETS = {
    "notebook_wall_s": 180.0,          # every lesson at most 3 minutes ...
    "notebook_peak_bytes": 1.5 * GB,   # ... and 1.5 GB
    "server_notebook_peak_bytes": 2.0 * GB,  # 2 GB for a lesson that starts a server
    "series_wall_s": 900.0,            # the whole series under 15 minutes
    "throughput_ratio": 0.97,          # the package costs nothing measurable
}


def load_average() -> list[float]:
    """The 1-, 5- and 15-minute load averages (how busy the machine is: 2.0 = both of 2 cores busy)."""
    return [round(x, 2) for x in os.getloadavg()]


def now() -> str:
    """The local time, ISO format with the UTC offset, to the second."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def median(values) -> float:
    """The median of ``values`` as a float, None values skipped (NaN when there are none).

    >>> median([3, None, 1, 2])
    2.0
    """
    values = [v for v in values if v is not None]
    return float(statistics.median(values)) if values else float("nan")


def timings(fn: Callable[[], object], repeats: int, warmup: int = 1) -> tuple[list[float], object]:
    """Wall times in seconds of ``repeats`` calls of ``fn`` after ``warmup`` untimed calls, and the last result.

    ``embedding_course.metrics.wall_times``, keeping the last result too.

    >>> times, value = timings(lambda: 6 * 7, repeats=3)
    >>> len(times), value
    (3, 42)
    """
    from embedding_course import metrics

    results = []
    times = metrics.wall_times(lambda: results.append(fn()), repeats, warmup)
    return times, results[-1]


def set_torch_threads() -> int:
    """Give PyTorch the threads a lesson gets (``lesson.setup``: all cores, at most 2); return the count."""
    import torch

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    return torch.get_num_threads()


def stsb_sentences(n: int) -> list[str]:
    """The first ``n`` distinct sentences of STS-B (test, then dev, then train), in file order."""
    from embedding_course import data

    seen: dict[str, None] = {}
    for split in ("test", "dev", "train"):
        frame = data.stsb(split)
        for a, b in zip(frame["sentence1"], frame["sentence2"]):
            seen.setdefault(a)
            seen.setdefault(b)
        if len(seen) >= n:
            break
    if len(seen) < n:
        raise ValueError(f"STS-B has only {len(seen)} distinct sentences, fewer than {n}")
    return list(seen)[:n]


def jsonable(value):
    """numpy scalars and other odd values as plain JSON; NaN as null.

    >>> jsonable({"a": (np.float32(0.5), float("nan"))})
    {'a': [0.5, None]}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if value != value else round(value, 6)
    return value


def load_results(path: Path) -> dict:
    """The stored results, or an empty skeleton when there are none yet."""
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"machine": None, "sections": {}, "invocations": []}


def save_results(results: dict, path: Path) -> None:
    """Write the results atomically (a crash mid-write never leaves half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(jsonable(results), indent=1) + "\n", encoding="utf-8")
    partial.replace(path)
