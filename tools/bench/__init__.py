"""The course's benchmarks (issue 7): notebooks, embedding throughput, cross- vs bi-encoder, Milvus.

Every figure is a median over several runs (or a ratio of medians), with the number of runs beside
it. The results go to ``benchmarks/results.json``; ``docs/benchmarks.md`` is generated from that
file alone, so the two always agree. Run from the repository root::

    make bench                                        # everything (~30 min on 2 cores)
    .venv/bin/python tools/bench --only milvus        # one section; the other sections' results are kept
    .venv/bin/python tools/bench --only notebooks --notebooks 03 06 --runs 5
    .venv/bin/python tools/bench --quick              # smoke test; writes under generated/bench/quick/
    .venv/bin/python tools/bench --report-only        # rewrite docs/benchmarks.md from benchmarks/results.json

Sections, one module each (the command line is in ``cli.py``, what they share in ``common.py``):

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

``machine.py`` describes the machine and the environment the notebooks get; ``report.py`` renders
``docs/benchmarks.md`` from the results. State (the lessons' generated files, embeddings, databases)
goes under ``generated/bench/`` only. Tests import the modules with ``tools/`` on ``sys.path``::

    from bench.report import render_report
"""
