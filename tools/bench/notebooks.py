"""Section 1: each lesson run top to bottom in a fresh kernel, its wall time and peak memory."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

from .common import BENCH_DIR, NOTEBOOKS, REPO, TARGETS, load_average, median, save_results
from .machine import ci_environment


def vm_hwm(pid: int) -> int | None:
    """The peak resident memory (VmHWM) of process ``pid`` so far, in bytes; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


class ProcessTreeSampler:
    """Polls a process and all its descendants every ``interval`` seconds in a background thread.

    It records the largest sum of their resident memory (RSS) seen at one poll, and for each
    descendant the peak (VmHWM) it had reached at its last poll. Short-lived spikes between two
    polls can be missed by the sum; the kernel's own peak is exact (read from VmHWM by :meth:`stop`).

    >>> sampler = ProcessTreeSampler(os.getpid()).start()        # doctest: +SKIP
    >>> sampler.stop()["peak_bytes"]                               # doctest: +SKIP
    """

    def __init__(self, pid: int, interval: float = 0.1):
        import psutil

        self.root = psutil.Process(pid)
        self.interval = interval
        self.tree_peak = 0
        self.children: dict[int, dict] = {}  # pid -> {"name", "hwm"}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> ProcessTreeSampler:
        """Start polling in the background; returns the sampler (``ProcessTreeSampler(pid).start()``)."""
        self._thread.start()
        return self

    def _poll(self) -> None:
        import psutil

        try:
            procs = [self.root] + self.root.children(recursive=True)
        except psutil.Error:
            return
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
                if proc.pid != self.root.pid:
                    hwm = vm_hwm(proc.pid)
                    entry = self.children.setdefault(proc.pid, {"name": proc.name(), "hwm": 0})
                    entry["hwm"] = max(entry["hwm"], hwm or 0)
            except psutil.Error:
                continue  # it ended between the listing and the reading
        self.tree_peak = max(self.tree_peak, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._poll()
            self._stop.wait(self.interval)

    def stop(self) -> dict:
        """Stop polling; the kernel's exact peak, the sampled peak of the whole tree, and the children's peaks."""
        self._poll()
        self._stop.set()
        self._thread.join()
        kernel = vm_hwm(self.root.pid) or 0
        by_name: dict[str, int] = {}
        for child in self.children.values():
            by_name[child["name"]] = by_name.get(child["name"], 0) + child["hwm"]
        return {"kernel_peak_bytes": kernel,
                "tree_peak_sampled_bytes": self.tree_peak,
                # what the target is checked against: the larger of the two measured lower bounds
                "peak_bytes": max(kernel, self.tree_peak),
                # an upper bound: as if every child had peaked at the same moment as the kernel
                "peak_upper_bound_bytes": kernel + sum(by_name.values()),
                "children_peak_bytes": by_name}


def starts_server(path: Path) -> bool:
    """Whether a lesson starts a server process, and so has the 2 GB memory target
    (it calls ``default_server.start``)."""
    return "default_server.start(" in path.read_text(encoding="utf-8")


def lesson_id(path: Path) -> str:
    """``notebooks/06_milvus.ipynb`` -> ``06``."""
    return path.name[:2]


def run_notebook(path: Path, env: dict, cell_timeout: int = 1800) -> dict:
    """Run a notebook top to bottom in a fresh kernel (cwd ``notebooks/``); measure wall time and peak memory.

    The notebook is read into memory and executed there: the file on disk is never written.
    A failing cell stops the run; the result then has ``ok: False`` and the error. ``cell_timeout``
    is longer than CI's 600 s so that a slow run on a busy machine is measured rather than cut off.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.reset_execution_trackers()
    load_start = load_average()[0]
    start = time.perf_counter()
    error = None
    with client.setup_kernel(env=env):
        pid = client.km.provisioner.pid
        sampler = ProcessTreeSampler(pid).start()
        kernel_python = sampler.root.cmdline()[0]
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        except (CellExecutionError, CellTimeoutError) as err:
            error = f"{type(err).__name__}: {str(err)[-3000:]}"
        wall = time.perf_counter() - start
        memory = sampler.stop()
    return {"ok": error is None, "error": error, "wall_s": round(wall, 2), "load1_start": load_start,
            "kernel_python": kernel_python, **memory}


def notebook_paths(only: list[str] | None) -> list[Path]:
    """The lessons ``notebooks/NN_*.ipynb`` in order, or those whose number is in ``only``."""
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if lesson_id(p) in only]
        if not paths:
            raise SystemExit(f"no notebook matches --notebooks {' '.join(only)} in {NOTEBOOKS}")
    return paths


def summarize_notebook(name: str, runs: list[dict], server: bool) -> dict:
    """Medians over the successful runs of one lesson, and whether they meet the targets."""
    ok = [r for r in runs if r["ok"]]
    peak_target = TARGETS["server_notebook_peak_bytes" if server else "notebook_peak_bytes"]
    wall, peak = median(r["wall_s"] for r in ok), median(r["peak_bytes"] for r in ok)
    return {"notebook": name, "starts_server": server, "runs": len(runs), "runs_ok": len(ok),
            "wall_s_median": wall, "wall_s_min": min((r["wall_s"] for r in ok), default=None),
            "wall_s_max": max((r["wall_s"] for r in ok), default=None),
            "peak_bytes_median": peak, "kernel_peak_bytes_median": median(r["kernel_peak_bytes"] for r in ok),
            "peak_upper_bound_bytes_median": median(r["peak_upper_bound_bytes"] for r in ok),
            "children_peak_bytes_median": {child: median(r["children_peak_bytes"].get(child, 0) for r in ok)
                                           for child in sorted({c for r in ok for c in r["children_peak_bytes"]})},
            "wall_target_s": TARGETS["notebook_wall_s"], "peak_target_bytes": peak_target,
            "wall_pass": bool(ok) and len(ok) == len(runs) and wall <= TARGETS["notebook_wall_s"],
            "peak_pass": bool(ok) and len(ok) == len(runs) and peak <= peak_target,
            "all_runs": runs}


def start_progress(plan: dict, progress_file: Path, keep_cache: bool, resume: bool, cache: Path) -> dict:
    """The progress record of a notebook benchmark: the one stored in ``progress_file`` with ``resume``
    (it must hold the same ``plan``), else a new one, emptying ``cache`` unless ``keep_cache``."""
    progress = {"plan": plan, "runs": {name: [] for name in plan["notebooks"]}, "rounds": [], "resumed": 0,
                "cache_emptied": not keep_cache}
    if resume and progress_file.exists():
        stored = json.loads(progress_file.read_text(encoding="utf-8"))
        if stored.get("plan") != plan:
            raise SystemExit(f"--resume: {progress_file} holds another plan ({stored.get('plan')}); "
                             "run without --resume")
        progress = {**stored, "resumed": stored.get("resumed", 0) + 1}
    elif not keep_cache:
        shutil.rmtree(cache, ignore_errors=True)  # round 1 starts from nothing, like CI on a fresh clone
    cache.mkdir(parents=True, exist_ok=True)
    return progress


def run_round(round_no: int, runs: int, paths: list[Path], env: dict, cell_timeout: int, progress: dict,
              progress_file: Path) -> dict:
    """Run every lesson of round ``round_no`` not run yet, saving ``progress`` after each; the round's totals."""
    per_notebook = progress["runs"]
    round_load = load_average()
    for path in paths:
        if len(per_notebook[path.name]) >= round_no:
            continue  # done before a resume
        result = run_notebook(path, env, cell_timeout)
        per_notebook[path.name].append(result)
        save_results(progress, progress_file)
        status = "ok" if result["ok"] else "FAILED: " + result["error"].strip().splitlines()[-1][:300]
        print(f"  round {round_no}/{runs} {path.name}: {result['wall_s']:.1f} s, "
              f"peak {result['peak_bytes'] / 1e6:,.0f} MB, load {result['load1_start']} {status}", flush=True)
    this_round = [per_notebook[p.name][round_no - 1] for p in paths]
    return {"round": round_no, "all_ok": all(r["ok"] for r in this_round),
            "series_wall_s": round(sum(r["wall_s"] for r in this_round), 2),
            "load_start": round_load, "load_end": load_average()}


def bench_notebooks(runs: int, only: list[str] | None, keep_cache: bool, cell_timeout: int,
                    progress_file: Path, resume: bool = False) -> dict:
    """Run the whole series ``runs`` times (round after round, so load affects every lesson alike).

    Every finished run is written to ``progress_file`` at once; with ``resume`` the runs found there
    (for the same lessons, run count and timeout) are kept and only the missing ones are run.
    """
    paths = notebook_paths(only)
    cache = BENCH_DIR / "cache"
    plan = {"notebooks": [p.name for p in paths], "runs": runs, "cell_timeout_s": cell_timeout}
    progress = start_progress(plan, progress_file, keep_cache, resume, cache)
    env = ci_environment(cache)
    rounds = progress["rounds"]
    for round_no in range(len(rounds) + 1, runs + 1):
        rounds.append(run_round(round_no, runs, paths, env, cell_timeout, progress, progress_file))
        save_results(progress, progress_file)
    lessons = [summarize_notebook(p.name, progress["runs"][p.name], starts_server(p)) for p in paths]
    complete = len(paths) == len(notebook_paths(None))
    series = median(r["series_wall_s"] for r in rounds if r["all_ok"])
    return {"runs": runs, "cell_timeout_s": cell_timeout, "cache": str(cache.relative_to(REPO)),
            "cache_emptied_before_round_1": progress.get("cache_emptied", False), "resumed_times": progress["resumed"],
            "lessons": lessons, "rounds": rounds, "complete_series": complete,
            "series_wall_s_median": series, "sum_of_medians_s": sum(x["wall_s_median"] for x in lessons),
            "series_target_s": TARGETS["series_wall_s"],
            "series_pass": complete and all(r["all_ok"] for r in rounds) and series < TARGETS["series_wall_s"]}
