"""Fixtures that several lessons' check tests share: real models, loaded once per test session."""

import pytest

from embedding_course import models


@pytest.fixture(scope="session")
def short_minilm():
    """all-MiniLM-L6-v2 reading at most 16 tokens: the same model, fast enough to embed a few hundred texts here.

    The checks that embed use the model they are given, so they stay consistent with it."""
    model = models.load_sentence_transformer("all-MiniLM-L6-v2")
    model.max_seq_length = 16
    return model


@pytest.fixture(scope="session")
def backbone():
    return models.load_backbone("all-MiniLM-L6-v2")
