"""Lesson 04 · Bi-encoders: the checks of a false positive of your own, [CLS] pooling, symmetric in-batch negatives."""

import pytest
import torch
import torch.nn.functional as F

from embedding_course import data, exercises
from embedding_course.exercises import lesson_04

from .verdicts import accepted, rejected

pytestmark = pytest.mark.slow  # every test here loads a real model


LOOKALIKE = ("The cat chased the mouse.", "The mouse chased the cat.")
PARAPHRASE = ("The film was extremely boring.", "That movie felt incredibly dull.")


def test_04_1_false_positive(capsys, minilm):
    printed = accepted(capsys, exercises.check_false_positive, LOOKALIKE, PARAPHRASE, minilm)
    assert "unrelated pairs at most 0.131" in printed
    rejected(capsys, "should use the same words", exercises.check_false_positive,
             ("The cat chased the mouse.", "The dog chased the cat."), PARAPHRASE, minilm)
    rejected(capsys, "this time the model was not fooled", exercises.check_false_positive,
             ("No dessert for you.", "No, dessert for you."), ("I bought a car.", "I purchased an automobile."), minilm)


@pytest.mark.parametrize("lookalike", [("The cat chased the mouse.", "the cat chased the mouse."),  # case only
                                       ("The cat chased the mouse.", "The cat  chased the mouse ."),  # spaces only
                                       ("The cat chased the mouse.", "The cat chased the mouse")],  # final stop only
                         ids=["case", "whitespace", "final-stop"])
def test_04_1_a_lookalike_must_change_more_than_case_or_spacing(capsys, minilm, lookalike):
    rejected(capsys, "the same apart from upper/lower case, spacing or a final full stop",
             exercises.check_false_positive, lookalike, PARAPHRASE, minilm)


def test_04_1_moving_a_block_of_words_keeps_the_meaning(capsys, minilm):
    rejected(capsys, "only move a block of words from one end", exercises.check_false_positive,
             ("I left yesterday.", "Yesterday I left."), PARAPHRASE, minilm)


def test_04_1_the_paraphrase_must_be_one(capsys, minilm):
    rejected(capsys, "not clearly above two unrelated sentences", exercises.check_false_positive,  # scores 0.022
             LOOKALIKE, ("The film was extremely boring.", "Penguins live in Antarctica."), minilm)
    rejected(capsys, "the paraphrase pair is nearly one sentence twice", exercises.check_false_positive,
             LOOKALIKE, ("I bought a car.", "I purchased a car."), minilm)
    rejected(capsys, "the two paraphrase sentences are the same text", exercises.check_false_positive,
             LOOKALIKE, ("The film was extremely boring.", "the film was extremely boring"), minilm)
    rejected(capsys, "shares most of its content words", exercises.check_false_positive,
             LOOKALIKE, ("The film was extremely boring.", "The film was very boring."), minilm)


def test_04_1_the_bar_sits_between_the_course_pairs(minilm):
    def cosines(first, second):
        return (minilm.encode(first, normalize_embeddings=True) * minilm.encode(second, normalize_embeddings=True)).sum(1)

    pairs, examples = data.course_pairs(), data.course_sentences()["paraphrases"]
    unrelated, paraphrase = (pairs[pairs["kind"] == kind] for kind in ("unrelated", "paraphrase"))
    lowest_paraphrase = min(cosines(paraphrase["sentence1"].tolist(), paraphrase["sentence2"].tolist()).min(),
                            cosines([p["a"] for p in examples], [p["b"] for p in examples]).min())
    bar = lesson_04._unrelated_control(minilm) + lesson_04.PARAPHRASE_MARGIN
    assert cosines(unrelated["sentence1"].tolist(), unrelated["sentence2"].tolist()).max() < bar < lowest_paraphrase


def test_04_2_cls_pooling(capsys, backbone, stsb_required):
    tokenizer, net = backbone
    pairs = data.stsb("test").sample(60, random_state=42)
    sentences = sorted(set(pairs["sentence1"]) | set(pairs["sentence2"]))
    cls, mean = lesson_04._cls_vectors(sentences, tokenizer, net)
    printed = accepted(capsys, exercises.check_cls_pooling, dict(zip(sentences, cls)), pairs, tokenizer, net)
    assert "(Spearman x 100)" in printed
    rejected(capsys, "these are mean-pooled vectors", exercises.check_cls_pooling,
             dict(zip(sentences, mean)), pairs, tokenizer, net)
    rejected(capsys, "have no vector", exercises.check_cls_pooling, dict(zip(sentences[1:], cls[1:])), pairs, tokenizer, net)


def test_04_3_symmetric_mnrl(capsys, minilm):
    sentences = data.course_sentences()["paraphrases"]
    anchors = minilm.encode([p["a"] for p in sentences], convert_to_tensor=True)
    positives = minilm.encode([p["b"] for p in sentences], convert_to_tensor=True)
    scaled = 20 * F.normalize(anchors, dim=1) @ F.normalize(positives, dim=1).T
    target = torch.arange(len(scaled))
    forward, backward = F.cross_entropy(scaled, target).item(), F.cross_entropy(scaled.T, target).item()
    accepted(capsys, exercises.check_symmetric_mnrl, (forward + backward) / 2, anchors, positives, minilm)
    rejected(capsys, "one direction only", exercises.check_symmetric_mnrl, forward, anchors, positives, minilm)
    rejected(capsys, "take their mean", exercises.check_symmetric_mnrl, forward + backward, anchors, positives, minilm)
