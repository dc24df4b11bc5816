"""The course's benchmarks (issue 7): notebooks, embedding throughput, cross- vs bi-encoder, Milvus.

Every figure is a median over several runs (or a ratio of medians), with the number of runs beside
it. The results go to ``benchmarks/results.json``; ``docs/benchmarks.md`` is generated from that
file alone, so the two always agree. Run from the repository root::

    make bench                                        # everything (~30 min on 2 cores)
    .venv/bin/python tools/bench.py --only milvus     # one section; the other sections' results are kept
    .venv/bin/python tools/bench.py --only notebooks --notebooks 03 06 --runs 5
    .venv/bin/python tools/bench.py --quick           # smoke test; writes under generated/bench/quick/
    .venv/bin/python tools/bench.py --report-only     # rewrite docs/benchmarks.md from benchmarks/results.json

Sections:

* ``notebooks`` - each lesson run top to bottom from a fresh kernel (nbclient, the working
  directory ``notebooks/``, the environment CI uses), in memory: the notebook files are never
  written. Wall time of the run (kernel start included) and peak memory of the kernel process
  with its child processes (lesson 06 starts a Milvus server as a child of the kernel).
* ``throughput`` - texts/s of all-MiniLM-L6-v2 through ``embedding_course.models.embed`` and
  through plain sentence-transformers ``encode``, interleaved in one process.
* ``cross`` - finding the most similar pair among n sentences with the course's cross-encoder
  (all n(n-1)/2 pairs) and with the bi-encoder (n embeddings + one similarity matrix),
  extrapolated to 10,000 sentences beside the SBERT paper's figure.
* ``milvus`` - Milvus Lite insert rate, top-10 latency and recall@10 against exact NumPy search,
  for two corpus sizes, and the embedded Milvus server on the same data (the smaller size only with --quick).

State (the lessons' generated files, embeddings, databases) goes under ``generated/bench/`` only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.metadata as metadata
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
BENCH_DIR = REPO / "generated" / "bench"
RESULTS = REPO / "benchmarks" / "results.json"
REPORT = REPO / "docs" / "benchmarks.md"
SECTIONS = ("notebooks", "throughput", "cross", "milvus")

# What the Makefile exports for `make test` (CI): offline, no progress bars, fixed hash seed.
CI_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
          "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONHASHSEED": "0"}

GB = 1e9  # decimal: 1.5 GB = 1,500,000,000 bytes (stricter than GiB)
TARGETS = {
    "notebook_wall_s": 180.0,          # every lesson at most 3 minutes ...
    "notebook_peak_bytes": 1.5 * GB,   # ... and 1.5 GB
    "server_notebook_peak_bytes": 2.0 * GB,  # 2 GB for a lesson that starts a server
    "series_wall_s": 900.0,            # the whole series under 15 minutes
    "throughput_ratio": 0.97,          # the package costs nothing measurable
}

# The SBERT paper (Reimers & Gurevych, 2019, section 1): the most similar pair in 10,000 sentences
# takes ~65 hours with BERT as a cross-encoder and ~5 seconds with SBERT, on a V100 GPU.
SBERT_PAPER = {"sentences": 10_000, "cross_encoder_s": 65 * 3600, "bi_encoder_s": 5.0, "hardware": "one V100 GPU"}

PACKAGES = ["torch", "sentence-transformers", "transformers", "tokenizers", "numpy", "scipy", "scikit-learn",
            "pymilvus", "milvus-lite", "milvus", "faiss-cpu", "umap-learn", "gensim", "onnxruntime",
            "nbclient", "ipykernel", "jupyter_client", "psutil", "threadpoolctl"]


# ---------------------------------------------------------------- the machine
def load_average() -> list[float]:
    """The 1-, 5- and 15-minute load averages (how busy the machine is: 2.0 = both of 2 cores busy)."""
    return [round(x, 2) for x in os.getloadavg()]


def now() -> str:
    """The local time, ISO format with the UTC offset, to the second."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))} (kernel {platform.release()})"
    except OSError:
        pass
    return platform.platform()


def _git_commit() -> str:
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
    return {"cpu": _cpu_model(), "cores": os.cpu_count(), "cores_usable": len(os.sched_getaffinity(0)),
            "ram_bytes": psutil.virtual_memory().total, "os": _os_name(), "python": platform.python_version(),
            "packages": versions, "git_commit": _git_commit()}


def ci_environment(cache: Path) -> dict:
    """The environment CI gives the notebooks (the Makefile's exports), with generated state in ``cache``.

    ``cache`` replaces ``generated/`` so that the benchmark neither disturbs nor is disturbed by a
    ``make test`` running in the same checkout, and so that its first round starts empty, as CI does
    on a fresh clone.
    """
    env = os.environ.copy()
    for key, value in CI_ENV.items():
        env.setdefault(key, value)
    if not env.get("STSB_DIR"):
        env["STSB_DIR"] = str(REPO.parent / "shared" / "data" / "stsbenchmark")
    env["EMBEDDING_COURSE_CACHE"] = str(cache)
    return env


def median(values) -> float:
    """The median of ``values`` as a float (NaN when there are none)."""
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


# ---------------------------------------------------------------- 1. notebooks
def _vm_hwm(pid: int) -> int | None:
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
                    hwm = _vm_hwm(proc.pid)
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
        kernel = _vm_hwm(self.root.pid) or 0
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


