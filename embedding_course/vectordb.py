"""Plumbing for storing embeddings in Milvus (lessons 06 and 08).

The lessons show what matters (the schema, the index and its parameters, the search calls);
this module only holds what both need around them:

* :func:`check_vectors` - catch what Milvus Lite accepts silently (NaN/inf rows, duplicate ids,
  zero vectors) and what it rejects late (wrong dimension, empty or 1-D input), with a message
  that names the rows;
* :func:`connect_lite`, :func:`release_lite`, :func:`remove_lite` - open a Milvus Lite database
  (a folder ending in ``.db``), turn the "another process holds it" failure into a clear error,
  and let go of it: ``client.close()`` alone keeps the folder locked in Milvus Lite 3;
* :func:`index_params` - index build parameters in the form Milvus Lite 3.2.2 does not ignore;
* :func:`fresh_collection`, :func:`insert_checked`, :func:`count_rows`, :func:`hits_frame` -
  drop-and-create, checked batched insert + flush, row count, search hits as a table;
* :func:`index_files`, :func:`wait_for_index` - which stored segments already have their index
  built, and waiting for it (Milvus Lite builds indexes in a background thread after a flush,
  and ``describe_index`` says "Finished" regardless);
* :func:`quiet_milvus_logs` (from :mod:`embedding_course.quiet`) - hide the traceback pymilvus logs for an error you catch yourself;
* :func:`without_proxies` - start a Milvus server (and its client) with no proxy settings, which would
  otherwise stall it.

>>> from embedding_course import vectordb
>>> vectordb.check_vectors([[1.0, 0.0], [0.0, 1.0]], ids=[1, 2], dim=2).shape
(2, 2)
"""

from __future__ import annotations

import logging
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import CourseError
from .quiet import quiet_milvus_logs
from .validate import is_whole_number

__all__ = ["DatabaseLockedError", "check_vectors", "connect_lite", "count_rows", "fresh_collection",
           "hits_frame", "index_files", "index_params", "insert_checked", "quiet_milvus_logs",
           "release_lite", "remove_lite", "wait_for_index", "without_proxies"]

#: The variables through which Go, gRPC and Python send connections to a proxy.
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "grpc_proxy",
                   "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "GRPC_PROXY")

_SHOWN = 10  # how many offending rows/ids a message lists before it says "and N more"


class DatabaseLockedError(CourseError, RuntimeError):
    """Another process holds the Milvus Lite database (one process per database folder)."""


# ---------------------------------------------------------------- input checks
def _listed(values: Sequence) -> str:
    values = list(values)
    shown = ", ".join(str(v) for v in values[:_SHOWN])
    return shown + (f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else "")


