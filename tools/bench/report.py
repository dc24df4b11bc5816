"""``docs/benchmarks.md`` from the results file alone: :func:`render_report`.

>>> duration(90), duration(0.0123), megabytes(2.5e9)
('90.0 s', '12.3 ms', '2,500 MB')
"""

from __future__ import annotations

from pathlib import Path

from .common import REPO, SECTIONS


def duration(seconds) -> str:
    """Seconds as the report writes them: h, min, s or ms, one decimal ("-" for None)."""
    if seconds is None:
        return "-"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    if seconds >= 1:
        return f"{seconds:.1f} s"
    return f"{seconds * 1000:.1f} ms"


def megabytes(nbytes) -> str:
    """Bytes as whole decimal megabytes (10^6 bytes), "-" for None."""
    return "-" if nbytes is None else f"{nbytes / 1e6:,.0f} MB"


def how_often(n: int) -> str:
    """``once`` for 1, else ``n times``."""
    return "once" if n == 1 else f"{n} times"


def verdict(passed) -> str:
    """**pass** or **FAIL**, in bold."""
    return "**pass**" if passed else "**FAIL**"


def loads(values) -> str:
    """Load averages as "1.00 / 0.50 / 0.25" ("-" when there are none)."""
    return " / ".join(f"{v:.2f}" for v in values) if values else "-"


