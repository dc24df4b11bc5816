"""The checks of lesson 06 · A vector database: Milvus Lite, then a Milvus server."""

from __future__ import annotations

import numpy as np

from .core import Wrong, call, cosine, exercise, model_or_default, nonempty_text


def _ids(values, name: str) -> list[int]:
    try:
        ids = [int(v) for v in values]
    except (TypeError, ValueError):
        raise Wrong(f"{name} should be a list of ids (whole numbers), e.g. [hit['id'] for hit in hits[0]].") from None
    return ids


@exercise("06.1", "filter and verify", "ids")
def check_filtered_search(ids, query, corpus, vectors, model=None):
    """The ids of the 3 texts nearest to ``query`` among the ``sci.space`` rows, as Milvus returned them.

    ``corpus`` (with a ``label`` column) and ``vectors`` are the rows and embeddings that were inserted,
    with row number = id; the check computes NumPy's exact top 3 among the sci.space rows.

    >>> exercises.check_filtered_search([12, 7, 3], "rockets and launch costs", corpus, vectors, model)  # doctest: +SKIP
    """
    ids = _ids(ids, "ids")
    labels = np.asarray(corpus["label"], dtype=str)
    if len(ids) != 3:
        raise Wrong(f"you gave {len(ids)} ids: ask the search for the 3 nearest texts (limit=3).")
    outside = [i for i in ids if not 0 <= i < len(labels)]
    if outside:
        raise Wrong(f"id {outside[0]} is not a row of the collection (ids run from 0 to {len(labels) - 1}).")
    other = [i for i in ids if labels[i] != "sci.space"]
    if other:
        raise Wrong(f"id {other[0]} is labelled {str(labels[other[0]])!r}: give search a filter that keeps only "
                    "rows whose label is \"sci.space\".")
    query_vector = model_or_default(model).encode([nonempty_text(query, "query")], normalize_embeddings=True)[0]
    scores = np.asarray(vectors, dtype=np.float32) @ query_vector
    space = np.flatnonzero(labels == "sci.space")
    expected = space[np.argsort(-scores[space], kind="stable")[:3]].tolist()
    if ids == expected:
        return (f"the same 3 sci.space texts, in the same order, as NumPy's exact search over the {len(space)} "
                f"sci.space rows (cosines {', '.join(f'{scores[i]:.3f}' for i in ids)}).")
    if sorted(ids) == sorted(expected):
        raise Wrong("the right 3 texts, but not in order of similarity: keep the order the search returned (best first).")
    found = len(set(ids) & set(expected))
    raise Wrong(f"{found} of your 3 ids are among NumPy's exact top 3 of the sci.space texts. Did you embed the query "
                "with the same model, search the collection with every row, and use a FLAT (exact) index?")


@exercise("06.2", "upsert replaces, insert adds", "new_text")
def check_upsert(client, collection: str, row_id: int, new_text, expected_count: int, model=None):
    """Row ``row_id`` must hold ``new_text`` and its embedding, and the row count must not have changed.

    >>> exercises.check_upsert(ex_client, "texts", 5, "My own sentence.", len(corpus), model)  # doctest: +SKIP
    """
    from .. import vectordb

    new_text = nonempty_text(new_text, "new_text")
    count = vectordb.count_rows(client, collection)
    rows = client.get(collection, ids=[row_id], output_fields=["text", "vector"])
    if not rows:
        raise Wrong(f"there is no row with id {row_id} any more: upsert it (with id={row_id}) rather than delete it.")
    if rows[0]["text"] != new_text:
        if count > expected_count:
            raise Wrong(f"the collection has {count - expected_count} row(s) more than before and row {row_id} still "
                        f"holds its old text: insert with a new id adds a row; upsert with id={row_id} replaces row {row_id}.")
        raise Wrong(f"row {row_id} does not hold your text: upsert a row with id={row_id} and your text "
                    "(with its vector, source and label), then flush.")
    stored = np.asarray(rows[0]["vector"], dtype=np.float32)
    expected_vector = model_or_default(model).encode([new_text], normalize_embeddings=True)[0]
    if cosine(stored, expected_vector) < 0.999:
        raise Wrong(f"row {row_id} has your text but a vector that belongs to another text: embed the new text "
                    "and upsert it with its own vector, or searches will find the row by its old meaning.")
    if count != expected_count:
        raise Wrong(f"row {row_id} is right, but the collection now has {count} rows instead of {expected_count}: "
                    "did an insert with another id add a row?")
    return (f"row {row_id} now holds your text and its own vector, and the collection still has {count:,} rows: "
            "upsert replaced the row instead of adding one.")


