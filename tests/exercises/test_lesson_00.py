"""Lesson 00 · Start here: the checks of the longest vectors, same meaning in other words, and the files of the
model's folder."""

import pytest

from embedding_course import exercises, models

from .verdicts import accepted, rejected


def test_00_1_longest_vectors(capsys):
    catalog = models.catalog()
    best = catalog["dim"].idxmax()
    accepted(capsys, exercises.check_longest_vectors, best, int(catalog.loc[best, "dim"]))
    rejected(capsys, "another model of the catalog makes longer ones", exercises.check_longest_vectors, "glove-6B-50d", 50)
    rejected(capsys, "it is a tokenizer", exercises.check_longest_vectors, "tekken-llm-tokenizer", 768)
    rejected(capsys, "right model, but", exercises.check_longest_vectors, best, 384)


@pytest.mark.slow
def test_00_2_same_meaning(capsys, minilm):
    accepted(capsys, exercises.check_same_meaning, "The train arrived an hour late.",
             "Our rail connection was delayed by sixty minutes.", "Penguins cannot fly.", minilm)
    rejected(capsys, "share most of their content words", exercises.check_same_meaning,
             "The train arrived an hour late.", "The train arrived one hour late.", "Penguins cannot fly.", minilm)
    rejected(capsys, "closer to same_a", exercises.check_same_meaning,
             "The cat sleeps on the sofa.", "Stock markets fell sharply today.", "A kitten naps on the couch.", minilm)


def test_00_3_model_files(capsys):
    accepted(capsys, exercises.check_model_files, "model.safetensors", "1_Pooling/config.json")
    rejected(capsys, "follow its entry for the Pooling module", exercises.check_model_files, "model.safetensors", "modules.json")
    rejected(capsys, "Compare the files' sizes", exercises.check_model_files, "vocab.txt", "1_Pooling/config.json")
