"""Lesson 06 · Milvus: the checks of a filtered search, upsert against insert, and clean rows, on a small Milvus Lite
collection."""

import numpy as np
import pandas as pd
import pytest

from embedding_course import data, exercises, models

from .verdicts import accepted, rejected, unanswered

pytestmark = pytest.mark.slow  # every test here loads a real model


@pytest.fixture(scope="module")
def small_collection(short_minilm, tmp_path_factory):
    """120 newsgroup sentences (both groups) in a Milvus Lite collection shaped like lesson 06's."""
    from pymilvus import DataType, MilvusClient

    from embedding_course import vectordb

    posts = data.newsgroups(clean=True)
    texts = posts["text"].map(lambda t: " ".join(t.split())[:200])
    corpus = pd.DataFrame({"source": "newsgroups", "label": posts["label"], "text": texts})
    corpus = corpus[corpus["text"].str.len() > 20].head(120).reset_index(drop=True)
    vectors = models.embed(corpus["text"].tolist(), short_minilm)
    path = tmp_path_factory.mktemp("milvus") / "texts.db"
    client = vectordb.connect_lite(path)
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=384)
    for name, length in [("text", 1000), ("source", 20), ("label", 20)]:
        schema.add_field(name, DataType.VARCHAR, max_length=length)
    flat = client.prepare_index_params()
    flat.add_index("vector", index_type="FLAT", metric_type="COSINE")
    vectordb.fresh_collection(client, "texts", schema, flat)
    rows = [{"id": i, "vector": vectors[i], "text": r.text, "source": r.source, "label": r.label}
            for i, r in enumerate(corpus.itertuples())]
    vectordb.insert_checked(client, "texts", rows, progress=False)
    yield client, corpus, vectors, rows
    client.close()
    vectordb.remove_lite(path)


def test_06_1_filtered_search(capsys, small_collection, short_minilm):
    client, corpus, vectors, _ = small_collection
    query = "rockets and launch costs"
    query_vector = models.embed([query], short_minilm)
    hits = client.search("texts", data=query_vector, limit=3, filter='label == "sci.space"')[0]
    ids = [hit["id"] for hit in hits]
    accepted(capsys, exercises.check_filtered_search, ids, query, corpus, vectors, short_minilm)
    rejected(capsys, "not in order of similarity", exercises.check_filtered_search, ids[::-1], query, corpus, vectors,
             short_minilm)
    atheism = int(np.flatnonzero(corpus["label"] == "alt.atheism")[0])
    rejected(capsys, "is labelled 'alt.atheism'", exercises.check_filtered_search, ids[:2] + [atheism], query, corpus,
             vectors, short_minilm)


def test_06_2_upsert(capsys, small_collection, short_minilm):
    client, corpus, _, _ = small_collection
    text = "My bicycle has a flat tyre again."
    vector = models.embed([text], short_minilm)[0]
    row = {"id": 5, "vector": vector, "text": text, "source": "mine", "label": "mine"}
    client.insert("texts", [dict(row, id=10_000)])  # an insert with a new id adds a row
    client.flush("texts")
    rejected(capsys, "insert with a new id adds a row", exercises.check_upsert, client, "texts", 5, text, len(corpus),
             short_minilm)
    client.delete("texts", ids=[10_000])
    client.upsert("texts", [dict(row, vector=models.embed(["Something else entirely."], short_minilm)[0])])
    client.flush("texts")
    rejected(capsys, "a vector that belongs to another text", exercises.check_upsert, client, "texts", 5, text,
             len(corpus), short_minilm)
    client.upsert("texts", [row])
    client.flush("texts")
    accepted(capsys, exercises.check_upsert, client, "texts", 5, text, len(corpus), short_minilm)


def _vector(row):
    return np.asarray(row["vector"], dtype=np.float32)


def keep_good(rows, bad=lambda v: not np.isfinite(v).all() or not v.any(), last=True):
    """The right clean_rows by default; ``bad`` and ``last`` make the learners' usual mistakes."""
    kept = {}
    for row in rows:
        if not bad(_vector(row)) and (last or row["id"] not in kept):
            kept[row["id"]] = row
    return list(kept.values())


def test_06_3_clean_rows(capsys, small_collection):
    rows = small_collection[3]
    accepted(capsys, exercises.check_clean_rows, keep_good, rows)
    rejected(capsys, "comes three times and you kept its first row", exercises.check_clean_rows,
             lambda r: keep_good(r, last=False), rows)
    rejected(capsys, "has one infinite value (inf) among its values and is still there", exercises.check_clean_rows,
             lambda r: keep_good(r, bad=lambda v: np.isnan(v).any() or not v.any()), rows)  # NaN only
    unanswered(capsys, exercises.check_clean_rows, lambda r: None, rows)


def test_06_3_one_bad_value_is_enough(capsys, small_collection):
    rows = small_collection[3]
    rejected(capsys, "has one NaN among its values and is still there", exercises.check_clean_rows,
             lambda r: keep_good(r, bad=lambda v: np.isnan(v).all() or np.isinf(v).all() or not v.any()), rows)
    rejected(capsys, "has one value -inf among its values and is still there", exercises.check_clean_rows,
             lambda r: keep_good(r, bad=lambda v: np.isnan(v).any() or (v == np.inf).any() or not v.any()), rows)
    rejected(capsys, "has an all-zero vector and is still there", exercises.check_clean_rows,
             lambda r: keep_good(r, bad=lambda v: not np.isfinite(v).all()), rows)


def test_06_3_a_single_zero_is_a_good_value(capsys, small_collection):
    rows = small_collection[3]
    rejected(capsys, "its vector has one value that is exactly 0", exercises.check_clean_rows,
             lambda r: keep_good(r, bad=lambda v: not np.isfinite(v).all() or not v.all()), rows)  # any 0 dropped
