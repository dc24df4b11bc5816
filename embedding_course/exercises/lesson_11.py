"""The checks of lesson 11 · Training for retrieval: hard negatives."""

from __future__ import annotations

import numpy as np

from ..retrieval import _words  # the task's own word rule, which picks each question's answering sentence
from .core import Wrong, exercise, number

#: The two arms of lesson 11's comparison, as keys of its ``per_query``.
ARMS = ("hard negatives", "in-batch negatives")


def _count(value, name: str, most: int) -> int:
    count = number(value, name)
    if count != int(count) or not 0 <= count <= most:
        raise Wrong(f"{name} is a count of questions: a whole number from 0 to {most}.")
    return int(count)


def false_negative_count(mined, questions, *, substring: bool = False) -> int:
    """How many mined triplets have a negative holding every word of the question's short answer."""
    answer_of = dict(zip(questions["question"], questions["answer"]))
    if substring:  # the plausible slip: the answer as one case-sensitive string
        return sum(answer_of[a] in n for a, n in zip(mined["anchor"], mined["negative"]))
    return sum(_words(answer_of[a]) <= _words(n) for a, n in zip(mined["anchor"], mined["negative"]))


@exercise("11.1", "a false negative that got through", "false_negatives")
def check_false_negatives(false_negatives, mined, questions):
    """How many mined negatives contain every word of their question's short answer.

    >>> exercises.check_false_negatives(3, mined, questions)                          # doctest: +SKIP
    """
    try:
        rows = list(zip(mined["anchor"], mined["negative"]))
        known = set(questions["question"])
    except (KeyError, TypeError, IndexError):
        raise Wrong("pass the lesson's `mined` triplets and its `questions` table.") from None
    if not rows or not all(anchor in known for anchor, _ in rows):
        raise Wrong("pass the lesson's `mined` triplets (section 4) and its `questions` table.")
    value = _count(false_negatives, "my_false_negatives", len(rows))
    expected = false_negative_count(mined, questions)
    if value == expected:
        return (f"mined negatives that hold the whole answer: {expected} of {len(rows)}. The margin compares scores, "
                "not contents: a passage can answer the question and still score well below the positive, and no "
                "margin catches it. Reading a sample of the triplets, or letting a cross-encoder judge the "
                "candidates, does.")
    if value == 0:
        raise Wrong("the margin does not look at what a negative says, only at its score: test each negative for "
                    "the words of its question's answer.")
    if value == false_negative_count(mined, questions, substring=True):
        raise Wrong("that counts the answer as one exact, case-sensitive string. Compare sets of words instead: "
                    "lower-case both texts and keep runs of letters and digits.")
    if value == len(rows) - expected:
        raise Wrong("that counts the negatives that do NOT hold the whole answer.")
    raise Wrong("that is not the count: for each triplet, look up its question's answer, and test whether every "
                "word of the answer is among the words of the negative.")


def wins_and_losses(per_query, measure: str = "nDCG@10") -> tuple[int, int]:
    """Questions where the hard-negative copies score higher than the in-batch copies, and lower."""
    hard, in_batch = (np.asarray(per_query[arm][measure], dtype=float) for arm in ARMS)
    return int((hard > in_batch).sum()), int((hard < in_batch).sum())


@exercise("11.2", "wins and losses", "better", "worse")
def check_wins_and_losses(better, worse, per_query):
    """How many questions the hard-negative copies rank better, and worse, than the in-batch copies (nDCG@10).

    >>> exercises.check_wins_and_losses(20, 9, per_query)                             # doctest: +SKIP
    """
    try:
        wins, losses = wins_and_losses(per_query)
    except (KeyError, TypeError, ValueError):
        raise Wrong("pass the lesson's `per_query` (section 7): it holds the scores of "
                    "'hard negatives' and 'in-batch negatives'.") from None
    questions = len(per_query[ARMS[0]]["nDCG@10"])
    mine = (_count(better, "my_better", questions), _count(worse, "my_worse", questions))
    ties = questions - wins - losses
    if mine == (wins, losses):
        share = "most questions do not move at all" if 2 * ties > questions else "most questions move"
        return (f"better for {wins} questions, worse for {losses}, the same for {ties}: {share}. A mean gain is "
                "the net of the wins and the losses, which is why the bootstrap interval, resampling the "
                "questions, says more than the mean alone.")
    if mine == (losses, wins) and wins != losses:
        raise Wrong("your two counts look swapped: the first is where hard negatives score higher.")
    recall_wins, recall_losses = wins_and_losses(per_query, "recall@1")
    if mine == (recall_wins, recall_losses) and mine != (wins, losses):
        raise Wrong("those are the counts for recall@1: compare nDCG@10.")
    if mine[0] + mine[1] == questions and mine[0] in (wins, wins + ties):
        raise Wrong("ties count in neither: a question with the same nDCG@10 in both is neither better nor worse.")
    raise Wrong("compare per_query['hard negatives']['nDCG@10'] with per_query['in-batch negatives']['nDCG@10'] "
                "question by question, and count where it is higher and where it is lower.")