def check_vectors(vectors, ids: Sequence | None = None, dim: int | None = None, *,
                  allow_zero: bool = False) -> np.ndarray:
    """Check vectors (and their ids) before an insert; return them as a 2-D float32 array.

    Raises a ``ValueError`` that names the offending rows for: input that is not a 2-D table
    of numbers, no rows, rows of different lengths, a dimension other than ``dim``, NaN or
    infinite values, all-zero rows (their cosine similarity is undefined; pass
    ``allow_zero=True`` to keep them), ids whose count differs from the rows, and duplicate
    ids. Milvus Lite accepts NaN vectors, zero vectors and duplicate ids without a word
    (search then returns ``nan`` distances, or the last row written for an id wins), so these
    are checked here, before anything is written.

    >>> check_vectors([[0.0, float("nan")], [1.0, 0.0]])
    Traceback (most recent call last):
    ...
    ValueError: 1 of 2 vectors contain NaN or infinite values: rows 0. Embeddings like these usually come from an empty text or a failed model call: fix or drop those rows before inserting.
    """
    if vectors is None:
        raise ValueError("vectors is None: pass a 2-D array with one embedding per row")
    if dim is not None and not is_whole_number(dim, numpy_ok=True):
        raise ValueError(f"dim must be the collection's vector dimension, a whole number such as 384, not {dim!r}")
    if ids is not None and (isinstance(ids, (str, bytes)) or not hasattr(ids, "__len__")):
        raise TypeError(f"ids must be a list with one id per vector, not {type(ids).__name__} {ids!r:.40}")
    try:
        array = np.asarray(vectors)
    except ValueError:  # numpy refuses ragged rows
        lengths = Counter(len(row) if hasattr(row, "__len__") else 1 for row in vectors)
        raise ValueError(f"the vectors have different lengths (rows per length: {dict(sorted(lengths.items()))}): "
                         "every embedding must have the same number of dimensions") from None
    if array.dtype.kind not in "biuf":
        kind = "text" if array.dtype.kind in "US" else f"{array.dtype} values"
        raise ValueError(f"vectors must be numbers, not {kind}: embed the texts first")
    array = array.astype(np.float32, copy=False)
    if array.ndim != 2:
        hint = " (one vector? wrap it in a list: [vector])" if array.ndim == 1 else ""
        raise ValueError(f"vectors must be a 2-D array, one embedding per row; got {array.ndim}-D "
                         f"with shape {array.shape}{hint}")
    if array.shape[0] == 0:
        raise ValueError("no vectors to insert (0 rows): did a filter remove every text?")
    if dim is not None and array.shape[1] != dim:
        raise ValueError(f"the vectors have {array.shape[1]} dimensions but the collection expects {dim}: "
                         "were they made by another embedding model?")
    label = "ids" if ids is not None else "rows"
    names = list(ids) if ids is not None else list(range(len(array)))
    if ids is not None and len(names) != len(array):
        raise ValueError(f"got {len(names)} ids for {len(array)} vectors: give exactly one id per vector")
    bad = np.flatnonzero(~np.isfinite(array).all(axis=1))
    if len(bad):
        raise ValueError(f"{len(bad)} of {len(array)} vectors contain NaN or infinite values: "
                         f"{label} {_listed(names[i] for i in bad)}. Embeddings like these usually come from an "
                         "empty text or a failed model call: fix or drop those rows before inserting.")
    if not allow_zero:
        zero = np.flatnonzero(~array.any(axis=1))
        if len(zero):
            raise ValueError(f"{len(zero)} of {len(array)} vectors are all zeros: {label} {_listed(names[i] for i in zero)}. "
                             "Their cosine similarity to anything is undefined; drop them "
                             "(or pass allow_zero=True if you really mean to store them).")
    if ids is not None:
        repeated = {k: n for k, n in Counter(names).items() if n > 1}
        if repeated:
            listed = _listed(f"{k!r} ({n} times)" if isinstance(k, str) else f"{k} ({n} times)"
                             for k, n in repeated.items())
            what = "1 id occurs" if len(repeated) == 1 else f"{len(repeated)} ids occur"
            raise ValueError(f"{what} more than once: {listed}. Milvus Lite keeps only the last "
                             "row written for an id, so the others would vanish without an error: make the ids unique "
                             "(or call upsert on purpose to replace rows).")
    return np.ascontiguousarray(array)


