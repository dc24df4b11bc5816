"""Lesson 01 · Sparse vectors: the checks of IDF by hand, word order with bigrams, negation kept out of the stop
words, TF-IDF search."""

import math
import re

import numpy as np
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from embedding_course import data, exercises

from .verdicts import accepted, rejected


TOKEN_PATTERN = r"(?u)\b\w\w+\b"
SETTINGS = dict(lowercase=True, token_pattern=TOKEN_PATTERN, stop_words="english",
                smooth_idf=True, sublinear_tf=True, norm="l2")


@pytest.fixture(scope="module")
def lee_corpus():
    examples = data.course_sentences()
    groups = ["no_shared_words", "paraphrases", "word_order", "negation"]
    texts = data.lee_background() + data.lee_documents()
    return texts + [p[side] for g in groups for p in examples[g] for side in ("a", "b")]


@pytest.fixture(scope="module")
def wide(lee_corpus):
    return TfidfVectorizer(**SETTINGS).fit(lee_corpus)


def test_01_1_idf_by_hand(capsys):
    sentences = ["The cat sat on the mat.", "A dog chased the cat.", "Birds sing in spring."]
    idf = math.log(4 / 3) + 1
    accepted(capsys, exercises.check_idf_by_hand, sentences, "cat", idf, idf)
    rejected(capsys, "without smoothing", exercises.check_idf_by_hand, sentences, "cat", math.log(3 / 2) + 1, idf)
    rejected(capsys, "occurs in all three", exercises.check_idf_by_hand, ["a cat", "the cat", "my cat"], "cat", 1.0, 1.0)
    normalized = idf / np.linalg.norm(TfidfVectorizer(norm=None).fit_transform(sentences).toarray()[0])
    rejected(capsys, "before that step", exercises.check_idf_by_hand, sentences, "cat", idf, normalized)


def _pair_cosine(vectorizer, a, b):
    va, vb = vectorizer.transform([a, b]).toarray()
    return float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))


def test_01_2_bigrams(capsys, wide, lee_corpus):
    bigrams = TfidfVectorizer(**SETTINGS, ngram_range=(1, 2)).fit(lee_corpus)
    cosine = _pair_cosine(bigrams, "The cat chased the mouse.", "The mouse chased the cat.")
    assert 0 < cosine < 1
    accepted(capsys, exercises.check_bigrams, bigrams, cosine, wide)
    rejected(capsys, "ngram_range is (1, 1)", exercises.check_bigrams, wide, 1.0, wide)
    rejected(capsys, "a cosine of 1 is what `wide` gives", exercises.check_bigrams, bigrams, 1.0, wide)
    other = TfidfVectorizer(**{**SETTINGS, "sublinear_tf": False}, ngram_range=(1, 2)).fit(lee_corpus)
    rejected(capsys, "sublinear_tf=False", exercises.check_bigrams, other, cosine, wide)


def test_01_3_negation_stop_words(capsys, wide, lee_corpus):
    keep_negations = list(ENGLISH_STOP_WORDS - {"not", "no", "nor", "cannot"})
    right = TfidfVectorizer(**{**SETTINGS, "stop_words": keep_negations}).fit(lee_corpus)
    printed = accepted(capsys, exercises.check_negation_stop_words, right, wide)
    not_idf = right.idf_[right.vocabulary_["not"]]
    lower = int((right.idf_ < not_idf).sum())
    assert 0 < lower < len(right.idf_) / 100  # 'not' is among the commonest words: a low idf
    assert (f"'not' has idf {not_idf:.2f}: only {lower:,} of the {len(right.idf_):,} words have a lower idf, so it adds "
            "only a small weight.") in printed
    only_not = TfidfVectorizer(**{**SETTINGS, "stop_words": list(ENGLISH_STOP_WORDS - {"not"})}).fit(lee_corpus)
    rejected(capsys, "'I cannot recommend this hotel.' still gets the same vector", exercises.check_negation_stop_words,
             only_not, wide)
    rejected(capsys, "not negations", exercises.check_negation_stop_words,
             TfidfVectorizer(**{**SETTINGS, "stop_words": ["the", "a"]}).fit(lee_corpus), wide)


def test_01_4_tfidf_search(capsys):
    queries, rests = zip(*(re.split(r"(?<=[.!?])\s+", a, maxsplit=1) for a in data.lee_background()))
    vectorizer = TfidfVectorizer(**SETTINGS).fit(rests)
    ranked = np.argsort(-(vectorizer.transform(queries) @ vectorizer.transform(rests).T).toarray(), axis=1)[:, :10]
    first = ranked[:, 0] == np.arange(len(queries))
    mrr = np.mean([1 / (list(row).index(i) + 1) if i in row else 0 for i, row in enumerate(ranked)])
    accepted(capsys, exercises.check_tfidf_search, first.mean(), mrr, SETTINGS)
    whole = TfidfVectorizer(**SETTINGS).fit(data.lee_background())
    with_query = np.argsort(-(whole.transform(queries) @ whole.transform(data.lee_background()).T).toarray(), axis=1)
    rejected(capsys, "the whole articles", exercises.check_tfidf_search,
             (with_query[:, 0] == np.arange(len(queries))).mean(), 0.95, SETTINGS)
    rejected(capsys, "MRR is not", exercises.check_tfidf_search, first.mean(), first.mean(), SETTINGS)
