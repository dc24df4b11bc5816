"""Milvus Lite when a process dies: a process killed (SIGKILL) during a batch insert leaves a database
that a new process opens, with every batch flushed before the kill there, row for row.

A child process inserts real vectors (GloVe 6B-50d word vectors, 10,000 words a batch) with
``vectordb.insert_checked`` (insert, then flush) and writes a line to a report file, synced to
disk, before each insert and after each flush. While it works, this process tries the same
database and must get the course's ``DatabaseLockedError`` (inside ``quiet_milvus_logs``, which must
not hide its cause). The test kills the child once it has started its fourth batch (on a busy machine
it may be further along), then a new process opens the database and counts the rows of every batch:
each flushed batch complete, the interrupted one complete or absent, never half there.
(A second process opening a database that a live process holds is also tested, the other way
round, in tests/test_vectordb.py.)

The last tests start lesson 06's embedded Milvus server with every proxy at a closed port, as
tools/run_notebooks_robust.sh does: it never comes up unless ``vectordb.without_proxies`` hides them
(about 45 s, most of it the 30 s the failing start is given).

The kill test and the server test are marked ``slow`` (the server test also ``robust``: it runs lesson 06's
server in the closed network of tools/run_notebooks_robust.sh); ``make test-unit`` runs only the proxy test.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from embedding_course import models, vectordb

BATCH = 10_000  # about a second to insert and flush on 2 cores, so the kill lands inside a batch
BATCHES = 20  # far more than get written before the kill: the child is always mid-way when it dies
KILL_DURING = 3  # the child is killed once it has started batch 3 (batches 0-2 are flushed by then)

CHILD = textwrap.dedent("""
    import os, sys
    import numpy as np
    from pymilvus import DataType, MilvusClient
    from embedding_course import vectordb

    path, vectors_file, report_file, batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    vectors = np.load(vectors_file)
    report = open(report_file, "a")

    def say(line):  # on disk before the next step: what the report says happened, happened
        report.write(line + "\\n")
        report.flush()
        os.fsync(report.fileno())

    client = vectordb.connect_lite(path)
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=vectors.shape[1])
    vectordb.fresh_collection(client, "words", schema, vectordb.index_params(client, "FLAT"))
    say("ready")
    for k in range(len(vectors) // batch):
        rows = [{"id": i, "vector": vectors[i]} for i in range(k * batch, (k + 1) * batch)]
        say(f"inserting {k}")
        vectordb.insert_checked(client, "words", rows, batch_size=batch, progress=False)  # insert + flush
        say(f"flushed {k}")
    say("finished")
""")

READ_BACK = textwrap.dedent("""
    import json, sys
    import numpy as np
    from embedding_course import vectordb

    path, batch, batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    client = vectordb.connect_lite(path)
    client.load_collection("words")
    counts = [vectordb.count_rows(client, "words", filter=f"id >= {k * batch} and id < {(k + 1) * batch}")
              for k in range(batches)]
    sample = [k * batch for k in range(batches) if counts[k]] + [(k + 1) * batch - 1 for k in range(batches) if counts[k]]
    stored = {row["id"]: row["vector"] for row in client.get("words", ids=sample, output_fields=["vector"])}
    first = np.asarray(stored[0], dtype=np.float32)
    hit = client.search("words", data=[first], limit=1)[0][0]
    print(json.dumps({"total": vectordb.count_rows(client, "words"), "counts": counts,
                      "vectors": {str(i): [float(x) for x in v] for i, v in stored.items()},
                      "nearest to row 0": [hit["id"], float(hit["distance"])]}))
""")


def read_report(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.slow
def test_a_process_killed_during_a_batch_insert_loses_no_flushed_batch(tmp_path):
    glove = np.load(models.model_path("glove-6B-50d") / "glove_6B_50d_emb.npy", mmap_mode="r")
    vectors = np.ascontiguousarray(glove[:BATCH * BATCHES], dtype=np.float32)
    vectors_file, report, db = tmp_path / "vectors.npy", tmp_path / "report.txt", tmp_path / "words.db"
    np.save(vectors_file, vectors)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(vectors_file), str(report), str(BATCH)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while "ready" not in read_report(report):
            assert child.poll() is None, f"the inserting process stopped early:\n{child.stderr.read()[-3000:]}"
            assert time.monotonic() < deadline, "the inserting process did not open the database within 120 s"
            time.sleep(0.05)
        # While the child holds the database, this process gets the course's clear error.
        with vectordb.quiet_milvus_logs(), pytest.raises(vectordb.DatabaseLockedError, match="Another process holds"):
            vectordb.connect_lite(db)
        while f"inserting {KILL_DURING}" not in read_report(report):
            assert child.poll() is None, f"the inserting process stopped early:\n{child.stderr.read()[-3000:]}"
            assert time.monotonic() < deadline, f"batch {KILL_DURING} was not started within 120 s"
            time.sleep(0.01)
        time.sleep(0.05)  # into the insert of that batch
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
        vectordb.release_lite(db)  # in case this process's failed attempt left anything registered
    assert child.returncode == -signal.SIGKILL

    lines = read_report(report)
    flushed = [int(line.split()[1]) for line in lines if line.startswith("flushed")]
    started = [int(line.split()[1]) for line in lines if line.startswith("inserting")]
    assert "finished" not in lines and flushed == list(range(len(flushed))) and len(flushed) >= KILL_DURING

    done = subprocess.run([sys.executable, "-c", READ_BACK, str(db), str(BATCH), str(BATCHES)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"a new process could not read the database after the kill:\n{done.stderr[-3000:]}"
    found = json.loads(done.stdout.strip().splitlines()[-1])
    counts = found["counts"]
    for k in flushed:  # every batch flushed before the kill: all of its rows
        assert counts[k] == BATCH, f"batch {k} was flushed before the kill but holds {counts[k]} of {BATCH} rows"
    for k in range(BATCHES):
        if k not in started:
            assert counts[k] == 0, f"batch {k} was never started but holds {counts[k]} rows"
    killed = [k for k in started if k not in flushed]  # the batch the kill interrupted: all or nothing
    assert all(counts[k] in (0, BATCH) for k in killed), f"a half-written batch survived: {counts}"
    assert found["total"] == sum(counts)
    for i, stored in found["vectors"].items():  # the rows hold the vectors that were sent, not just the ids
        np.testing.assert_allclose(stored, vectors[int(i)], rtol=1e-6)
    assert found["nearest to row 0"][0] == 0 and found["nearest to row 0"][1] == pytest.approx(1.0, abs=1e-5)
    print(f"flushed before the kill: batches {flushed}; interrupted batch {killed}: rows {[counts[k] for k in killed]}")


# ---------------------------------------------------------------- a Milvus server behind a proxy
def test_without_proxies_hides_them_and_gives_them_back(monkeypatch):
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "localhost")
    with pytest.raises(RuntimeError), vectordb.without_proxies():
        assert "https_proxy" not in os.environ and os.environ["NO_PROXY"] == "localhost"
        raise RuntimeError("an error inside the block")
    assert os.environ["https_proxy"] == "http://proxy.example:3128"


SERVER = textwrap.dedent("""
    import sys, time
    from milvus import default_server
    from pymilvus import MilvusClient
    from embedding_course import vectordb

    default_server.set_base_dir(sys.argv[1])
    default_server.wait_for_started = False

    def start(seconds):
        begun = time.perf_counter()
        try:
            default_server.start()
            default_server.wait_started(timeout=seconds * 1000)
            client = MilvusClient(uri=f"http://127.0.0.1:{default_server.listen_port}")
            version = client.get_server_version()
            client.close()
            return f"started in {time.perf_counter() - begun:.0f} s, version {version}"
        except TimeoutError:
            return f"not started in {seconds} s"
        finally:
            default_server.stop()

    print("with the proxy:", start(30), flush=True)
    with vectordb.without_proxies():
        print("without_proxies:", start(150), flush=True)
    default_server.cleanup()
""")


@pytest.mark.slow
@pytest.mark.robust
def test_a_milvus_server_starts_behind_a_closed_proxy_only_without_it(tmp_path):
    """Lesson 06's embedded server with every proxy at a closed port, as tools/run_notebooks_robust.sh runs
    it: its parts call each other at this machine's address through the proxy and never come up; inside
    ``without_proxies`` it starts (about 6 s on 2 idle cores)."""
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens there
    env = {**os.environ, "http_proxy": closed, "https_proxy": closed, "HTTP_PROXY": closed, "HTTPS_PROXY": closed,
           "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
    out = subprocess.run([sys.executable, "-c", SERVER, str(tmp_path / "server")], env=env, capture_output=True,
                         text=True, timeout=300)
    lines = [line for line in out.stdout.splitlines() if line.startswith(("with the proxy", "without_proxies"))]
    assert out.returncode == 0 and len(lines) == 2, out.stdout[-2000:] + out.stderr[-2000:]
    assert lines[0] == "with the proxy: not started in 30 s", lines
    assert lines[1].startswith("without_proxies: started in "), lines