def table(header: list[str], rows: list[list]) -> list[str]:
    """The lines of a Markdown table with ``header`` and ``rows``."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def machine_section(machine: dict) -> list[str]:
    """The "Machine" section: CPU, memory, OS, Python, commit and package versions."""
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items())
    return ["## Machine", "", *table(["", ""], [
        ["CPU", f"{machine['cpu']}, {machine['cores']} cores ({machine['cores_usable']} usable by the benchmark)"],
        ["memory", f"{machine['ram_bytes'] / 1e9:.1f} GB"], ["OS", machine["os"]], ["Python", machine["python"]],
        ["course commit", machine["git_commit"]], ["packages", packages]]), ""]


def target_rows(sections: dict) -> tuple[list[list], list[str]]:
    """Rows of the target table, and a sentence for each target missed."""
    rows, missed = [], []
    nb = sections.get("notebooks", {}).get("result")
    if nb:
        lessons, runs = nb["lessons"], nb["runs"]
        slow = max(lessons, key=lambda x: x["wall_s_median"] if x["runs_ok"] else float("inf"))
        rows.append(["every lesson at most 3 min (median wall time)",
                     f"slowest: {slow['notebook']} {duration(slow['wall_s_median'])}", runs,
                     verdict(all(x["wall_pass"] for x in lessons))])
        for x in lessons:
            if not x["wall_pass"]:
                missed.append(f"{x['notebook']}: median wall time {duration(x['wall_s_median'])} "
                              f"({x['runs_ok']} of {x['runs']} runs succeeded) against 3 min.")
        big = max(lessons, key=lambda x: (x["peak_bytes_median"] or 0) / x["peak_target_bytes"])
        rows.append(["every lesson at most 1.5 GB (2 GB if it starts a server), median peak",
                     f"closest to its target: {big['notebook']} {megabytes(big['peak_bytes_median'])} of "
                     f"{megabytes(big['peak_target_bytes'])}", runs, verdict(all(x["peak_pass"] for x in lessons))])
        for x in lessons:
            if not x["peak_pass"]:
                missed.append(f"{x['notebook']}: median peak memory {megabytes(x['peak_bytes_median'])} "
                              f"against {megabytes(x['peak_target_bytes'])}.")
        series = f"{duration(nb['series_wall_s_median'])} (median of the round totals)"
        if not nb["complete_series"]:
            rows.append(["whole series under 15 min", f"not measured: only {len(lessons)} lessons ran", runs, "-"])
        else:
            rows.append(["whole series under 15 min", series, runs, verdict(nb["series_pass"])])
            if not nb["series_pass"]:
                missed.append(f"the series: {series} against 15 min.")
    tp = sections.get("throughput", {}).get("result")
    if tp:
        rows.append(["models.embed throughput at least 0.97 x plain sentence-transformers",
                     f"{tp['ratio_of_medians']:.3f}", tp["repeats"], verdict(tp["pass"])])
        if not tp["pass"]:
            missed.append(f"throughput ratio {tp['ratio_of_medians']:.3f} against 0.97.")
    return rows, missed


def when_section(sections: dict, invocations: list[dict]) -> list[str]:
    """When each section ran, the load averages around it, and the last invocations."""
    rows = [[name, sec["started"], duration(sec["duration_s"]), loads(sec["load_start"]), loads(sec["load_end"]),
             "yes" if sec.get("quick") else "no", sec.get("machine", {}).get("git_commit", "-")]
            for name, sec in sections.items()]
    lines = ["## When, and how busy the machine was", "",
             "Load averages (1 / 5 / 15 min) at the start and end of each section. On this 2-core machine a "
             "load above 2 means other programs competed for the cores: timings then run slower than on a quiet "
             "machine, and the figures below are an upper bound. Each section ran at the course commit shown.", "",
             *table(["section", "started", "took", "load at start", "load at end", "--quick", "commit"], rows), ""]
    if invocations:
        lines += ["Invocations that wrote these results (the last 10; an interrupted one writes nothing):", "",
                  *table(["command", "started", "finished", "took"],
                          [[f"`{i['command']}`", i["started"], i["finished"], duration(i["duration_s"])]
                           for i in invocations]), ""]
    return lines


def notebooks_section(nb: dict) -> list[str]:
    """Section 1: how the lessons ran, a row per lesson, a row per round, and the failed runs."""
    rows = []
    for x in nb["lessons"]:
        children = ", ".join(f"{k} {megabytes(v)}" for k, v in x["children_peak_bytes_median"].items()) or "-"
        rows.append([x["notebook"], f"{x['runs_ok']}/{x['runs']}",
                     f"{duration(x['wall_s_median'])} ({duration(x['wall_s_min'])} - {duration(x['wall_s_max'])})",
                     megabytes(x["peak_bytes_median"]), megabytes(x["kernel_peak_bytes_median"]), children,
                     megabytes(x["peak_upper_bound_bytes_median"]), f"3 min, {megabytes(x['peak_target_bytes'])}",
                     verdict(x["wall_pass"] and x["peak_pass"])])
    rounds = [[r["round"], duration(r["series_wall_s"]), "yes" if r["all_ok"] else "no", loads(r["load_start"]),
               loads(r["load_end"])] for r in nb["rounds"]]
    errors = [f"- {x['notebook']} run {k}: `{run['error'].strip().splitlines()[-1][:300]}`"
              for x in nb["lessons"] for k, run in enumerate(x["all_runs"], 1) if not run["ok"]]
    return ["## 1. The lessons", "",
            f"Each lesson ran top to bottom in a fresh kernel, {how_often(nb['runs'])}, round after round through the "
            "series (so that load on the machine affects every lesson alike). The kernel is started by nbclient "
            "from this checkout's `.venv` with the working directory `notebooks/` and the environment `make test` "
            "uses (offline flags, `PYTHONHASHSEED=0`, `STSB_DIR`); the notebooks are executed in memory, never "
            f"written. Generated state goes to `{nb['cache']}` instead of `generated/`"
            + (", emptied before the first round, so round 1 is a fresh clone's first run"
               if nb["cache_emptied_before_round_1"] else "")
            + f". A cell could run {duration(nb.get('cell_timeout_s', 600))} before the run counted as failed "
            "(`make test` allows 10 min)."
            + (f" The benchmark was interrupted and resumed ({how_often(nb['resumed_times'])}): runs finished before "
               "an interruption were kept." if nb.get("resumed_times") else ""), "",
            "*Wall time*: from starting the kernel to the end of the last cell. *Peak memory*: the larger of the "
            "kernel's own peak resident memory (VmHWM, exact) and the largest sum of the resident memory of the "
            "kernel and all its child processes, polled every 0.1 s. Lesson 06 starts the Milvus server "
            "(`milvus` process) and a second Python process (`python`) as children of the kernel; their peaks are "
            "listed, and *upper bound* adds every child's peak to the kernel's as if they had coincided. Resident "
            "memory counts shared library pages in each process. MB = 10^6 bytes: the 1.5 GB target is "
            "1,500 MB (1.40 GiB).", "",
            *table(["lesson", "runs ok", "wall time, median (min - max)", "peak memory, median", "kernel alone",
                     "children (peak each)", "upper bound", "target", "result"], rows), "",
            *table(["round", "series total", "all lessons ok", "load at start", "load at end"], rounds), "",
            f"Series: median of the round totals {duration(nb['series_wall_s_median'])}; sum of the per-lesson medians "
            f"{duration(nb['sum_of_medians_s'])}; target under {duration(nb['series_target_s'])}: "
            + (verdict(nb["series_pass"]) if nb["complete_series"] else "not measured (not every lesson ran)") + ".", "",
            *(["Failed runs:", "", *errors, ""] if errors else [])]


def throughput_section(tp: dict) -> list[str]:
    """Section 2: texts/s of the two paths and the ratio of their medians."""
    rows = [[name, f"{tp['texts_per_s_median'][name]:,.0f}", tp["repeats"],
             ", ".join(f"{r:,.0f}" for r in rates)] for name, rates in tp["texts_per_s"].items()]
    return ["## 2. Embedding throughput: the course package against plain sentence-transformers", "",
            f"{tp['model']} on {tp['texts']:,} {tp['text_source']}, batch size {tp['batch_size']}, normalized "
            f"embeddings, {tp['torch_threads']} PyTorch threads, the same model object. The two ran alternately in one "
            f"process, {tp['repeats']} times each, swapping which goes first in each repeat (after one untimed "
            f"warm-up each). Largest difference between their vectors: {tp['max_abs_difference']:.1e}.", "",
            *table(["path", "texts/s, median", "runs", "each run"], rows), "",
            f"Ratio of the medians: **{tp['ratio_of_medians']:.3f}** (median of the per-repeat ratios "
            f"{tp['paired_ratio_median']:.3f}); target at least {tp['target_ratio']}: {verdict(tp['pass'])}.", ""]


def cross_section(cr: dict) -> list[str]:
    """Section 3: cross- against bi-encoder for each n, and both extrapolated beside the SBERT paper."""
    rows = [[r["n"], f"{r['pairs']:,}", duration(r["cross_s_median"]), duration(r["bi_s_median"]), f"{r['ratio']:,.0f}",
             "yes" if r["same_best_pair"] else "no"] for r in cr["by_n"]]
    ex, paper = cr["extrapolation"], cr["paper"]
    trained = "loaded from its saved folder" if cr["cross_encoder_was_saved"] else "trained first"
    return ["## 3. Cross-encoder against bi-encoder: the most similar pair among n sentences", "",
            f"Cross-encoder: the {cr['cross_encoder']} ({trained}, {duration(cr['cross_encoder_load_or_train_s'])}), "
            f"scoring all n(n-1)/2 pairs. Bi-encoder: {cr['bi_encoder']}. Sentences: {cr['sentences']}. "
            f"{cr['torch_threads']} PyTorch threads; medians of {cr['repeats']} run(s).", "",
            *table(["n", "pairs", "cross-encoder", "bi-encoder", "ratio", "same best pair"], rows), "",
            f"Extrapolated to {ex['sentences']:,} sentences ({ex['pairs']:,} pairs): the cross-encoder at its "
            f"measured rate for n = {ex['from_n']} ({ex['cross_pairs_per_s']:,.0f} pairs/s); the bi-encoder at its "
            f"measured rate on {ex['bi_embed_rate_sentences']:,} sentences "
            f"({1 / ex['bi_embed_s_per_sentence']:,.0f} sentences/s) plus the measured search of a "
            f"{ex['sentences']:,} x {ex['sentences']:,} cosine matrix for the best pair "
            f"({duration(ex['similarity_10k_s_median'])}).", "",
            *table(["", "cross-encoder", "bi-encoder", "ratio"], [
                [f"this machine (CPU, {cr['torch_threads']} threads), extrapolated", duration(ex["cross_s"]), duration(ex["bi_s"]),
                 f"{ex['ratio']:,.0f}"],
                [f"SBERT paper (BERT-base, {paper['hardware']})", duration(paper["cross_encoder_s"]),
                 duration(paper["bi_encoder_s"]), f"{paper['ratio']:,.0f}"]]), ""]


def search_rows(label: str, block: dict, numpy: dict | None = None) -> list[list]:
    """Rows of one Milvus backend's table (insert, build, latency, recall), after exact NumPy search if given."""
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
            build = f"{duration(block['hnsw_build_s_median'])} ({runs} runs)"
            first_hnsw = False
        else:
            insert, build = "same", "same"
        rows.append([f"{label} {name}", insert, build, f"{s['latency_ms_median']:.2f} ms",
                     f"{s['latency_ms_p90']:.2f} ms", f"{s['recall_at_10']:.3f}"])
    return rows