def _planted(vector, dim: int, position: int, value: float) -> np.ndarray:
    """A copy of a good ``vector`` with one value replaced: a single bad number among good ones."""
    copy = np.array(vector, dtype=np.float32).reshape(dim)
    copy[position] = value
    return copy


@exercise("06.3", "clean rows before inserting", "clean_rows")
def check_clean_rows(clean_rows, rows):
    """A function that drops rows whose vector contains a NaN or an infinite value or is all zeros, and keeps the last
    row of a repeated id.

    ``rows``: at least 20 of the lesson's rows (dicts with ``id`` and ``vector``); the check mixes in bad ones: a
    single NaN, a single +inf or -inf among good values, an all-zero vector; a good vector with one value exactly 0
    (which must stay); and one id written three times.

    >>> exercises.check_clean_rows(clean_rows, rows[:50])                       # doctest: +SKIP
    """
    import copy

    from .. import vectordb

    good = [dict(row) for row in list(rows)[:20]]
    if len(good) < 20:
        raise ValueError("pass at least 20 of the lesson's rows")
    dim = len(good[0]["vector"])
    new_id = max(int(r["id"]) for r in good) + 1
    middle = dim // 2
    bad_vectors = {"one NaN among its values": _planted(good[1]["vector"], dim, middle, np.nan),
                   "one infinite value (inf) among its values": _planted(good[2]["vector"], dim, 0, np.inf),
                   "one value -inf among its values": _planted(good[4]["vector"], dim, dim - 1, -np.inf),
                   "an all-zero vector": np.zeros(dim, dtype=np.float32)}
    bad = [dict(good[0], id=new_id + k, vector=vector, text=f"a row with {kind}")
           for k, (kind, vector) in enumerate(bad_vectors.items())]
    good[6] = dict(good[6], vector=_planted(good[6]["vector"], dim, middle, 0.0))  # one exact 0: still a good vector
    middle_copy = dict(good[3], vector=good[12]["vector"], text="a later row with the same id")
    repeated = dict(good[3], vector=good[15]["vector"], text="the last row with the same id")
    batch = good[:8] + bad[:2] + [middle_copy] + good[8:14] + bad[2:] + [repeated] + good[14:]
    result = call(clean_rows, copy.deepcopy(batch), what="clean_rows")
    try:
        kept = [dict(row) for row in result]
        kept_ids = [row["id"] for row in kept]
    except (TypeError, KeyError, ValueError):
        raise Wrong("clean_rows should return a list of rows (dicts with an 'id' and a 'vector'), like its input.") from None
    for row, kind in zip(bad, bad_vectors):
        if row["id"] in kept_ids:
            raise Wrong(f"the row with id {row['id']} has {kind} and is still there: one bad value is enough to make "
                        "a vector useless.")
    if good[6]["id"] not in kept_ids:
        raise Wrong(f"you dropped the row with id {good[6]['id']}: its vector has one value that is exactly 0 and "
                    "every other value finite and non-zero, a good vector. Drop only vectors that are zero everywhere.")
    if len(kept_ids) != len(set(kept_ids)):
        twice = sorted({i for i in kept_ids if kept_ids.count(i) > 1})
        raise Wrong(f"id {twice[0]} is still in the result more than once: keep one row per id.")
    missing = sorted({row["id"] for row in good} - set(kept_ids))
    if missing:
        raise Wrong(f"you dropped {len(missing)} good row(s) (ids {', '.join(map(str, missing[:5]))}): "
                    "drop only bad vectors and the earlier copies of a repeated id.")
    if len(kept) != len(good):
        raise Wrong(f"the result has {len(kept)} rows; there should be one per distinct good id ({len(good)}).")
    chosen = next(row for row in kept if row["id"] == repeated["id"])
    if chosen.get("text") != repeated["text"]:
        which = "first" if chosen.get("text") == good[3].get("text") else "second"
        raise Wrong(f"id {repeated['id']} comes three times and you kept its {which} row; Milvus Lite keeps the last "
                    "one written, so keep that one (a later row is a newer version).")
    vectordb.check_vectors([row["vector"] for row in kept], ids=kept_ids, dim=dim)
    return ("a single NaN, inf or -inf is enough to drop a row, and so is an all-zero vector; a vector with one 0 "
            "stays; the last of three rows with one id is kept, and vectordb.check_vectors accepts what is left.")
