"""Lesson 04 · Bi-encoders: the checks of a false positive of your own, [CLS] pooling, symmetric in-batch negatives."""

import pytest
import torch
import torch.nn.functional as F

from embedding_course import data, exercises
from embedding_course.exercises import lesson_04

from .verdicts import accepted, rejected

pytestmark = pytest.mark.slow  # every test here loads a real model


def test_04_1_false_positive(capsys, minilm):
    paraphrase = ("The film was extremely boring.", "That movie felt incredibly dull.")
    accepted(capsys, exercises.check_false_positive, ("The cat chased the mouse.", "The mouse chased the cat."),
             paraphrase, minilm)
    rejected(capsys, "should use the same words", exercises.check_false_positive,
             ("The cat chased the mouse.", "The dog chased the cat."), paraphrase, minilm)
    rejected(capsys, "this time the model was not fooled", exercises.check_false_positive,
             ("No dessert for you.", "No, dessert for you."), ("I bought a car.", "I purchased a car."), minilm)


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
