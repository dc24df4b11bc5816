"""Section 4: Milvus Lite and the Milvus server against exact NumPy search (lesson 06's), on real embeddings."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable

import numpy as np

from embedding_course.lessons.l06_milvus import HNSW_BUILD, exact_top_k, recall_at_10, sentences
from embedding_course.metrics import timed

from .common import BENCH_DIR, median, set_torch_threads

#: The ef values HNSW is searched with (lesson 06 builds it with :data:`HNSW_BUILD`).
HNSW_EFS = (40, 80, 160)


def real_texts() -> list[tuple[str, str]]:
    """Every distinct real text the course has offline, as ``(source, text)``: STS-B sentences (all splits),
    Lee news sentences, the course's paragraphs split into sentences, movie-review sentences, newsgroup sentences
    (split by lesson 06's ``sentences``)."""
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
    add("lee_news", [s for doc in data.lee_background() + data.lee_documents() for s in sentences(doc)])
    add("course", [s for text in data.course_paragraphs()["text"] for s in sentences(text)])
    add("movie_reviews", data.polarity()["text"])
    add("newsgroups", [s for post in data.newsgroups(clean=True)["text"] for s in sentences(post)])
    return [(source, text) for text, source in found.items()]


def embed_cached(texts: list[str]) -> np.ndarray:
    """all-MiniLM-L6-v2 embeddings of ``texts`` (normalized), cached under generated/bench/milvus/ by content."""
    from embedding_course import models

    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = BENCH_DIR / "milvus" / f"minilm-{key}.npy"
    if path.exists():
        return np.load(path)
    set_torch_threads()
    seconds, vectors = timed(lambda: models.embed(texts, models.load_sentence_transformer("all-MiniLM-L6-v2"),
                                                  batch_size=64))
    print(f"  embedded {len(texts):,} texts in {seconds:.0f} s", flush=True)
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
            seconds, hits = timed(lambda: list(search_one(q)))
            times.append(seconds)
            found.append(hits)
    return {"queries": len(queries), "latency_ms_median": 1000 * median(times),
            "latency_ms_p90": 1000 * float(np.percentile(times, 90)), "recall_at_10": recall_at_10(found, truth)}


def vector_schema(dim: int):
    """A collection schema of an INT64 primary key ``id`` and a ``dim``-dimensional float ``vector``."""
    from pymilvus import DataType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    return schema


def timed_insert(client, name: str, index, vectors: np.ndarray) -> float:
    """Create ``name`` afresh with ``index``; time ``vectordb.insert_checked`` (checks, batches of 1,000, flush)."""
    from embedding_course import vectordb

    vectordb.fresh_collection(client, name, vector_schema(vectors.shape[1]), index)
    rows = [{"id": i, "vector": v} for i, v in enumerate(vectors)]
    return timed(lambda: vectordb.insert_checked(client, name, rows, batch_size=1000, progress=False))[0]


def insert_and_build(client, vectors, repeats: int, wait_index: Callable[[str], None]) -> dict:
    """Insert ``vectors`` ``repeats`` times into a new FLAT collection, then as often into a new HNSW one,
    timing each insert and each HNSW build; leaves ``bench_flat`` and the last ``bench_hnsw`` loaded."""
    from embedding_course import vectordb

    n = len(vectors)
    flat_t = [timed_insert(client, "bench_flat", vectordb.index_params(client, "FLAT"), vectors)
              for _ in range(repeats)]
    wait_index("bench_flat")
    hnsw_insert, build = [], []
    for _ in range(repeats):  # the last collection built is the one searched
        hnsw_insert.append(timed_insert(client, "bench_hnsw", vectordb.index_params(client, "HNSW", **HNSW_BUILD),
                                        vectors))
        # the index builds after the flush; until then search is exact
        build.append(timed(lambda: wait_index("bench_hnsw"))[0])
    for name in ("bench_flat", "bench_hnsw"):
        # A Milvus server keeps searching a segment loaded before its index was built with a temporary
        # index (its recall stays below the real index's whatever ef); loading the collection anew makes
        # it use the real one.
        client.release_collection(name)
        client.load_collection(name)
    return {"rows": n, "insert_repeats": repeats, "insert_s": flat_t, "insert_rows_per_s_median": n / median(flat_t),
            "hnsw_insert_s": hnsw_insert, "hnsw_insert_rows_per_s_median": n / median(hnsw_insert),
            "hnsw_build_s": build, "hnsw_build_s_median": median(build)}


def bench_backend(client, vectors, queries, truth, repeats: int, wait_index: Callable[[str], None]) -> dict:
    """Insert rate, HNSW build time, and per-query latency and recall@10 of FLAT and HNSW on one Milvus
    (Lite or server) client."""
    result = insert_and_build(client, vectors, repeats, wait_index)

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
    return {**result, "search": searches}


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


def wait_server_index(client, name: str, rows: int, timeout: float = 3600) -> None:
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


def tree_rss(pid: int) -> int:
    """The resident memory of process ``pid`` and all its descendants, in bytes."""
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
            startup, _ = timed(default_server.start)
            client = MilvusClient(uri=f"http://127.0.0.1:{default_server.listen_port}")
        version = client.get_server_version()
        result = bench_backend(client, vectors, queries, truth, repeats,
                               lambda name: wait_server_index(client, name, len(vectors)))
        result.update({"server_version": version, "startup_s": startup,
                       "server_rss_bytes_after": tree_rss(default_server.server_proc.pid)})
    finally:
        if client is not None:
            client.close()
        default_server.stop()
        default_server.cleanup()
        shutil.rmtree(base, ignore_errors=True)
    return result


def corpus_and_queries(n_queries: int, max_real: int | None) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """The embedded real texts, shuffled (seed 42) and cut to ``max_real``: the first ``n_queries`` as
    queries, the rest as the pool of corpus vectors, and how many pool texts each source gave."""
    texts = real_texts()
    order = np.random.default_rng(42).permutation(len(texts))
    texts = [texts[i] for i in order][:max_real]  # mix the sources; queries and corpus from the same mixture
    vectors = embed_cached([t for _, t in texts])
    by_source: dict[str, int] = {}
    for source, _ in texts[n_queries:]:
        by_source[source] = by_source.get(source, 0) + 1
    return vectors[:n_queries], vectors[n_queries:], by_source


def bench_size(size: int, pool: np.ndarray, queries: np.ndarray, repeats: int, server: bool, sigma: float) -> dict:
    """Exact NumPy search, Milvus Lite and (if ``server``) the Milvus server on ``size`` vectors of ``pool``
    (extended with synthetic ones where it is too small)."""
    corpus, cosine = extend_synthetic(pool, size, sigma)
    truth = exact_top_k(corpus, queries)
    numpy = per_query(lambda q: exact_top_k(corpus, q[None])[0], queries, truth)
    print(f"  {size:,} vectors: numpy {numpy['latency_ms_median']:.2f} ms; Milvus Lite...", flush=True)
    entry = {"size": size, "real": min(size, len(pool)), "synthetic": max(0, size - len(pool)),
             "synthetic_mean_cosine_to_source": cosine, "numpy_exact": numpy,
             "lite": bench_lite(corpus, queries, truth, repeats)}
    if server:
        print(f"  {size:,} vectors: Milvus server...", flush=True)
        entry["server"] = bench_server(corpus, queries, truth, repeats)
    return entry


def bench_milvus(sizes: list[int], n_queries: int, repeats: int, server_sizes: list[int], sigma: float,
                 max_real: int | None = None) -> dict:
    """Milvus Lite (and the server) against exact NumPy search on real MiniLM embeddings of real texts,
    extended with noisy copies of them where a size needs more vectors than there are texts."""
    import pymilvus

    queries, pool, by_source = corpus_and_queries(n_queries, max_real)
    results = [bench_size(size, pool, queries, repeats, size in server_sizes, sigma) for size in sizes]
    return {"model": "all-MiniLM-L6-v2 (384-d, normalized), COSINE metric", "real_texts": len(pool),
            "real_by_source": by_source, "queries": n_queries,
            "query_source": "real texts held out of the corpus (random, seed 42)", "noise_sigma": sigma,
            "indexes": {"FLAT": "exact (lessons 06 and 08 store their texts with it)",
                        "HNSW": f"M={HNSW_BUILD['M']}, efConstruction={HNSW_BUILD['efConstruction']} (lesson 06), "
                                f"searched with ef in {list(HNSW_EFS)}"},
            "pymilvus": pymilvus.__version__, "sizes": results}