# ---------------------------------------------------------------- Milvus Lite databases
@contextmanager
def without_proxies():
    """Hide the proxy settings from what starts inside: a Milvus server and a client that connects to it.

    The embedded Milvus server's parts (root coordinator, proxy, data and query nodes) call each other
    over gRPC at this machine's network address, not at 127.0.0.1, and Go's gRPC sends such calls to an
    HTTP(S) proxy set in the environment. With a proxy set (a company network; the course's offline test
    closes the network that way) ``default_server.start()`` waits 3 minutes and fails with
    "Milvus not startd". The variables come back when the block ends, also after an error.

    >>> with without_proxies():                                              # doctest: +SKIP
    ...     default_server.start()
    """
    hidden = {name: os.environ.pop(name) for name in PROXY_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(hidden)


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def _lite_path(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be the path of a Milvus Lite database, a folder ending in .db "
                        f"(e.g. generated_dir('06_milvus') / 'texts.db'), not {type(path).__name__}")
    path = Path(path)
    if path.suffix != ".db":
        raise ValueError(f"a Milvus Lite database path must end with .db (pymilvus decides by the name), not {str(path)!r}")
    return path


def connect_lite(path):
    """A ``MilvusClient`` on the Milvus Lite database at ``path`` (a folder ending in ``.db``).

    Creates the parent folder. Milvus Lite lets one process at a time open a database: when
    another process holds it, this raises :class:`DatabaseLockedError` saying so, instead of
    pymilvus's bare "Open local milvus failed" and a logged traceback.
    """
    from pymilvus import MilvusClient
    from pymilvus.exceptions import ConnectionConfigException

    path = _lite_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Milvus Lite logs the real cause (DataDirLockedError) and pymilvus raises a generic error;
    # capture the log record to tell the learner what happened.
    logger = logging.getLogger("milvus_lite.server_manager")
    capture, propagate, level = _Capture(), logger.propagate, logger.level
    logger.addHandler(capture)
    logger.propagate = False
    # Inside quiet_milvus_logs the record would not even be made, and the learner would get the bare
    # "Open local milvus failed": let it through to the capture (and only there; propagate is off).
    logger.setLevel(logging.ERROR)
    try:
        return MilvusClient(str(path))
    except ConnectionConfigException as error:
        causes = [record.exc_info[1] for record in capture.records if record.exc_info]
        if any(type(cause).__name__ == "DataDirLockedError" for cause in causes):
            raise DatabaseLockedError(
                f"Another process holds the Milvus Lite database {path}: Milvus Lite lets only one process "
                "open a database at a time. Usually it is another notebook kernel (or a script) that opened "
                "the same path: in that process call vectordb.release_lite(path) (client.close() alone keeps "
                "the lock), or shut that kernel down, then try again. To work in parallel, give each process "
                "its own .db path, or use a Milvus server."
            ) from None
        detail = f": {causes[0]}" if causes else ""
        raise type(error)(message=f"{error.message} for {path}{detail}") from None
    finally:
        logger.removeHandler(capture)
        logger.propagate = propagate
        logger.setLevel(level)


def release_lite(path) -> bool:
    """Stop this process's Milvus Lite server for ``path``, so that another process may open it.

    Milvus Lite 3 runs its server in a thread of the process that first opened the path and
    keeps the folder locked until that process exits: ``client.close()`` only closes the
    connection. Returns True if a server was running. Clients on that path stop working.
    """
    from milvus_lite.server_manager import server_manager_instance

    path = _lite_path(path)
    running = os.path.abspath(path) in getattr(server_manager_instance, "_servers", {})
    server_manager_instance.release_server(str(path))
    return running


def remove_lite(path) -> None:
    """Release the database at ``path`` (see :func:`release_lite`) and delete its folder."""
    path = _lite_path(path)
    release_lite(path)
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():  # a milvus-lite 2.x database was a single file
        path.unlink()


def index_files(path, collection: str) -> dict[str, list[str]]:
    """For a Milvus Lite database: each stored segment (data file) of ``collection`` and the
    index files built for it so far.

    Milvus Lite builds indexes for newly flushed segments in a background thread, and
    ``describe_index`` reports ``Finished`` regardless, so this is the way to see that an
    index really exists on disk. A segment with an empty list is still searched exactly.
    """
    folder = _lite_path(path) / "collections" / collection / "partitions"
    if not folder.is_dir():
        raise ValueError(f"no collection {collection!r} stored under {path}")
    segments: dict[str, list[str]] = {}
    for data_file in sorted(folder.glob("*/data/*.parquet")):
        indexes = data_file.parent.parent / "indexes"
        segments[data_file.stem] = sorted(p.name for p in indexes.glob(f"{data_file.stem}.*.idx"))
    return segments


def wait_for_index(path, collection: str, timeout: float = 120.0, poll: float = 0.2) -> dict[str, list[str]]:
    """Wait until every stored segment of ``collection`` has its index file (see :func:`index_files`).

    Use it after a flush into a Milvus Lite collection whose index was declared beforehand:
    until the background build finishes, searches of that segment are exact, so recall and
    latency measured too early would measure exact search. Returns :func:`index_files`.
    Raises ``TimeoutError`` after ``timeout`` seconds.
    """
    import time

    start = time.monotonic()
    while True:
        segments = index_files(path, collection)
        if all(segments.values()):
            return segments
        if time.monotonic() - start > timeout:
            waiting = [name for name, files in segments.items() if not files]
            raise TimeoutError(f"no index built after {timeout:.0f} s for segments {_listed(waiting)} of {collection!r}: "
                               "was an index declared (client.list_indexes) and the collection loaded?")
        time.sleep(poll)


# ---------------------------------------------------------------- collections
def _check_client(client) -> None:
    # Without this, None gives "'NoneType' object has no attribute 'has_collection'".
    if not all(callable(getattr(client, method, None)) for method in ("insert", "query", "has_collection")):
        raise TypeError(f"client must be a pymilvus MilvusClient, e.g. vectordb.connect_lite(path), "
                        f"not {type(client).__name__}")


#: Vector index types Milvus Lite 3.2.2 builds, and those only Milvus servers know. Any other name is a
#: typo: Milvus Lite accepts it and never builds it (searches stay exact, describe_index says Finished).
LITE_INDEX_TYPES = ("FLAT", "BRUTE_FORCE", "IVF_FLAT", "IVF_SQ8", "HNSW", "HNSW_SQ", "AUTOINDEX")
SERVER_INDEX_TYPES = ("IVF_PQ", "IVF_RABITQ", "HNSW_PQ", "HNSW_PRQ", "DISKANN", "SCANN", "GPU_CAGRA",
                      "GPU_IVF_FLAT", "GPU_IVF_PQ", "GPU_BRUTE_FORCE", "BIN_FLAT", "BIN_IVF_FLAT",
                      "SPARSE_INVERTED_INDEX", "SPARSE_WAND")
#: Build parameters that must be whole numbers of at least 1 (Milvus Lite stores "x" or -3 without a word).
_COUNT_PARAMS = ("nlist", "M", "efConstruction", "m", "nbits")


def index_params(client, index_type: str, metric_type: str = "COSINE", field: str = "vector", **build_params):
    """``IndexParams`` for one vector field whose build parameters (``nlist``, ``M``,
    ``efConstruction``...) Milvus Lite really uses.

    pymilvus 3 sends ``add_index(..., params={"nlist": 64})`` as separate key-value pairs;
    Milvus Lite 3.2.2 reads build parameters only from a JSON ``params`` entry, so it ignores
    them and builds with its defaults (IVF ``nlist=128``; HNSW ``M=16, efConstruction=200``)
    without a word. Nested under ``params`` (the older wire format, which Milvus servers read
    too) they arrive; ``client.describe_index`` then lists them under ``params``.

    >>> spec = index_params(client, "HNSW", M=16, efConstruction=100)          # doctest: +SKIP
    """
    _check_client(client)
    if not isinstance(index_type, str) or index_type.upper() not in LITE_INDEX_TYPES + SERVER_INDEX_TYPES:
        raise ValueError(f"unknown index type {index_type!r}: Milvus Lite builds {', '.join(LITE_INDEX_TYPES)} "
                         "(a Milvus server also knows IVF_PQ, DISKANN, SCANN and more). Milvus Lite would accept "
                         "the name and never build it")
    bad = {k: v for k, v in build_params.items()
           if k in _COUNT_PARAMS and not is_whole_number(v, numpy_ok=True)}
    if bad:
        raise ValueError(f"index build parameters {bad} must be whole numbers of at least 1 "
                         "(e.g. nlist=64, M=16, efConstruction=100)")
    spec = client.prepare_index_params()
    spec.add_index(field, index_type=index_type, metric_type=metric_type,
                   params={"params": build_params} if build_params else None)
    return spec


def fresh_collection(client, name: str, schema, index_params=None, **kwargs) -> None:
    """Drop ``name`` if it exists, then create it with ``schema`` (and ``index_params`` if given).

    Re-running a notebook then always starts from an empty collection. Extra keyword
    arguments go to ``client.create_collection`` (e.g. ``consistency_level``).
    """
    _check_client(client)
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be the collection's name, a non-empty string such as 'texts', not {name!r}")
    if schema is None:
        raise ValueError("schema is None: build one with MilvusClient.create_schema() and add_field(...) "
                         "(lesson 06 shows how)")
    if client.has_collection(name):
        client.drop_collection(name)
    client.create_collection(name, schema=schema, index_params=index_params, **kwargs)


def _vector_field(client, name: str, vector_field: str) -> int:
    for field in client.describe_collection(name)["fields"]:
        if field["name"] == vector_field:
            return int(field["params"]["dim"])
    raise ValueError(f"collection {name!r} has no field {vector_field!r}")


def insert_checked(client, name: str, rows, *, batch_size: int = 1000, progress: bool = True,
                   vector_field: str = "vector", id_field: str = "id", flush: bool = True) -> int:
    """Check ``rows`` with :func:`check_vectors`, insert them in batches, flush; return the count.

    ``rows`` is a list of dicts (or a DataFrame) with one key per schema field. Nothing is
    written if the check fails. Ids are checked for duplicates within ``rows`` only (to replace
    rows already stored, use ``client.upsert``). The flush writes the rows to disk; without
    it Milvus Lite keeps them in memory and every search scans them without an index.
    """
    from tqdm.auto import tqdm

    _check_client(client)
    if not is_whole_number(batch_size):
        raise ValueError(f"batch_size must be a whole number of rows of at least 1 (e.g. 1000), not {batch_size!r}")
    if rows is None or isinstance(rows, (str, dict)):
        raise TypeError(f"rows must be a list of dicts (one per row) or a DataFrame, not {type(rows).__name__}")
    if hasattr(rows, "to_dict"):
        rows = rows.to_dict("records")
    rows = list(rows)
    if not rows:
        raise ValueError(f"no rows to insert into {name!r}")
    missing = [k for k, row in enumerate(rows) if vector_field not in row or id_field not in row]
    if missing:
        raise ValueError(f"rows {_listed(missing)} lack the {vector_field!r} or {id_field!r} field")
    vectors = check_vectors([row[vector_field] for row in rows], ids=[row[id_field] for row in rows],
                            dim=_vector_field(client, name, vector_field))
    starts = range(0, len(rows), batch_size)
    inserted = 0
    for start in tqdm(starts, desc=f"insert into {name}", unit="batch", disable=not progress):
        batch = [{**row, vector_field: vectors[k]} for k, row in enumerate(rows[start:start + batch_size], start)]
        inserted += client.insert(name, batch)["insert_count"]
    if flush:
        client.flush(name)
    return inserted


def count_rows(client, name: str, filter: str = "") -> int:
    """How many rows ``name`` holds (matching ``filter`` if given), by a ``count(*)`` query."""
    _check_client(client)
    result = client.query(name, filter=filter, output_fields=["count(*)"])
    return int(result[0]["count(*)"])


def hits_frame(hits: Iterable[dict], digits: int = 3, fields: Sequence[str] | None = None):
    """One query's search hits as a table: id, score (the ``distance``; for COSINE the
    similarity, higher is closer) rounded to ``digits``, then the returned fields.

    The fields come in the order of ``fields``, else sorted by name: a Milvus server does not
    return them in a fixed order, and a notebook's output must not change from run to run.
    """
    import pandas as pd

    if hits is None or isinstance(hits, (str, dict)):
        raise TypeError(f"hits must be one query's results, client.search(...)[0], not {type(hits).__name__}")
    hits = list(hits)
    not_hits = [k for k, hit in enumerate(hits) if not (hasattr(hit, "get") and "id" in hit and "distance" in hit)]
    if not_hits:
        first = hits[not_hits[0]]
        hint = (" It is a list of hits: pass one query's results, client.search(...)[0]"
                if isinstance(first, (list, tuple)) or type(first).__name__ == "HybridHits" else "")
        raise TypeError(f"hits[{not_hits[0]}] is not a search hit (a dict with 'id' and 'distance'): "
                        f"{str(first)[:80]}.{hint}")
    if fields is None:
        fields = sorted({name for hit in hits for name in hit.get("entity", {})} - {"id", "score"})
    rows = [{"id": hit["id"], "score": round(float(hit["distance"]), digits),
             **{name: hit.get("entity", {}).get(name) for name in fields}} for hit in hits]
    return pd.DataFrame(rows, columns=["id", "score", *fields])