def bench_notebooks(runs: int, only: list[str] | None, keep_cache: bool, cell_timeout: int,
                    progress_file: Path, resume: bool = False) -> dict:
    """Run the whole series ``runs`` times (round after round, so load affects every lesson alike).

    Every finished run is written to ``progress_file`` at once; with ``resume`` the runs found there
    (for the same lessons, run count and timeout) are kept and only the missing ones are run.
    """
    paths = notebook_paths(only)
    cache = BENCH_DIR / "cache"
    plan = {"notebooks": [p.name for p in paths], "runs": runs, "cell_timeout_s": cell_timeout}
    progress = {"plan": plan, "runs": {p.name: [] for p in paths}, "rounds": [], "resumed": 0,
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
    env = ci_environment(cache)
    per_notebook, rounds = progress["runs"], progress["rounds"]
    for round_no in range(len(rounds) + 1, runs + 1):
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
        rounds.append({"round": round_no, "all_ok": all(r["ok"] for r in this_round),
                       "series_wall_s": round(sum(r["wall_s"] for r in this_round), 2),
                       "load_start": round_load, "load_end": load_average()})
        save_results(progress, progress_file)
    lessons = [summarize_notebook(p.name, per_notebook[p.name], starts_server(p)) for p in paths]
    complete = len(paths) == len(notebook_paths(None))
    series = median(r["series_wall_s"] for r in rounds if r["all_ok"])
    return {"runs": runs, "cell_timeout_s": cell_timeout, "cache": str(cache.relative_to(REPO)),
            "cache_emptied_before_round_1": progress.get("cache_emptied", False), "resumed_times": progress["resumed"],
            "lessons": lessons, "rounds": rounds, "complete_series": complete,
            "series_wall_s_median": series, "sum_of_medians_s": sum(x["wall_s_median"] for x in lessons),
            "series_target_s": TARGETS["series_wall_s"],
            "series_pass": complete and all(r["all_ok"] for r in rounds) and series < TARGETS["series_wall_s"]}


# ---------------------------------------------------------------- data for the model benchmarks
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


def set_torch_threads() -> int:
    """Give PyTorch the threads a lesson gets (``lesson.setup``: all cores, at most 2); return the count."""
    import torch

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    return torch.get_num_threads()


# ---------------------------------------------------------------- 2. embedding throughput
def bench_throughput(n_texts: int, batch_size: int, repeats: int) -> dict:
    """texts/s of ``models.embed`` vs plain ``SentenceTransformer.encode``: same model object, texts,
    batch size and normalization, alternating which goes first in each repeat."""
    from embedding_course import models

    threads = set_torch_threads()
    model = models.load_sentence_transformer("all-MiniLM-L6-v2")
    texts = stsb_sentences(n_texts)

    def course():
        return models.embed(texts, model, batch_size=batch_size, normalize=True)

    def plain():
        return model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                            show_progress_bar=False)

    same = float(np.abs(course() - plain()).max())  # also the warm-up of both
    times: dict[str, list[float]] = {"embedding_course.models.embed": [], "SentenceTransformer.encode": []}
    for k in range(repeats):
        order = [("embedding_course.models.embed", course), ("SentenceTransformer.encode", plain)]
        for name, fn in order if k % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
        print(f"  repeat {k + 1}/{repeats}: " + ", ".join(f"{n} {t[-1]:.2f} s" for n, t in times.items()), flush=True)
    rates = {name: [n_texts / t for t in ts] for name, ts in times.items()}
    med = {name: median(r) for name, r in rates.items()}
    paired = [a / b for a, b in zip(rates["embedding_course.models.embed"], rates["SentenceTransformer.encode"])]
    ratio = med["embedding_course.models.embed"] / med["SentenceTransformer.encode"]
    return {"model": "all-MiniLM-L6-v2", "texts": n_texts, "text_source": "distinct STS-B sentences (test split first)",
            "batch_size": batch_size, "normalize": True, "torch_threads": threads, "repeats": repeats,
            "max_abs_difference": same, "texts_per_s": rates, "texts_per_s_median": med,
            "ratio_of_medians": ratio, "paired_ratio_median": median(paired),
            "target_ratio": TARGETS["throughput_ratio"], "pass": ratio >= TARGETS["throughput_ratio"]}


# ---------------------------------------------------------------- 3. cross-encoder vs bi-encoder
def best_pair_cross(model, sentences: list[str], batch_size: int = 32) -> tuple[int, int]:
    """The most similar pair by the cross-encoder: one forward pass per pair, all n(n-1)/2 of them."""
    pairs = [(i, j) for i in range(len(sentences)) for j in range(i + 1, len(sentences))]
    scores = model.predict([(sentences[i], sentences[j]) for i, j in pairs], batch_size=batch_size,
                           show_progress_bar=False)
    return pairs[int(np.argmax(scores))]


