"""Lesson 08 · Chunking and retrieval: the checks of overlapping windows, a sentence-packing chunker, stricter
judges."""

import re

import numpy as np
import pandas as pd
import pytest

from embedding_course import exercises
from embedding_course.exercises import lesson_08
from embedding_course.lessons.l04_bi_encoders import n_tokens

from .solutions import solution_code
from .verdicts import accepted, rejected

pytestmark = pytest.mark.slow  # every test here loads a real model


@pytest.fixture(scope="module")
def bounds(minilm):
    return lesson_08._paragraph_bounds(minilm.tokenizer)


@pytest.fixture(scope="module")
def answers(minilm, bounds):
    return solution_code("08", "overlapping_windows", "sentence_chunks", "shared_pieces", "judge_chunk_share",
                         "judge_paragraph_share",
                         re=re, np=np, n_tokens=n_tokens, tokenizer=minilm.tokenizer, starts=bounds)


def test_08_1_overlap_windows(capsys, minilm, bounds, answers):
    tokenizer = minilm.tokenizer
    windows = pd.DataFrame([{"doc_id": doc_id, "start_token": start, "end_token": end} for doc_id, edges in bounds.items()
                            for start, end in answers["overlapping_windows"](int(edges[-1]))])
    printed = accepted(capsys, exercises.check_overlap_windows, windows, tokenizer)
    assert "(without overlap: 333)" in printed  # lesson 08's count of 100-token windows
    rejected(capsys, "so they do not overlap", exercises.check_overlap_windows,
             pd.DataFrame(lesson_08.lesson_chunks(tokenizer, 100)), tokenizer)
    one_more = []
    for doc_id, edges in bounds.items():  # a naive loop that runs to the last piece adds a window inside the last one
        n = int(edges[-1])
        one_more += [{"doc_id": doc_id, "start_token": s, "end_token": min(s + 100, n)} for s in range(0, n, 80)]
    rejected(capsys, "lies inside the one before it", exercises.check_overlap_windows, pd.DataFrame(one_more), tokenizer)


def test_08_2_sentence_chunker(capsys, minilm, answers):
    tokenizer, sentence_chunks = minilm.tokenizer, answers["sentence_chunks"]

    def one_per_sentence(paragraphs, budget=100):
        return [s for p in paragraphs for s in re.split(r"(?<=[.!?])\s+", p.strip())]

    def across_paragraphs(paragraphs, budget=100):
        return sentence_chunks([" ".join(paragraphs)], budget)

    accepted(capsys, exercises.check_sentence_chunker, sentence_chunks, tokenizer)
    rejected(capsys, "would fit together", exercises.check_sentence_chunker, one_per_sentence, tokenizer)
    rejected(capsys, "runs across a paragraph boundary", exercises.check_sentence_chunker, across_paragraphs, tokenizer)


def test_08_3_stricter_judges(capsys, minilm, answers):
    by_chunk, by_paragraph = answers["judge_chunk_share"], answers["judge_paragraph_share"]
    printed = accepted(capsys, exercises.check_stricter_judges, by_chunk, by_paragraph, minilm.tokenizer)
    assert "accepted no 50-token window" in printed
    rejected(capsys, "it should measure the share of the chunk", exercises.check_stricter_judges,
             by_paragraph, by_paragraph, minilm.tokenizer)
    rejected(capsys, "accepts a chunk of another document", exercises.check_stricter_judges,
             lambda c, q: by_chunk(dict(c, doc_id=q.doc_id), q), by_paragraph, minilm.tokenizer)
