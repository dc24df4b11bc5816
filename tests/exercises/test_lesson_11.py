"""Lesson 11 · Training for retrieval: the checks of the false-negative count (on real mined triplets) and of the
wins-and-losses count (on per-question scores built here, so that no test trains a model)."""

import re

import numpy as np
import pytest

from embedding_course import exercises, retrieval
from embedding_course.exercises.lesson_11 import false_negative_count, wins_and_losses
from embedding_course.lessons.l11_training_for_retrieval import mine_negatives

from .solutions import solution_code
from .verdicts import accepted, rejected, unanswered


@pytest.fixture(scope="module")
def mined(minilm):
    return mine_negatives(retrieval.retrieval_task(), minilm)


@pytest.mark.slow  # mines the task's hard negatives with a real model
def test_11_1_false_negatives(capsys, mined):
    questions = retrieval.retrieval_task().queries
    words = solution_code("11", "words", re=re)["words"]
    answer_of = dict(zip(questions["question"], questions["answer"]))
    right = sum(words(answer_of[a]) <= words(n) for a, n in zip(mined["anchor"], mined["negative"]))
    assert right == false_negative_count(mined, questions) and 0 < right < len(mined)
    substring = false_negative_count(mined, questions, substring=True)
    assert substring != right  # the plausible slip gives another count on the real data
    accepted(capsys, exercises.check_false_negatives, right, mined, questions)
    rejected(capsys, "does not look at what a negative says", exercises.check_false_negatives, 0, mined, questions)
    if substring:  # on today's data the exact-string slip finds none, which the line above answers
        rejected(capsys, "one exact, case-sensitive string", exercises.check_false_negatives, substring, mined,
                 questions)
    rejected(capsys, "do NOT hold the whole answer", exercises.check_false_negatives, len(mined) - right, mined, questions)
    rejected(capsys, "that is not the count", exercises.check_false_negatives, right + 1, mined, questions)
    rejected(capsys, "a whole number", exercises.check_false_negatives, right + 0.5, mined, questions)
    rejected(capsys, "pass the lesson's `mined`", exercises.check_false_negatives, right, {"anchor": ["?"], "negative": ["x"]},
             questions)
    unanswered(capsys, exercises.check_false_negatives, None, mined, questions)


def scores(hard, in_batch, hard_r1, in_batch_r1):
    return {"hard negatives": {"nDCG@10": np.array(hard), "recall@1": np.array(hard_r1)},
            "in-batch negatives": {"nDCG@10": np.array(in_batch), "recall@1": np.array(in_batch_r1)}}


def test_11_2_wins_and_losses(capsys):
    # nDCG@10: better for questions 0 and 3, worse for 2, tied for 1 and 4; recall@1 moves differently.
    per_query = scores([1.0, 0.5, 0.3, 0.4, 1.0], [0.5, 0.5, 1.0, 0.2, 1.0], [1, 0, 0, 0, 1], [0, 0, 1, 1, 0])
    assert wins_and_losses(per_query) == (2, 1) and wins_and_losses(per_query, "recall@1") == (2, 2)
    assert "the same for 2: most questions move" in accepted(capsys, exercises.check_wins_and_losses, 2, 1, per_query)
    mostly_ties = scores([1.0, 0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5, 0.5], [1, 0, 0, 0, 0], [0, 0, 0, 0, 0])
    assert "most questions do not move" in accepted(capsys, exercises.check_wins_and_losses, 1, 0, mostly_ties)
    rejected(capsys, "look swapped", exercises.check_wins_and_losses, 1, 2, per_query)
    rejected(capsys, "counts for recall@1", exercises.check_wins_and_losses, 2, 2, per_query)
    rejected(capsys, "ties count in neither", exercises.check_wins_and_losses, 4, 1, per_query)  # ties as wins
    rejected(capsys, "question by question", exercises.check_wins_and_losses, 3, 0, per_query)
    rejected(capsys, "a whole number", exercises.check_wins_and_losses, -1, 1, per_query)
    rejected(capsys, "pass the lesson's `per_query`", exercises.check_wins_and_losses, 2, 1, {"MiniLM": {}})
    unanswered(capsys, exercises.check_wins_and_losses, None, None, per_query)