def milvus_section(mv: dict) -> list[str]:
    """Section 4: a table per corpus size, Milvus Lite (and the server) beside exact NumPy search."""
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
        rows = search_rows("Milvus Lite", lite, entry["numpy_exact"])
        notes = [f"Milvus Lite: FLAT insert times {', '.join(duration(t) for t in lite['insert_s'])}; "
                 f"resident memory of the benchmark process afterwards {megabytes(lite['process_rss_bytes_after'])}, "
                 f"its peak since it started {lite['process_peak_mb_so_far'] * 1.048576:,.0f} MB."]
        if "server" in entry:
            server = entry["server"]
            rows += search_rows(f"Milvus server {server['server_version']}", server)
            notes.append(f"Milvus server: started in {duration(server['startup_s'])}; FLAT insert times "
                         f"{', '.join(duration(t) for t in server['insert_s'])} (each ends with a flush); its processes' "
                         f"resident memory after the searches {megabytes(server['server_rss_bytes_after'])}; search goes "
                         "over gRPC on localhost.")
        lines += [f"### {entry['size']:,} vectors: {made}", "",
                  *table(["search", "insert rate", "index build", "latency, median", "latency, p90", "recall@10"],
                          rows),
                  "", *notes, ""]
    return lines


def header_section(results_path: Path) -> list[str]:
    """The title, where the page comes from, and how to rerun the benchmarks."""
    return ["# Benchmarks", "",
            f"Generated by `tools/bench` from `{results_path.relative_to(REPO)}`: do not edit by hand. Every "
            "figure is a median over the runs shown beside it, or a ratio of medians.", "",
            "## How to rerun", "", "```bash",
            "make bench                                        # every section (about 30 min on 2 cores)",
            ".venv/bin/python tools/bench --only notebooks --runs 5   # one section; the others are kept",
            ".venv/bin/python tools/bench --only milvus",
            ".venv/bin/python tools/bench --report-only     # rewrite this page from the results file",
            "```", "",
            "Run it on an otherwise idle machine: the load averages below show how busy this one was.", ""]


