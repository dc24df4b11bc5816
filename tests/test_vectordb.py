"""The Milvus plumbing on a real Milvus Lite database with real MiniLM embeddings (no mocks; marked slow),
and check_vectors on vectors of the same shape (fast)."""

import logging
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from pymilvus import DataType, MilvusClient
from pymilvus.exceptions import MilvusException

from embedding_course import data, models, vectordb

TEXTS = [
    "The bushfire forced hundreds of residents to leave their homes.",
    "Firefighters kept the blaze away from the town overnight.",
    "The rocket lifted off and put the satellite into orbit.",
    "Astronauts repaired the space station's solar panels.",
    "The film's plot is predictable but the acting is superb.",
    "A dull, overlong movie with nothing new to say.",
]


@pytest.fixture(scope="module")
def vectors(minilm):
    return models.embed(TEXTS, minilm)


@pytest.fixture(scope="module")
def unit_vectors():
    """One float32 unit vector of 384 dimensions per text, as MiniLM gives, without loading it."""
    rows = np.random.default_rng(0).normal(size=(len(TEXTS), 384)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "sub" / "test.db"  # the parent does not exist yet: connect_lite creates it
    yield path
    vectordb.remove_lite(path)


def _schema(dim):
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("text", DataType.VARCHAR, max_length=2000)
    return schema


def _index(client, index_type="FLAT", **params):
    index_params = client.prepare_index_params()
    index_params.add_index("vector", index_type=index_type, metric_type="COSINE", params=params)
    return index_params


def _rows(vectors, texts=TEXTS):
    return [{"id": k, "vector": v, "text": t} for k, (v, t) in enumerate(zip(vectors, texts))]


# ---------------------------------------------------------------- check_vectors
def test_check_vectors_accepts_embeddings(unit_vectors):
    checked = vectordb.check_vectors(unit_vectors.astype(np.float64).tolist(), ids=list(range(len(TEXTS))), dim=384)
    assert checked.dtype == np.float32 and checked.shape == (len(TEXTS), 384) and checked.flags.c_contiguous
    np.testing.assert_allclose(checked, unit_vectors, rtol=1e-6)


@pytest.mark.parametrize("make_bad, ids, dim, words", [
    (lambda v: v[:, :100], None, 384, ["100 dimensions", "expects 384"]),
    (lambda v: v[0], None, None, ["2-D", "1-D"]),
    (lambda v: v[None], None, None, ["2-D", "3-D"]),
    (lambda v: v[:0], None, None, ["0 rows"]),
    (lambda v: [list(v[0]), list(v[1][:10])], None, None, ["different lengths"]),
    (lambda v: ["a text", "another"], None, None, ["numbers", "text"]),
    (lambda v: np.where(np.arange(6)[:, None] == 4, np.nan, v), None, None, ["NaN", "rows 4"]),
    (lambda v: np.where(np.arange(6)[:, None] == 2, np.inf, v), list("abcdef"), None, ["infinite", "ids c"]),
    (lambda v: np.where(np.arange(6)[:, None] == 5, 0.0, v), None, None, ["all zeros", "rows 5"]),
    (lambda v: v, [7, 8, 7, 9, 8, 1], None, ["2 ids occur more than once", "7 (2 times)", "8 (2 times)"]),
    (lambda v: v, [1, 2, 3], None, ["3 ids for 6 vectors"]),
])
def test_check_vectors_names_the_problem(unit_vectors, make_bad, ids, dim, words):
    with pytest.raises(ValueError) as caught:
        vectordb.check_vectors(make_bad(unit_vectors), ids=ids, dim=dim)
    for word in words:
        assert word in str(caught.value)


def test_check_vectors_lists_only_the_first_offenders(unit_vectors):
    many = np.repeat(unit_vectors, 5, axis=0)  # 30 rows
    many[3:28] = np.nan
    with pytest.raises(ValueError, match=r"25 of 30 vectors .* rows 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 15 more"):
        vectordb.check_vectors(many)
    assert vectordb.check_vectors(np.zeros((2, 3)), allow_zero=True).shape == (2, 3)


# ---------------------------------------------------------------- a Milvus Lite database
@pytest.mark.slow
def test_insert_search_count_on_milvus_lite(db, vectors, minilm):
    client = vectordb.connect_lite(db)
    vectordb.fresh_collection(client, "texts", _schema(384), _index(client))
    assert vectordb.insert_checked(client, "texts", _rows(vectors), batch_size=4, progress=False) == len(TEXTS)
    assert vectordb.count_rows(client, "texts") == len(TEXTS)
    assert vectordb.count_rows(client, "texts", filter="id >= 4") == 2
    query = models.embed(["Which movie had great acting?"], minilm)
    hits = vectordb.hits_frame(client.search("texts", data=query, limit=3, output_fields=["text"])[0])
    assert list(hits.columns) == ["id", "score", "text"]
    assert hits["id"].iloc[0] == 4 and hits["score"].is_monotonic_decreasing
    raw = client.search("texts", data=query, limit=2, output_fields=["text", "id"])[0]
    assert list(vectordb.hits_frame(raw).columns) == ["id", "score", "text"]  # fixed order, no second id
    assert vectordb.hits_frame(raw, fields=["text"]).equals(vectordb.hits_frame(raw))
    # fresh_collection really starts over
    vectordb.fresh_collection(client, "texts", _schema(384), _index(client))
    assert vectordb.count_rows(client, "texts") == 0
    client.close()


@pytest.mark.slow
def test_insert_checked_writes_nothing_when_a_row_is_bad(db, vectors):
    client = vectordb.connect_lite(db)
    vectordb.fresh_collection(client, "texts", _schema(384), _index(client))
    rows = _rows(vectors)
    rows[3]["vector"] = np.full(384, np.nan, dtype=np.float32)
    with pytest.raises(ValueError, match="ids 3"):
        vectordb.insert_checked(client, "texts", rows, batch_size=2, progress=False)
    rows = _rows(vectors)
    rows[5]["id"] = 0
    with pytest.raises(ValueError, match=r"0 \(2 times\)"):
        vectordb.insert_checked(client, "texts", rows, progress=False)
    with pytest.raises(ValueError, match="expects 384"):
        vectordb.insert_checked(client, "texts", [{"id": 1, "vector": [0.1, 0.2], "text": "x"}], progress=False)
    assert vectordb.count_rows(client, "texts") == 0
    client.close()


@pytest.mark.slow
def test_milvus_lite_itself_accepts_what_check_vectors_refuses(db, vectors):
    """The reason for check_vectors: without it these inserts 'succeed'. If a Milvus Lite release
    starts refusing them, this test fails and the lessons' text must change."""
    client = vectordb.connect_lite(db)
    vectordb.fresh_collection(client, "texts", _schema(384), _index(client))
    rows = _rows(vectors[:3]) + [{"id": 0, "vector": np.full(384, np.nan, dtype=np.float32), "text": "nan twin"}]
    assert client.insert("texts", rows)["insert_count"] == 4
    client.flush("texts")
    assert vectordb.count_rows(client, "texts") == 3  # the duplicate id replaced row 0
    hits = client.search("texts", data=vectors[:1], limit=3, output_fields=["text"])[0]
    assert any(np.isnan(hit["distance"]) for hit in hits)
    client.close()


@pytest.mark.slow
def test_quiet_milvus_logs_hides_the_logged_traceback_but_not_the_error(db, vectors, capfd):
    client = vectordb.connect_lite(db)
    vectordb.fresh_collection(client, "texts", _schema(384), _index(client))
    level = logging.getLogger("pymilvus").level
    with vectordb.quiet_milvus_logs(), pytest.raises(MilvusException, match="dim"):
        client.insert("texts", [{"id": 1, "vector": [0.1] * 10, "text": "wrong dimension"}])
    assert capfd.readouterr().err == ""
    assert logging.getLogger("pymilvus").level == level
    client.close()


def test_connect_lite_needs_a_db_path(tmp_path):
    with pytest.raises(ValueError, match=r"\.db"):
        vectordb.connect_lite(tmp_path / "folder")


_REOPEN = textwrap.dedent("""
    import sys
    from embedding_course import vectordb
    try:
        client = vectordb.connect_lite(sys.argv[1])
    except vectordb.DatabaseLockedError as error:
        print("LOCKED", error)
        raise SystemExit(0)
    print("rows", vectordb.count_rows(client, "texts"))
    client.load_collection("texts")
    print("first", client.get("texts", ids=[0], output_fields=["text"])[0]["text"])
""")


@pytest.mark.slow
def test_a_second_process_gets_a_clear_error_until_the_first_releases(db, vectors):
    client = vectordb.connect_lite(db)
    vectordb.fresh_collection(client, "texts", _schema(384), _index(client))
    vectordb.insert_checked(client, "texts", _rows(vectors), progress=False)
    client.close()  # closes the connection only: this process still holds the folder

    def other_process():
        done = subprocess.run([sys.executable, "-c", _REOPEN, str(db)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done

    locked = other_process()
    assert locked.stdout.startswith("LOCKED Another process holds the Milvus Lite database")
    assert "release_lite" in locked.stdout and "Traceback" not in locked.stderr
    assert vectordb.release_lite(db) is True
    assert vectordb.release_lite(db) is False  # nothing left to release
    reopened = other_process()
    assert reopened.stdout.splitlines() == ["rows 6", f"first {TEXTS[0]}"]


@pytest.mark.slow
def test_index_params_reach_milvus_lite(db):
    """pymilvus 3's flat form is dropped by Milvus Lite 3.2.2; the nested form of index_params is kept."""
    client = vectordb.connect_lite(db)
    vectordb.fresh_collection(client, "documented", _schema(384), _index(client, "IVF_FLAT", nlist=64))
    vectordb.fresh_collection(client, "nested", _schema(384), vectordb.index_params(client, "IVF_FLAT", nlist=64))
    assert "nlist" not in str(client.describe_index("documented", "vector"))  # silently dropped
    described = client.describe_index("nested", "vector")
    assert described["params"] == {"nlist": 64} and described["index_type"] == "IVF_FLAT"
    assert "params" not in client.describe_index("documented", "vector")
    flat = vectordb.index_params(client, "FLAT")
    vectordb.fresh_collection(client, "flat", _schema(384), flat)
    assert client.describe_index("flat", "vector")["index_type"] == "FLAT"
    client.close()


@pytest.mark.slow
def test_index_files_show_the_background_build(db, vectors):
    client = vectordb.connect_lite(db)
    # An index declared at creation is built after each flush, in a background thread.
    vectordb.fresh_collection(client, "texts", _schema(384), vectordb.index_params(client, "HNSW", M=8, efConstruction=32))
    paragraphs = data.course_paragraphs()["text"].tolist()[:40]
    vecs = models.embed(paragraphs)
    vectordb.insert_checked(client, "texts", _rows(vecs, paragraphs), progress=False)
    segments = vectordb.wait_for_index(db, "texts", timeout=60)
    assert segments == vectordb.index_files(db, "texts") and len(segments) == 1
    assert all(files and files[0].endswith(".vector.hnsw.idx") for files in segments.values())
    with pytest.raises(ValueError, match="no collection"):
        vectordb.index_files(db, "missing")
    # No index declared: nothing is ever built, and waiting says so instead of hanging.
    vectordb.fresh_collection(client, "plain", _schema(384))
    vectordb.insert_checked(client, "plain", _rows(vectors), progress=False)
    with pytest.raises(TimeoutError, match="no index built"):
        vectordb.wait_for_index(db, "plain", timeout=1)
    client.close()


@pytest.mark.slow
def test_remove_lite_releases_and_deletes(db, vectors):
    client = vectordb.connect_lite(db)
    vectordb.fresh_collection(client, "texts", _schema(384), _index(client))
    vectordb.insert_checked(client, "texts", _rows(vectors), progress=False)
    client.close()
    assert db.is_dir()
    vectordb.remove_lite(db)
    assert not db.exists()
    client = vectordb.connect_lite(db)  # a new, empty database on the same path
    assert client.list_collections() == []
    client.close()