def best_pair_in_vectors(vectors: np.ndarray, block: int = 2000) -> tuple[int, int]:
    """The most similar pair of distinct rows of unit ``vectors`` (cosine), ``block`` rows at a time.

    >>> best_pair_in_vectors(np.array([[1.0, 0.0], [0.0, 1.0], [0.8, 0.6]]))
    (0, 2)
    """
    best, where = -np.inf, (0, 1)
    n = len(vectors)
    for start in range(0, n, block):
        sims = vectors[start:start + block] @ vectors.T
        rows = np.arange(sims.shape[0])[:, None] + start
        sims[np.arange(n)[None, :] <= rows] = -np.inf  # keep j > i only: each pair once, no self-pairs
        k = int(np.argmax(sims))
        if sims.flat[k] > best:
            best, where = float(sims.flat[k]), (start + k // n, k % n)
    return where


def bench_cross(ns: list[int], repeats: int, rate_sentences: int) -> dict:
    """Most-similar-pair search among n sentences: cross-encoder (all pairs) vs bi-encoder, for each n,
    then both extrapolated to 10,000 sentences (see :data:`SBERT_PAPER`)."""
    from embedding_course import cross_encoder, models

    threads = set_torch_threads()
    was_saved = cross_encoder.saved_recipe(cross_encoder.model_dir()) == cross_encoder.STSB_2500
    start = time.perf_counter()
    ce = cross_encoder.load_or_train()  # trains (~1-2 min) only if no saved model of the course's recipe
    ce_seconds = time.perf_counter() - start
    bi = models.load_sentence_transformer("all-MiniLM-L6-v2")
    sentences = stsb_sentences(max(max(ns), rate_sentences))
    best_pair_cross(ce, sentences[:8])  # warm-up of the cross-encoder
    rows = []
    for n in ns:
        subset = sentences[:n]
        pairs = n * (n - 1) // 2
        cross_t, cross_best = timings(lambda: best_pair_cross(ce, subset), repeats, warmup=0)
        bi_t, bi_best = timings(lambda: best_pair_in_vectors(models.embed(subset, bi)), repeats, warmup=1)
        rows.append({"n": n, "pairs": pairs, "cross_s": cross_t, "bi_s": bi_t, "cross_s_median": median(cross_t),
                     "bi_s_median": median(bi_t), "ratio": median(cross_t) / median(bi_t),
                     "cross_best_pair": cross_best, "bi_best_pair": bi_best,
                     "same_best_pair": tuple(cross_best) == tuple(bi_best)})
        print(f"  n={n}: cross {median(cross_t):.2f} s, bi {median(bi_t):.3f} s, ratio {rows[-1]['ratio']:,.0f}",
              flush=True)
    big = rows[-1]
    per_pair = big["cross_s_median"] / big["pairs"]
    embed_t, _ = timings(lambda: models.embed(sentences[:rate_sentences], bi), repeats, warmup=0)
    per_sentence = median(embed_t) / rate_sentences
    n10k = SBERT_PAPER["sentences"]
    unit = np.random.default_rng(0).standard_normal((n10k, 384), dtype=np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)  # the arithmetic does not depend on the values
    sim_t, _ = timings(lambda: best_pair_in_vectors(unit), repeats, warmup=0)
    cross_10k = per_pair * n10k * (n10k - 1) / 2
    bi_10k = per_sentence * n10k + median(sim_t)
    return {"cross_encoder": f"course cross-encoder {cross_encoder.STSB_2500.name} (MiniLM-L6 backbone, max_length "
                             f"{cross_encoder.STSB_2500.max_length})",
            "cross_encoder_was_saved": was_saved, "cross_encoder_load_or_train_s": ce_seconds,
            "bi_encoder": "all-MiniLM-L6-v2 via models.embed (batch 32) + cosine matrix",
            "sentences": "distinct STS-B sentences (test split first)", "torch_threads": threads,
            "repeats": repeats, "by_n": rows,
            "extrapolation": {
                "sentences": n10k, "pairs": n10k * (n10k - 1) // 2,
                "cross_s_per_pair": per_pair, "cross_pairs_per_s": 1 / per_pair, "from_n": big["n"],
                "bi_embed_s_per_sentence": per_sentence, "bi_embed_rate_sentences": rate_sentences,
                "bi_embed_s": embed_t, "similarity_10k_s": sim_t, "similarity_10k_s_median": median(sim_t),
                "cross_s": cross_10k, "bi_s": bi_10k, "ratio": cross_10k / bi_10k},
            "paper": {**SBERT_PAPER, "ratio": SBERT_PAPER["cross_encoder_s"] / SBERT_PAPER["bi_encoder_s"]}}


# ---------------------------------------------------------------- 4. Milvus
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")  # as in lesson 06


def split_sentences(text: str, min_words: int = 6, max_words: int = 60) -> list[str]:
    """Sentences of ``text`` with ``min_words`` to ``max_words`` words (the splitter of lesson 06)."""
    parts = SENTENCE_END.split(" ".join(text.split()))
    return [s for s in parts if min_words <= len(s.split()) <= max_words]


def real_texts() -> list[tuple[str, str]]:
    """Every distinct real text the course has offline, as ``(source, text)``: STS-B sentences (all splits),
    Lee news sentences, the course's paragraphs split into sentences, movie-review sentences, newsgroup sentences."""
    from embedding_course import data

    found: dict[str, str] = {}

    def add(source, texts):
        for text in texts:
            text = " ".join(str(text).split())
            if text:
                found.setdefault(text, source)

    for split in ("train", "dev", "test"):
        frame = data.stsb(split)
        add("stsb", list(frame["sentence1"]) + list(frame["sentence2"]))
    add("lee_news", [s for doc in data.lee_background() + data.lee_documents() for s in split_sentences(doc)])
    add("course", [s for text in data.course_paragraphs()["text"] for s in split_sentences(text)])
    add("movie_reviews", data.polarity()["text"])
    add("newsgroups", [s for post in data.newsgroups(clean=True)["text"] for s in split_sentences(post)])
    return [(source, text) for text, source in found.items()]


def embed_cached(texts: list[str]) -> np.ndarray:
    """all-MiniLM-L6-v2 embeddings of ``texts`` (normalized), cached under generated/bench/milvus/ by content."""
    from embedding_course import models

    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = BENCH_DIR / "milvus" / f"minilm-{key}.npy"
    if path.exists():
        return np.load(path)
    set_torch_threads()
    start = time.perf_counter()
    vectors = models.embed(texts, models.load_sentence_transformer("all-MiniLM-L6-v2"), batch_size=64)
    print(f"  embedded {len(texts):,} texts in {time.perf_counter() - start:.0f} s", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def extend_synthetic(real: np.ndarray, size: int, sigma: float, seed: int = 42) -> tuple[np.ndarray, float]:
    """``real`` plus ``size - len(real)`` synthetic vectors: a random real vector + N(0, sigma^2) noise per
    dimension, renormalized. Returns the vectors and the mean cosine of a synthetic vector to its source."""
    extra = size - len(real)
    if extra <= 0:
        return real[:size], float("nan")
    rng = np.random.default_rng(seed)
    source = real[rng.integers(len(real), size=extra)]
    noisy = source + rng.normal(0.0, sigma, source.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return np.vstack([real, noisy]).astype(np.float32), float(np.mean(np.sum(noisy * source, axis=1)))


def exact_top_k(corpus: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    """Ids of the ``k`` highest cosine similarities (unit vectors), best first: lesson 06's exact NumPy search."""
    scores = queries @ corpus.T
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
    return np.take_along_axis(top, order, axis=1)


def recall_at_10(found, truth) -> float:
    """Mean share of the exact top 10 found among the 10 results (the recall@10 of lesson 06)."""
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


def per_query(search_one: Callable[[np.ndarray], list[int]], queries: np.ndarray, truth: np.ndarray) -> dict:
    """Run ``search_one`` for each query alone (after one warm-up): median and 90th-percentile latency, recall@10.

    One BLAS thread, as in lesson 06: a single query is too small to share between cores, and the
    timings stay stable when other programs keep the CPU busy.
    """
    from threadpoolctl import threadpool_limits

    times, found = [], []
    with threadpool_limits(limits=1, user_api="blas"):
        search_one(queries[0])
        for q in queries:
            start = time.perf_counter()
            found.append(list(search_one(q)))
            times.append(time.perf_counter() - start)
    return {"queries": len(queries), "latency_ms_median": 1000 * median(times),
            "latency_ms_p90": 1000 * float(np.percentile(times, 90)), "recall_at_10": recall_at_10(found, truth)}


HNSW_BUILD = {"M": 16, "efConstruction": 100}  # lesson 06's HNSW
HNSW_EFS = (40, 80, 160)


def _schema(dim: int):
    from pymilvus import DataType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    return schema


def _timed_insert(client, name: str, index, vectors: np.ndarray) -> float:
    """Create ``name`` afresh with ``index``; time ``vectordb.insert_checked`` (checks, batches of 1,000, flush)."""
    from embedding_course import vectordb

    vectordb.fresh_collection(client, name, _schema(vectors.shape[1]), index)
    rows = [{"id": i, "vector": v} for i, v in enumerate(vectors)]
    start = time.perf_counter()
    vectordb.insert_checked(client, name, rows, batch_size=1000, progress=False)
    return time.perf_counter() - start


def bench_backend(client, vectors, queries, truth, repeats: int, wait_index: Callable[[str], None]) -> dict:
    """Insert rate, HNSW build time, and per-query latency and recall@10 of FLAT and HNSW on one Milvus
    (Lite or server) client."""
    from embedding_course import vectordb

    n = len(vectors)
    flat_t = [_timed_insert(client, "bench_flat", vectordb.index_params(client, "FLAT"), vectors)
              for _ in range(repeats)]
    wait_index("bench_flat")
    hnsw_insert, build = [], []
    for _ in range(repeats):  # the last collection built is the one searched
        hnsw_insert.append(_timed_insert(client, "bench_hnsw", vectordb.index_params(client, "HNSW", **HNSW_BUILD),
                                         vectors))
        start = time.perf_counter()
        wait_index("bench_hnsw")  # the index builds after the flush; until then search is exact
        build.append(time.perf_counter() - start)
    for name in ("bench_flat", "bench_hnsw"):
        # A Milvus server keeps searching a segment loaded before its index was built with a temporary
        # index (measured: recall 0.927 whatever ef); loading the collection anew makes it use the real one.
        client.release_collection(name)
        client.load_collection(name)

    def searcher(name, params):
        def one(q):
            hits = client.search(name, data=[q], limit=10, search_params={"params": params}, output_fields=["id"])
            return [hit["id"] for hit in hits[0]]
        return one

    searches = {"FLAT": per_query(searcher("bench_flat", {}), queries, truth)}
    for ef in HNSW_EFS:
        searches[f"HNSW ef={ef}"] = per_query(searcher("bench_hnsw", {"ef": ef}), queries, truth)
    for name in ("bench_flat", "bench_hnsw"):
        client.drop_collection(name)
    return {"rows": n, "insert_repeats": repeats, "insert_s": flat_t, "insert_rows_per_s_median": n / median(flat_t),
            "hnsw_insert_s": hnsw_insert, "hnsw_insert_rows_per_s_median": n / median(hnsw_insert),
            "hnsw_build_s": build, "hnsw_build_s_median": median(build), "search": searches}


def bench_lite(vectors, queries, truth, repeats: int) -> dict:
    """:func:`bench_backend` on a fresh Milvus Lite database under generated/bench/milvus/."""
    import psutil

    from embedding_course import metrics, vectordb

    db = BENCH_DIR / "milvus" / f"lite-{len(vectors)}.db"
    vectordb.remove_lite(db)
    client = vectordb.connect_lite(db)
    try:
        result = bench_backend(client, vectors, queries, truth, repeats,
                               lambda name: vectordb.wait_for_index(db, name, timeout=3600))
        result["process_rss_bytes_after"] = psutil.Process().memory_info().rss
        result["process_peak_mb_so_far"] = metrics.peak_memory_mb()
    finally:
        client.close()
        vectordb.remove_lite(db)
    return result


def _wait_server_index(client, name: str, rows: int, timeout: float = 3600) -> None:
    """Wait until a Milvus server reports every row of ``name`` indexed."""
    start = time.monotonic()
    while True:
        info = client.describe_index(name, "vector")
        if int(info.get("indexed_rows", 0)) >= rows and int(info.get("pending_index_rows", 0)) == 0:
            return
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"the Milvus server indexed {info.get('indexed_rows')} of {rows} rows "
                               f"in {timeout:.0f} s")
        time.sleep(0.2)


def _tree_rss(pid: int) -> int:
    import psutil

    root = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [root] + root.children(recursive=True))


def bench_server(vectors, queries, truth, repeats: int) -> dict:
    """:func:`bench_backend` on the embedded Milvus server (PyPI ``milvus``, as lesson 06 starts it)."""
    from milvus import default_server
    from pymilvus import MilvusClient

    from embedding_course import vectordb

    base = BENCH_DIR / "milvus" / "server"
    shutil.rmtree(base, ignore_errors=True)
    default_server.set_base_dir(str(base))
    client = None
    try:
        with vectordb.without_proxies():  # a proxy in the environment stalls the server's start (lesson 06)
            start = time.perf_counter()
            default_server.start()
            startup = time.perf_counter() - start
            client = MilvusClient(uri=f"http://127.0.0.1:{default_server.listen_port}")
        version = client.get_server_version()
        result = bench_backend(client, vectors, queries, truth, repeats,
                               lambda name: _wait_server_index(client, name, len(vectors)))
        result.update({"server_version": version, "startup_s": startup,
                       "server_rss_bytes_after": _tree_rss(default_server.server_proc.pid)})
    finally:
        if client is not None:
            client.close()
        default_server.stop()
        default_server.cleanup()
        shutil.rmtree(base, ignore_errors=True)
    return result


def bench_milvus(sizes: list[int], n_queries: int, repeats: int, server_sizes: list[int], sigma: float,
                 max_real: int | None = None) -> dict:
    """Milvus Lite (and the server) against exact NumPy search on real MiniLM embeddings of real texts,
    extended with noisy copies of them where a size needs more vectors than there are texts."""
    texts = real_texts()
    order = np.random.default_rng(42).permutation(len(texts))
    texts = [texts[i] for i in order][:max_real]  # mix the sources; queries and corpus from the same mixture
    vectors = embed_cached([t for _, t in texts])
    queries, pool = vectors[:n_queries], vectors[n_queries:]
    by_source: dict[str, int] = {}
    for source, _ in texts[n_queries:]:
        by_source[source] = by_source.get(source, 0) + 1
    results = []
    for size in sizes:
        corpus, cosine = extend_synthetic(pool, size, sigma)
        truth = exact_top_k(corpus, queries)
        numpy = per_query(lambda q: exact_top_k(corpus, q[None])[0], queries, truth)
        print(f"  {size:,} vectors: numpy {numpy['latency_ms_median']:.2f} ms; Milvus Lite...", flush=True)
        entry = {"size": size, "real": min(size, len(pool)), "synthetic": max(0, size - len(pool)),
                 "synthetic_mean_cosine_to_source": cosine, "numpy_exact": numpy,
                 "lite": bench_lite(corpus, queries, truth, repeats)}
        if size in server_sizes:
            print(f"  {size:,} vectors: Milvus server...", flush=True)
            entry["server"] = bench_server(corpus, queries, truth, repeats)
        results.append(entry)
    import pymilvus

    return {"model": "all-MiniLM-L6-v2 (384-d, normalized), COSINE metric", "real_texts": len(pool),
            "real_by_source": by_source, "queries": n_queries,
            "query_source": "real texts held out of the corpus (random, seed 42)", "noise_sigma": sigma,
            "indexes": {"FLAT": "exact (lessons 06 and 08 store their texts with it)",
                        "HNSW": f"M={HNSW_BUILD['M']}, efConstruction={HNSW_BUILD['efConstruction']} (lesson 06), "
                                f"searched with ef in {list(HNSW_EFS)}"},
            "pymilvus": pymilvus.__version__, "sizes": results}


# ---------------------------------------------------------------- running and storing
def settings(args) -> dict:
    """Sizes and repeat counts for each section: the full benchmark, or a few seconds each with ``--quick``."""
    runs = args.runs or (1 if args.quick else 3)
    if args.quick:
        return {"runs": runs, "notebooks": args.notebooks or ["00"],
                "throughput": {"n_texts": 200, "batch_size": 32, "repeats": 2},
                "cross": {"ns": [8, 16], "repeats": 1, "rate_sentences": 64},
                "milvus": {"sizes": [1000, 3000], "n_queries": 20, "repeats": 1, "server_sizes": [1000],
                           "sigma": 0.025, "max_real": 1500}}
    return {"runs": runs, "notebooks": args.notebooks,
            "throughput": {"n_texts": 2000, "batch_size": 32, "repeats": max(5, runs)},
            "cross": {"ns": [16, 32, 64, 128], "repeats": runs, "rate_sentences": 1000},
            "milvus": {"sizes": [10_000, 100_000], "n_queries": 200, "repeats": runs, "server_sizes": [10_000, 100_000],
                       "sigma": 0.025, "max_real": None}}


def run_section(name: str, conf: dict, args) -> dict:
    """Run one section; wrap its result with the date, duration and load averages at start and end."""
    started, load_start, start = now(), load_average(), time.perf_counter()
    print(f"== {name} (load average {load_start})", flush=True)
    if name == "notebooks":
        progress = (BENCH_DIR / "quick" if args.quick else BENCH_DIR) / "notebooks-progress.json"
        result = bench_notebooks(conf["runs"], conf["notebooks"], args.keep_cache, args.cell_timeout, progress,
                                 args.resume)
    elif name == "throughput":
        result = bench_throughput(**conf["throughput"])
    elif name == "cross":
        result = bench_cross(**conf["cross"])
    else:
        result = bench_milvus(**conf["milvus"])
    duration = time.perf_counter() - start
    print(f"== {name} done in {duration / 60:.1f} min", flush=True)
    return {"started": started, "finished": now(), "duration_s": round(duration, 1), "load_start": load_start,
            "load_end": load_average(), "quick": args.quick, "result": result}


def _jsonable(value):
    """numpy scalars and other odd values as plain JSON; NaN as null."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
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
    partial.write_text(json.dumps(_jsonable(results), indent=1) + "\n", encoding="utf-8")
    partial.replace(path)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=None,
                        help="runs per notebook; also the repeats of the cross-encoder timings and of the Milvus "
                             "inserts (default 3, 1 with --quick)")
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run only this section (repeatable); the stored results of the others are kept")
    parser.add_argument("--notebooks", nargs="+", metavar="NN", help="only these lessons, by number (e.g. 03 06)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test with tiny sizes; writes under generated/bench/quick/, not benchmarks/")
    parser.add_argument("--keep-cache", action="store_true",
                        help="do not empty generated/bench/cache before the first notebook round")
    parser.add_argument("--cell-timeout", type=int, default=1800,
                        help="seconds a notebook cell may run before the run counts as failed (default 1800; CI: 600)")
    parser.add_argument("--resume", action="store_true",
                        help="notebooks: keep the runs an interrupted invocation finished (generated/bench/"
                             "notebooks-progress.json) and run only the rest")
    parser.add_argument("--report-only", action="store_true", help="only rewrite the report from the results file")
    args = parser.parse_args(argv)
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    results_path, report_path = RESULTS, REPORT
    if args.quick:
        results_path, report_path = BENCH_DIR / "quick" / "results.json", BENCH_DIR / "quick" / "benchmarks.md"
    results = load_results(results_path)
    if not args.report_only:
        # The model sections keep their state (the cross-encoder, databases) under generated/bench/ too.
        os.environ.update({k: v for k, v in ci_environment(BENCH_DIR / "cache").items()
                           if k in CI_ENV or k in ("EMBEDDING_COURSE_CACHE", "STSB_DIR")})
        conf = settings(args)
        invocation = {"command": " ".join(["tools/bench.py", *(argv if argv is not None else sys.argv[1:])]),
                      "started": now(), "load_start": load_average(), "settings": conf}
        start = time.perf_counter()
        results["machine"] = machine_info()
        for name in args.only or SECTIONS:
            results["sections"][name] = {**run_section(name, conf, args), "machine": results["machine"]}
            save_results(results, results_path)  # keep what is done if a later section fails
        invocation.update({"finished": now(), "load_end": load_average(),
                           "duration_s": round(time.perf_counter() - start, 1)})
        results["invocations"] = (results.get("invocations", []) + [invocation])[-10:]
        save_results(results, results_path)
        print(f"results: {results_path.relative_to(REPO)}; took {invocation['duration_s'] / 60:.1f} min")
    elif not results_path.exists():
        raise SystemExit(f"no results in {results_path}: run tools/bench.py first")
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(render_report(load_results(results_path), results_path), encoding="utf-8")
    print(f"report: {report_path.relative_to(REPO)}")
    return 0


# ---------------------------------------------------------------- the report
def _s(seconds) -> str:
    if seconds is None:
        return "-"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    if seconds >= 1:
        return f"{seconds:.1f} s"
    return f"{seconds * 1000:.1f} ms"


def _mb(nbytes) -> str:
    return "-" if nbytes is None else f"{nbytes / 1e6:,.0f} MB"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _ok(passed) -> str:
    return "**pass**" if passed else "**FAIL**"


def _load(values) -> str:
    return " / ".join(f"{v:.2f}" for v in values) if values else "-"


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def _report_machine(machine: dict) -> list[str]:
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items())
    return ["## Machine", "", *_table(["", ""], [
        ["CPU", f"{machine['cpu']}, {machine['cores']} cores ({machine['cores_usable']} usable by the benchmark)"],
        ["memory", f"{machine['ram_bytes'] / 1e9:.1f} GB"], ["OS", machine["os"]], ["Python", machine["python"]],
        ["course commit", machine["git_commit"]], ["packages", packages]]), ""]


def _targets(sections: dict) -> tuple[list[list], list[str]]:
    """Rows of the target table, and a sentence for each target missed."""
    rows, missed = [], []
    nb = sections.get("notebooks", {}).get("result")
    if nb:
        lessons, runs = nb["lessons"], nb["runs"]
        slow = max(lessons, key=lambda x: x["wall_s_median"] if x["runs_ok"] else float("inf"))
        rows.append(["every lesson at most 3 min (median wall time)",
                     f"slowest: {slow['notebook']} {_s(slow['wall_s_median'])}", runs,
                     _ok(all(x["wall_pass"] for x in lessons))])
        for x in lessons:
            if not x["wall_pass"]:
                missed.append(f"{x['notebook']}: median wall time {_s(x['wall_s_median'])} "
                              f"({x['runs_ok']} of {x['runs']} runs succeeded) against 3 min.")
        big = max(lessons, key=lambda x: (x["peak_bytes_median"] or 0) / x["peak_target_bytes"])
        rows.append(["every lesson at most 1.5 GB (2 GB if it starts a server), median peak",
                     f"closest to its target: {big['notebook']} {_mb(big['peak_bytes_median'])} of "
                     f"{_mb(big['peak_target_bytes'])}", runs, _ok(all(x["peak_pass"] for x in lessons))])
        for x in lessons:
            if not x["peak_pass"]:
                missed.append(f"{x['notebook']}: median peak memory {_mb(x['peak_bytes_median'])} "
                              f"against {_mb(x['peak_target_bytes'])}.")
        series = f"{_s(nb['series_wall_s_median'])} (median of the round totals)"
        if not nb["complete_series"]:
            rows.append(["whole series under 15 min", f"not measured: only {len(lessons)} lessons ran", runs, "-"])
        else:
            rows.append(["whole series under 15 min", series, runs, _ok(nb["series_pass"])])
            if not nb["series_pass"]:
                missed.append(f"the series: {series} against 15 min.")
    tp = sections.get("throughput", {}).get("result")
    if tp:
        rows.append(["models.embed throughput at least 0.97 x plain sentence-transformers",
                     f"{tp['ratio_of_medians']:.3f}", tp["repeats"], _ok(tp["pass"])])
        if not tp["pass"]:
            missed.append(f"throughput ratio {tp['ratio_of_medians']:.3f} against 0.97.")
    return rows, missed


def _report_when(sections: dict, invocations: list[dict]) -> list[str]:
    rows = [[name, sec["started"], _s(sec["duration_s"]), _load(sec["load_start"]), _load(sec["load_end"]),
             "yes" if sec.get("quick") else "no", sec.get("machine", {}).get("git_commit", "-")]
            for name, sec in sections.items()]
    lines = ["## When, and how busy the machine was", "",
             "Load averages (1 / 5 / 15 min) at the start and end of each section. On this 2-core machine a "
             "load above 2 means other programs competed for the cores: timings then run slower than on a quiet "
             "machine, and the figures below are an upper bound. Each section ran at the course commit shown.", "",
             *_table(["section", "started", "took", "load at start", "load at end", "--quick", "commit"], rows), ""]
    if invocations:
        lines += ["Invocations that wrote these results (the last 10; an interrupted one writes nothing):", "",
                  *_table(["command", "started", "finished", "took"],
                          [[f"`{i['command']}`", i["started"], i["finished"], _s(i["duration_s"])]
                           for i in invocations]), ""]
    return lines


def _report_notebooks(nb: dict) -> list[str]:
    rows = []
    for x in nb["lessons"]:
        children = ", ".join(f"{k} {_mb(v)}" for k, v in x["children_peak_bytes_median"].items()) or "-"
        rows.append([x["notebook"], f"{x['runs_ok']}/{x['runs']}",
                     f"{_s(x['wall_s_median'])} ({_s(x['wall_s_min'])} - {_s(x['wall_s_max'])})",
                     _mb(x["peak_bytes_median"]), _mb(x["kernel_peak_bytes_median"]), children,
                     _mb(x["peak_upper_bound_bytes_median"]), f"3 min, {_mb(x['peak_target_bytes'])}",
                     _ok(x["wall_pass"] and x["peak_pass"])])
    rounds = [[r["round"], _s(r["series_wall_s"]), "yes" if r["all_ok"] else "no", _load(r["load_start"]),
               _load(r["load_end"])] for r in nb["rounds"]]
    errors = [f"- {x['notebook']} run {k}: `{run['error'].strip().splitlines()[-1][:300]}`"
              for x in nb["lessons"] for k, run in enumerate(x["all_runs"], 1) if not run["ok"]]
    return ["## 1. The lessons", "",
            f"Each lesson ran top to bottom in a fresh kernel, {_times(nb['runs'])}, round after round through the "
            "series (so that load on the machine affects every lesson alike). The kernel is started by nbclient "
            "from this checkout's `.venv` with the working directory `notebooks/` and the environment `make test` "
            "uses (offline flags, `PYTHONHASHSEED=0`, `STSB_DIR`); the notebooks are executed in memory, never "
            f"written. Generated state goes to `{nb['cache']}` instead of `generated/`"
            + (", emptied before the first round, so round 1 is a fresh clone's first run"
               if nb["cache_emptied_before_round_1"] else "")
            + f". A cell could run {_s(nb.get('cell_timeout_s', 600))} before the run counted as failed "
            "(`make test` allows 10 min)."
            + (f" The benchmark was interrupted and resumed ({_times(nb['resumed_times'])}): runs finished before "
               "an interruption were kept." if nb.get("resumed_times") else ""), "",
            "*Wall time*: from starting the kernel to the end of the last cell. *Peak memory*: the larger of the "
            "kernel's own peak resident memory (VmHWM, exact) and the largest sum of the resident memory of the "
            "kernel and all its child processes, polled every 0.1 s. Lesson 06 starts the Milvus server "
            "(`milvus` process) and a second Python process (`python`) as children of the kernel; their peaks are "
            "listed, and *upper bound* adds every child's peak to the kernel's as if they had coincided. Resident "
            "memory counts shared library pages in each process. MB = 10^6 bytes: the 1.5 GB target is "
            "1,500 MB (1.40 GiB).", "",
            *_table(["lesson", "runs ok", "wall time, median (min - max)", "peak memory, median", "kernel alone",
                     "children (peak each)", "upper bound", "target", "result"], rows), "",
            *_table(["round", "series total", "all lessons ok", "load at start", "load at end"], rounds), "",
            f"Series: median of the round totals {_s(nb['series_wall_s_median'])}; sum of the per-lesson medians "
            f"{_s(nb['sum_of_medians_s'])}; target under {_s(nb['series_target_s'])}: "
            + (_ok(nb["series_pass"]) if nb["complete_series"] else "not measured (not every lesson ran)") + ".", "",
            *(["Failed runs:", "", *errors, ""] if errors else [])]


def _report_throughput(tp: dict) -> list[str]:
    rows = [[name, f"{tp['texts_per_s_median'][name]:,.0f}", tp["repeats"],
             ", ".join(f"{r:,.0f}" for r in rates)] for name, rates in tp["texts_per_s"].items()]
    return ["## 2. Embedding throughput: the course package against plain sentence-transformers", "",
            f"{tp['model']} on {tp['texts']:,} {tp['text_source']}, batch size {tp['batch_size']}, normalized "
            f"embeddings, {tp['torch_threads']} PyTorch threads, the same model object. The two ran alternately in one "
            f"process, {tp['repeats']} times each, swapping which goes first in each repeat (after one untimed "
            f"warm-up each). Largest difference between their vectors: {tp['max_abs_difference']:.1e}.", "",
            *_table(["path", "texts/s, median", "runs", "each run"], rows), "",
            f"Ratio of the medians: **{tp['ratio_of_medians']:.3f}** (median of the per-repeat ratios "
            f"{tp['paired_ratio_median']:.3f}); target at least {tp['target_ratio']}: {_ok(tp['pass'])}.", ""]


def _report_cross(cr: dict) -> list[str]:
    rows = [[r["n"], f"{r['pairs']:,}", _s(r["cross_s_median"]), _s(r["bi_s_median"]), f"{r['ratio']:,.0f}",
             "yes" if r["same_best_pair"] else "no"] for r in cr["by_n"]]
    ex, paper = cr["extrapolation"], cr["paper"]
    trained = "loaded from its saved folder" if cr["cross_encoder_was_saved"] else "trained first"
    return ["## 3. Cross-encoder against bi-encoder: the most similar pair among n sentences", "",
            f"Cross-encoder: the {cr['cross_encoder']} ({trained}, {_s(cr['cross_encoder_load_or_train_s'])}), "
            f"scoring all n(n-1)/2 pairs. Bi-encoder: {cr['bi_encoder']}. Sentences: {cr['sentences']}. "
            f"{cr['torch_threads']} PyTorch threads; medians of {cr['repeats']} run(s).", "",
            *_table(["n", "pairs", "cross-encoder", "bi-encoder", "ratio", "same best pair"], rows), "",
            f"Extrapolated to {ex['sentences']:,} sentences ({ex['pairs']:,} pairs): the cross-encoder at its "
            f"measured rate for n = {ex['from_n']} ({ex['cross_pairs_per_s']:,.0f} pairs/s); the bi-encoder at its "
            f"measured rate on {ex['bi_embed_rate_sentences']:,} sentences "
            f"({1 / ex['bi_embed_s_per_sentence']:,.0f} sentences/s) plus the measured search of a "
            f"{ex['sentences']:,} x {ex['sentences']:,} cosine matrix for the best pair "
            f"({_s(ex['similarity_10k_s_median'])}).", "",
            *_table(["", "cross-encoder", "bi-encoder", "ratio"], [
                [f"this machine (CPU, {cr['torch_threads']} threads), extrapolated", _s(ex["cross_s"]), _s(ex["bi_s"]),
                 f"{ex['ratio']:,.0f}"],
                [f"SBERT paper (BERT-base, {paper['hardware']})", _s(paper["cross_encoder_s"]),
                 _s(paper["bi_encoder_s"]), f"{paper['ratio']:,.0f}"]]), ""]


def _search_rows(label: str, block: dict, numpy: dict | None = None) -> list[list]:
    rows = []
    if numpy is not None:
        rows.append(["NumPy exact (matrix product)", "-", "-", f"{numpy['latency_ms_median']:.2f} ms",
                     f"{numpy['latency_ms_p90']:.2f} ms", f"{numpy['recall_at_10']:.3f}"])
    first_hnsw = True
    for name, s in block["search"].items():
        if name == "FLAT":
            insert, build = f"{block['insert_rows_per_s_median']:,.0f}/s ({block['insert_repeats']} runs)", "-"
        elif first_hnsw:  # one collection, searched with each ef: its insert and build once
            runs = len(block["hnsw_build_s"])
            insert = f"{block['hnsw_insert_rows_per_s_median']:,.0f}/s ({runs} runs)"
            build = f"{_s(block['hnsw_build_s_median'])} ({runs} runs)"
            first_hnsw = False
        else:
            insert, build = "same", "same"
        rows.append([f"{label} {name}", insert, build, f"{s['latency_ms_median']:.2f} ms",
                     f"{s['latency_ms_p90']:.2f} ms", f"{s['recall_at_10']:.3f}"])
    return rows


def _report_milvus(mv: dict) -> list[str]:
    sources = ", ".join(f"{k} {v:,}" for k, v in mv["real_by_source"].items())
    lines = ["## 4. Milvus Lite, the Milvus server and exact NumPy search", "",
             f"Vectors: {mv['model']}, of {mv['real_texts']:,} distinct real texts ({sources}). Where a size needs "
             f"more vectors than that, the rest are **synthetic**: a random real vector plus Gaussian noise "
             f"(sigma {mv['noise_sigma']} per dimension), renormalized. Queries: {mv['queries']} {mv['query_source']}. "
             f"Indexes: FLAT, {mv['indexes']['FLAT']}; HNSW, {mv['indexes']['HNSW']}. pymilvus {mv['pymilvus']}.", "",
             "*Insert*: `vectordb.insert_checked` (checks, batches of 1,000, flush) into a new FLAT collection, "
             "median of the repeats; for HNSW the same into a new collection with the index declared first, and *build* "
             "the time from the flush until the index exists on every segment, medians of as many repeats (the last "
             "collection built is the one searched). *Latency*: one query per call, top 10, after one "
             "warm-up, median and 90th percentile over the queries, with one BLAS thread (as in lesson 06). "
             "*Recall@10*: the share of the exact top 10 (NumPy on the same vectors) that the search returned.", ""]
    for entry in mv["sizes"]:
        lite = entry["lite"]
        made = (f"{entry['real']:,} real + {entry['synthetic']:,} synthetic (mean cosine to their source "
                f"{entry['synthetic_mean_cosine_to_source']:.3f})" if entry["synthetic"] else f"{entry['real']:,} real")
        rows = _search_rows("Milvus Lite", lite, entry["numpy_exact"])
        notes = [f"Milvus Lite: FLAT insert times {', '.join(_s(t) for t in lite['insert_s'])}; "
                 f"resident memory of the benchmark process afterwards {_mb(lite['process_rss_bytes_after'])}, "
                 f"its peak since it started {lite['process_peak_mb_so_far'] * 1.048576:,.0f} MB."]
        if "server" in entry:
            server = entry["server"]
            rows += _search_rows(f"Milvus server {server['server_version']}", server)
            notes.append(f"Milvus server: started in {_s(server['startup_s'])}; FLAT insert times "
                         f"{', '.join(_s(t) for t in server['insert_s'])} (each ends with a flush); its processes' "
                         f"resident memory after the searches {_mb(server['server_rss_bytes_after'])}; search goes "
                         "over gRPC on localhost.")
        lines += [f"### {entry['size']:,} vectors: {made}", "",
                  *_table(["search", "insert rate", "index build", "latency, median", "latency, p90", "recall@10"],
                          rows),
                  "", *notes, ""]
    return lines


def render_report(results: dict, results_path: Path) -> str:
    """The Markdown report, from the results file alone."""
    sections = results["sections"]
    rows, missed = _targets(sections)
    lines = ["# Benchmarks", "",
             f"Generated by `tools/bench.py` from `{results_path.relative_to(REPO)}`: do not edit by hand. Every "
             "figure is a median over the runs shown beside it, or a ratio of medians.", "",
             "## How to rerun", "", "```bash",
             "make bench                                        # every section (about 30 min on 2 cores)",
             ".venv/bin/python tools/bench.py --only notebooks --runs 5   # one section; the others are kept",
             ".venv/bin/python tools/bench.py --only milvus",
             ".venv/bin/python tools/bench.py --report-only     # rewrite this page from the results file",
             "```", "",
             "Run it on an otherwise idle machine: the load averages below show how busy this one was.", ""]
    if results.get("machine"):
        lines += _report_machine(results["machine"])
    lines += ["## Targets", "", *_table(["target", "measured", "runs", "result"], rows), ""]
    lines += (["What fell short:", "", *[f"- {m}" for m in missed], ""] if missed
              else ["Every target measured here was met.", ""])
    lines += _report_when(sections, results.get("invocations", []))
    machine = results.get("machine") or {}
    other = [name for name, sec in sections.items()
             if sec.get("machine") and any(sec["machine"].get(k) != machine.get(k)
                                           for k in ("cpu", "cores", "ram_bytes", "python", "packages"))]
    if other:
        lines += [f"Sections {', '.join(other)} ran on another machine or environment than the one above "
                  "(see `machine` in each section of the results file).", ""]
    renderers = {"notebooks": _report_notebooks, "throughput": _report_throughput, "cross": _report_cross,
                 "milvus": _report_milvus}
    for name in SECTIONS:
        if name in sections:
            lines += renderers[name](sections[name]["result"])
        else:
            lines += [f"## {name}", "", "Not run yet.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
