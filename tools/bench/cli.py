"""The command line of the benchmarks: options, the sections' sizes, running them, writing the results.

``python tools/bench [options]`` runs :func:`main` (see ``--help``); from Python, ``main(["--report-only"])``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from course_env import OFFLINE  # tools/course_env.py

import bench

from .common import BENCH_DIR, REPO, REPORT, RESULTS, SECTIONS, load_average, load_results, now, save_results
from .cross import bench_cross
from .machine import ci_environment, machine_info
from .milvus import bench_milvus
from .notebooks import bench_notebooks
from .report import render_report
from .throughput import bench_throughput


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


def run_benchmark(name: str, conf: dict, args) -> dict:
    """The result of section ``name`` with the sizes of ``conf``."""
    if name == "notebooks":
        progress = (BENCH_DIR / "quick" if args.quick else BENCH_DIR) / "notebooks-progress.json"
        return bench_notebooks(conf["runs"], conf["notebooks"], args.keep_cache, args.cell_timeout, progress,
                               args.resume)
    if name == "throughput":
        return bench_throughput(**conf["throughput"])
    if name == "cross":
        return bench_cross(**conf["cross"])
    return bench_milvus(**conf["milvus"])


def run_section(name: str, conf: dict, args) -> dict:
    """Run one section; wrap its result with the date, duration and load averages at start and end."""
    started, load_start, start = now(), load_average(), time.perf_counter()
    print(f"== {name} (load average {load_start})", flush=True)
    result = run_benchmark(name, conf, args)
    duration = time.perf_counter() - start
    print(f"== {name} done in {duration / 60:.1f} min", flush=True)
    return {"started": started, "finished": now(), "duration_s": round(duration, 1), "load_start": load_start,
            "load_end": load_average(), "quick": args.quick, "result": result}


def parse_args(argv=None):
    """The command-line options (``--help`` lists them)."""
    parser = argparse.ArgumentParser(prog="tools/bench", description=bench.__doc__.split("\n\n")[0],
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


def run_all(args, argv, results: dict, results_path: Path) -> None:
    """Run the sections ``args`` asks for into ``results``, saving after each, and record the invocation."""
    # The model sections keep their state (the cross-encoder, databases) under generated/bench/ too.
    os.environ.update({k: v for k, v in ci_environment(BENCH_DIR / "cache").items()
                       if k in OFFLINE or k in ("EMBEDDING_COURSE_CACHE", "STSB_DIR")})
    conf = settings(args)
    invocation = {"command": " ".join(["tools/bench", *(argv if argv is not None else sys.argv[1:])]),
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


def main(argv=None) -> int:
    """Run the benchmarks (or only rewrite the report); ``main(["--only", "milvus"])`` as on the command line."""
    args = parse_args(argv)
    results_path, report_path = RESULTS, REPORT
    if args.quick:
        results_path, report_path = BENCH_DIR / "quick" / "results.json", BENCH_DIR / "quick" / "benchmarks.md"
    results = load_results(results_path)
    if not args.report_only:
        run_all(args, argv, results, results_path)
    elif not results_path.exists():
        raise SystemExit(f"no results in {results_path}: run tools/bench first")
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(render_report(load_results(results_path), results_path), encoding="utf-8")
    print(f"report: {report_path.relative_to(REPO)}")
    return 0

