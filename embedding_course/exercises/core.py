"""The core of the exercise checks: the :func:`exercise` decorator, :data:`REGISTRY`, and the lessons' shared helpers.

A lesson's module defines its checks with ``@exercise(key, title, *answers)``; inside, a check reads the learner's
answers with :func:`number`, :func:`nonempty_text` and :func:`call`, raises :class:`Wrong` with its feedback, or
returns the praise for a right answer.
"""

from __future__ import annotations

import functools
import inspect
import math
import re
from collections.abc import Callable

import numpy as np

#: Every check, by exercise number ("00.1" is lesson 00, exercise 1).
REGISTRY: dict[str, Callable[..., bool]] = {}


class NotAnswered(Exception):
    """The template is still there (None, ..., or a function that returns None)."""


class Wrong(Exception):
    """What is not right yet, in words the learner can act on (without the answer itself)."""


def _unanswered(value) -> bool:
    return value is None or value is Ellipsis


def exercise(key: str, title: str, *answers: str):
    """Register a check: ``answers`` name the parameters the learner fills in.

    The wrapped check prints one line starting with "Exercise <key> (<title>):" and returns a bool.
    Inside, a check raises :class:`Wrong` with its feedback, or returns the praise for a right answer.
    """

    def decorate(check):
        signature = inspect.signature(check)

        @functools.wraps(check)
        def run(*args, **kwargs) -> bool:
            head = f"Exercise {key} ({title}):"
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as error:
                print(f"{head} the check was called the wrong way ({error}). Compare the call with the template.")
                return False
            bound.apply_defaults()
            try:
                if any(_unanswered(bound.arguments[name]) for name in answers):
                    raise NotAnswered
                praise = check(*bound.args, **bound.kwargs)
            except NotAnswered:
                print(f"{head} not answered yet. Replace the None (or ...) in the cell with your answer and run it again.")
                return False
            except Wrong as reason:
                print(f"{head} not yet. {reason}")
                return False
            except Exception as error:  # a learner's answer can fail in any way; never stop the lesson
                print(f"{head} not yet. Checking your answer raised {type(error).__name__}: {error}")
                return False
            print(f"{head} right. {praise}")
            return True

        run.exercise, run.answers = key, answers
        REGISTRY[key] = run
        return run

    return decorate


def checks_of(lesson: str) -> dict[str, Callable[..., bool]]:
    """The checks of one lesson, by exercise number: ``checks_of("01")`` -> {"01.1": ..., ...}."""
    return {key: check for key, check in sorted(REGISTRY.items()) if key.split(".")[0] == lesson}


# ---------------------------------------------------------------- small helpers
def number(value, name: str) -> float:
    """A learner's number as a float, or Wrong with what was passed instead."""
    if hasattr(value, "item"):  # numpy and torch scalars, and arrays or tensors of one element
        size = value.numel() if hasattr(value, "numel") else getattr(value, "size", 1)
        if size == 1:
            value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Wrong(f"{name} should be a number, not {type(value).__name__} ({value!r:.60}).")
    if not math.isfinite(value):
        raise Wrong(f"{name} is {value}: it should be a finite number.")
    return float(value)


def nonempty_text(value, name: str) -> str:
    """A learner's sentence without its surrounding blanks, or Wrong if it is not a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise Wrong(f"{name} should be a sentence (a non-empty string), not {value!r:.60}.")
    return value.strip()


def close(a: float, b: float, tol: float = 1e-3) -> bool:
    """Whether ``a`` is within ``tol`` of ``b``, relative to ``b`` when ``|b| > 1``."""
    return abs(a - b) <= tol * max(1.0, abs(b))


def call(function, *args, what: str = "your function"):
    """Call the learner's function; its errors become feedback, a None result means "not answered"."""
    if not callable(function):
        raise Wrong(f"{what} should be a function, not {type(function).__name__}.")
    try:
        result = function(*args)
    except (NotAnswered, Wrong):
        raise
    except Exception as error:
        raise Wrong(f"{what} raised {type(error).__name__}: {error}") from None
    if _unanswered(result):
        raise NotAnswered
    return result


def words(text: str) -> list[str]:
    """The lowercase words of ``text`` (runs of letters, digits and apostrophes)."""
    return re.findall(r"[a-z0-9']+", text.lower())


def content_words(text: str) -> set[str]:
    """The words of ``text`` that are not English stop words (scikit-learn's list)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return {w for w in words(text) if w not in ENGLISH_STOP_WORDS}


def cosine(a, b) -> float:
    """The cosine similarity of two vectors: lesson 01's ``cosine``, on one row each."""
    from ..lessons.l01_sparse_vectors import cosine as row_cosines

    return row_cosines(np.asarray(a, dtype=float)[None], np.asarray(b, dtype=float)[None]).item()


def model_or_default(model):
    """``model``, or the packaged all-MiniLM-L6-v2 when it is None: ``model_or_default(model).encode(texts)``."""
    from .. import models

    return model if model is not None else models.load_sentence_transformer("all-MiniLM-L6-v2")