def targets_section(sections: dict) -> list[str]:
    """The table of targets, then what fell short (or that every target was met)."""
    rows, missed = target_rows(sections)
    lines = ["## Targets", "", *table(["target", "measured", "runs", "result"], rows), ""]
    return lines + (["What fell short:", "", *[f"- {m}" for m in missed], ""] if missed
                    else ["Every target measured here was met.", ""])


def other_machines(results: dict) -> list[str]:
    """A note naming the sections that ran on another machine or environment than the report's, if any."""
    machine = results.get("machine") or {}
    other = [name for name, sec in results["sections"].items()
             if sec.get("machine") and any(sec["machine"].get(k) != machine.get(k)
                                           for k in ("cpu", "cores", "ram_bytes", "python", "packages"))]
    if not other:
        return []
    return [f"Sections {', '.join(other)} ran on another machine or environment than the one above "
            "(see `machine` in each section of the results file).", ""]


RENDERERS = {"notebooks": notebooks_section, "throughput": throughput_section, "cross": cross_section,
             "milvus": milvus_section}


def render_report(results: dict, results_path: Path) -> str:
    """The Markdown report, from the results file alone: ``render_report(load_results(path), path)``."""
    sections = results["sections"]
    lines = header_section(results_path)
    if results.get("machine"):
        lines += machine_section(results["machine"])
    lines += targets_section(sections)
    lines += when_section(sections, results.get("invocations", []))
    lines += other_machines(results)
    for name in SECTIONS:
        if name in sections:
            lines += RENDERERS[name](sections[name]["result"])
        else:
            lines += [f"## {name}", "", "Not run yet.", ""]
    return "\n".join(lines)
