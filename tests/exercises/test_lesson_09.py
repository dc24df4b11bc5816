"""Lesson 09 · Retrieval that works: the checks of RRF's constant and of a question that BM25 answers first."""

import numpy as np
import pytest

from embedding_course import exercises, models, retrieval
from embedding_course.lessons.l01_sparse_vectors import bm25_weights
from embedding_course.lessons.l09_hybrid_search_and_reranking import analyze, bm25_query_scores, rrf

from .solutions import solution_code
from .verdicts import accepted, rejected

pytestmark = pytest.mark.slow  # every test here embeds the task's 1,472 passages with a real model


@pytest.fixture(scope="module")
def task():
    return retrieval.retrieval_task()


@pytest.fixture(scope="module")
def minilm():
    return models.load_sentence_transformer("all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def passage_vectors(task, minilm):
    return models.embed(task.passages["text"].tolist(), minilm)


@pytest.fixture(scope="module")
def candidate_lists(task, minilm, passage_vectors):
    """The lesson's two lists of 50 candidates per question (row numbers), as the solution builds them."""
    questions = models.embed(task.queries["question"].tolist(), minilm)
    weights, vocabulary = bm25_weights([analyze(t) for t in task.passages["text"]], lucene_idf=True)
    bm25 = np.array([bm25_query_scores(q, weights, vocabulary) for q in task.queries["question"]])
    dense = np.argsort(-(questions @ passage_vectors.T), axis=1, kind="stable")[:, :50].tolist()
    return dense, np.argsort(-bm25, axis=1, kind="stable")[:, :50].tolist()


def test_09_1_rrf_constant(capsys, task, candidate_lists):
    dense, bm25 = candidate_lists
    rrf_recall = solution_code("09", "rrf_recall", np=np, rrf=rrf, dense_lists=dense, bm25_lists=bm25, task=task,
                               passage_ids=task.passages["id"].tolist())["rrf_recall"]
    k1, k60, k1000 = rrf_recall(1), rrf_recall(60), rrf_recall(1000)
    assert k1 != k60  # the constant really changes the ranking here (k = 1000 ranks as k = 60 does)
    printed = accepted(capsys, exercises.check_rrf_constant, k1, k1000, dense, bm25)
    assert f"k = 60 gives {k60:.3f}" in printed
    rejected(capsys, "look swapped", exercises.check_rrf_constant, k1000, k1, dense, bm25)
    rejected(capsys, "what k = 60 gives", exercises.check_rrf_constant, k60, k1000, dense, bm25)
    rejected(capsys, "is not what RRF with k = 1 gives", exercises.check_rrf_constant, k1 + 1 / 108, k1000, dense, bm25)
    rejected(capsys, "between 0 and 1", exercises.check_rrf_constant, 65, 61, dense, bm25)  # percent, not a share
    rejected(capsys, "one per question", exercises.check_rrf_constant, k1, k1000, dense[:10], bm25)
    accepted(capsys, exercises.check_rrf_constant, np.float64(k1), np.float64(k1000), dense, bm25)  # numpy numbers


def test_09_2_bm25_beats_dense(capsys, task, minilm, passage_vectors):
    accepted(capsys, exercises.check_bm25_beats_dense, "Who was Wegener?", "doc-04:0:0", passage_vectors, minilm)
    text = task.passages.set_index("id").loc["doc-04:0:0", "text"]
    rejected(capsys, "leave out at least half", exercises.check_bm25_beats_dense, text, "doc-04:0:0",
             passage_vectors, minilm)  # the sentence itself, copied
    rejected(capsys, "the dense model finds your sentence first too", exercises.check_bm25_beats_dense,
             "Which journal published Malkov's paper?", "doc-13:2:1", passage_vectors, minilm)
    rejected(capsys, "BM25 puts another passage first", exercises.check_bm25_beats_dense,
             "What is firn?", "doc-12:0:2", passage_vectors, minilm)
    rejected(capsys, "BM25 puts another passage first", exercises.check_bm25_beats_dense,
             "Who was Wegener?", "doc-04:1:0", passage_vectors, minilm)  # right question, wrong sentence
    rejected(capsys, "is not a passage id", exercises.check_bm25_beats_dense, "Who was Wegener?", "doc-04",
             passage_vectors, minilm)
    rejected(capsys, "not a news sentence", exercises.check_bm25_beats_dense, "Who was Wegener?", "lee:0",
             passage_vectors, minilm)
    rejected(capsys, "pass the lesson's passage_vectors", exercises.check_bm25_beats_dense, "Who was Wegener?",
             "doc-04:0:0", passage_vectors[:10], minilm)


def test_09_templates_say_not_answered(capsys, candidate_lists, passage_vectors, minilm):
    dense, bm25 = candidate_lists
    for check, args in [(exercises.check_rrf_constant, (None, None, dense, bm25)),
                        (exercises.check_bm25_beats_dense, (None, None, passage_vectors, minilm))]:
        assert check(*args) is False
        assert "not answered yet" in capsys.readouterr().out
