"""Lesson 10 · Smaller vectors: the checks of the rescoring list length and of a 16-byte vector, on MiniLM's real
vectors of the retrieval task (and of section 5's bigger corpus)."""

import numpy as np
import pytest

from embedding_course import data, exercises, models, retrieval
from embedding_course.lessons.l10_smaller_vectors import binary_quantize, hamming_distances, rescore

from .solutions import solution_code
from .verdicts import accepted, rejected, unanswered

pytestmark = pytest.mark.slow  # every test here embeds the task with a real model


@pytest.fixture(scope="module")
def vectors(minilm):
    task = retrieval.retrieval_task()
    passage_vectors = models.embed(task.passages["text"].tolist(), minilm)
    question_vectors = models.embed(task.queries["question"].tolist(), minilm)
    news = [s for a in data.lee_background() for s in retrieval.split_sentences(a) if len(s.split()) >= 6]
    big_vectors = np.vstack([passage_vectors, models.embed(news[retrieval.DISTRACTORS:], minilm)])
    recall = solution_code("10", "recall_vs_float32", np=np, question_vectors=question_vectors,
                           binary_quantize=binary_quantize, hamming_distances=hamming_distances,
                           rescore=rescore)["recall_vs_float32"]
    return passage_vectors, question_vectors, big_vectors, recall


def test_10_1_rescore_candidates(capsys, vectors):
    _, questions, big, recall = vectors
    right = min(c for c in range(10, 201, 10) if recall(big, c) >= 0.99)
    accepted(capsys, exercises.check_rescore_candidates, right, big, questions)
    rejected(capsys, "below 0.99. Rescore more", exercises.check_rescore_candidates, right - 10, big, questions)
    rejected(capsys, "a shorter list does too", exercises.check_rescore_candidates, right + 10, big, questions)
    rejected(capsys, "give a multiple of 10", exercises.check_rescore_candidates, right + 5, big, questions)
    unanswered(capsys, exercises.check_rescore_candidates, None, big, questions)


def test_10_1_the_answer_depends_on_the_corpus(capsys, vectors):
    passages, questions, big, recall = vectors
    small = min(c for c in range(10, 201, 10) if recall(passages, c) >= 0.99)
    assert small < min(c for c in range(10, 201, 10) if recall(big, c) >= 0.99)
    rejected(capsys, "below 0.99. Rescore more", exercises.check_rescore_candidates, small, big, questions)
    rejected(capsys, "384-number MiniLM vectors", exercises.check_rescore_candidates, small, big[:, :128], questions)


def test_10_2_sixteen_bytes(capsys, vectors):
    passages, questions, _, recall = vectors
    right = recall(passages, 40, dim=128)
    accepted(capsys, exercises.check_sixteen_bytes, right, passages, questions)
    accepted(capsys, exercises.check_sixteen_bytes, round(right, 3), passages, questions)
    rejected(capsys, "that is 384-bit (48-byte) binary search", exercises.check_sixteen_bytes, recall(passages, 40),
             passages, questions)
    rejected(capsys, "take each question's 40 nearest passages", exercises.check_sixteen_bytes,
             recall(passages, 20, dim=128), passages, questions)  # a list of 20
    rejected(capsys, "not a percentage", exercises.check_sixteen_bytes, 100 * right, passages, questions)
    rejected(capsys, "that is not the recall@10 of this search", exercises.check_sixteen_bytes, right - 0.2, passages,
             questions)
    unanswered(capsys, exercises.check_sixteen_bytes, None, passages, questions)


def test_10_2_rescoring_is_required(capsys, vectors):
    passages, questions, _, _ = vectors
    exact = np.argsort(-(questions @ passages.T), axis=1, kind="stable")[:, :10]
    alone = np.argsort(hamming_distances(binary_quantize(questions[:, :128]), binary_quantize(passages[:, :128])),
                       axis=1, kind="stable")[:, :10]
    value = float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(alone, exact)]))
    rejected(capsys, "that is the binary search alone", exercises.check_sixteen_bytes, value, passages, questions)
