"""The checks of lesson 01 · Sparse vectors: bag of words and TF-IDF."""

from __future__ import annotations

import math

import numpy as np

from ..lessons.l01_sparse_vectors import TOKEN_PATTERN, pair_cosine, query_and_rest, tokenize
from .core import Wrong, close, exercise, nonempty_text, number


@exercise("01.1", "IDF by hand", "sentences", "word", "idf", "weight")
def check_idf_by_hand(sentences, word, idf, weight):
    """A word's smoothed idf and its raw TF-IDF weight in the first of three sentences, computed by hand.

    >>> exercises.check_idf_by_hand(["Cats purr.", "Dogs bark at cats.", "Birds sing."],
    ...                             "cats", 1.2877, 1.2877)                       # doctest: +SKIP
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)) or len(sentences) != 3:
        raise Wrong("sentences should be a list of three sentences (strings).")
    sentences = [nonempty_text(s, f"sentences[{k}]") for k, s in enumerate(sentences)]
    word = nonempty_text(word, "word").lower()
    vectorizer = TfidfVectorizer(norm=None, token_pattern=TOKEN_PATTERN)  # smooth_idf=True, raw counts
    weights = vectorizer.fit_transform(sentences).toarray()
    if word not in vectorizer.vocabulary_:
        raise Wrong(f"{word!r} is not a token of your sentences (tokens are lowercase runs of 2+ letters or digits).")
    column = vectorizer.vocabulary_[word]
    n, df = 3, sum(word in tokenize(s) for s in sentences)
    count = tokenize(sentences[0]).count(word)
    if df == n:
        raise Wrong(f"{word!r} occurs in all three sentences: pick a word that occurs in only one or two.")
    if count == 0:
        raise Wrong(f"{word!r} does not occur in the first sentence: pick a word of the first sentence.")
    idf_value, expected_idf = number(idf, "idf"), float(vectorizer.idf_[column])
    if not close(idf_value, expected_idf):
        variants = {"ln(n / df) + 1, the formula without smoothing: scikit-learn's default adds 1 to n and to df":
                    math.log(n / df) + 1,
                    "ln((1 + n) / (1 + df)), without the trailing + 1": math.log((1 + n) / (1 + df)),
                    "a base-10 logarithm: the formula uses the natural logarithm ln": math.log10((1 + n) / (1 + df)) + 1}
        for why, value in variants.items():
            if close(idf_value, value):
                raise Wrong(f"your idf matches {why}.")
        raise Wrong(f"your idf is {'higher' if idf_value > expected_idf else 'lower'} than the smoothed idf: "
                    f"count df (sentences containing the word) again, with n = {n}.")
    weight_value, expected = number(weight, "weight"), float(weights[0, column])
    if not close(weight_value, expected):
        normalized = expected / np.linalg.norm(weights[0])
        if close(weight_value, normalized):
            raise Wrong("your weight is the one after scaling the row to length 1: give it before that step (norm=None).")
        if count > 1 and close(weight_value, expected_idf):
            raise Wrong("your weight is the idf alone: multiply it by the word's count in the sentence.")
        if close(weight_value, (1 + math.log(count)) * expected_idf):
            raise Wrong("your weight uses 1 + ln(count) (sublinear_tf): this exercise keeps the raw count.")
        raise Wrong("your weight is not count x idf for the first sentence.")
    return f"idf({word!r}) = {expected_idf:.4f} and its weight in the first sentence = {expected:.4f}, as TfidfVectorizer computes."


def _fitted_tfidf(vectorizer, name: str):
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not isinstance(vectorizer, TfidfVectorizer):
        raise Wrong(f"{name} should be a TfidfVectorizer, not {type(vectorizer).__name__}.")
    if not hasattr(vectorizer, "vocabulary_"):
        raise Wrong(f"{name} is not fitted yet: call .fit(...) on the texts.")
    return vectorizer


def _differing_settings(mine, reference, ignore: set[str]) -> list[str]:
    theirs, ours = mine.get_params(), reference.get_params()
    return [f"{key}={theirs[key]!r} (the lesson's: {ours[key]!r})" for key in sorted(ours)
            if key not in ignore and theirs.get(key) != ours[key]]


@exercise("01.2", "word order with bigrams", "bigram_vectorizer", "cat_mouse_cosine")
def check_bigrams(bigram_vectorizer, cat_mouse_cosine, wide):
    """``wide``'s settings plus ``ngram_range=(1, 2)``, and the cosine it gives the cat/mouse pair.

    >>> exercises.check_bigrams(bigram_wide, cosine_value, wide)              # doctest: +SKIP
    """
    vectorizer = _fitted_tfidf(bigram_vectorizer, "bigram_vectorizer")
    if tuple(vectorizer.ngram_range) != (1, 2):
        raise Wrong(f"ngram_range is {vectorizer.ngram_range}: with (1, 2) single words and word pairs are features.")
    differing = _differing_settings(vectorizer, wide, {"ngram_range"})
    if differing:
        raise Wrong("keep every other setting of `wide`; yours differ in: " + "; ".join(differing) + ".")
    if not set(wide.vocabulary_) <= set(vectorizer.vocabulary_):
        raise Wrong("your vocabulary lacks words that `wide` has: fit it on the same texts (corpus + example_texts).")
    a, b = "The cat chased the mouse.", "The mouse chased the cat."
    if "cat chased" not in vectorizer.vocabulary_:
        raise Wrong("'cat chased' is not a feature: fit the vectorizer on texts that include the example sentences.")
    expected, answer = pair_cosine(vectorizer, a, b), number(cat_mouse_cosine, "cat_mouse_cosine")
    if not close(answer, expected, 1e-6):
        if close(answer, 1.0, 1e-9):
            raise Wrong("a cosine of 1 is what `wide` gives: compute it with your bigram vectorizer (pair_cosine(bigram_vectorizer, ...)).")
        raise Wrong("that is not the cosine your vectorizer gives the pair: compute it with pair_cosine(bigram_vectorizer, a, b).")
    return (f"with bigrams the two sentences score {expected:.3f}: below 1, because 'cat chased' and 'mouse chased' "
            "are different features, and above 0, because the single words are still shared.")


_NEGATIONS = {"not", "no", "nor", "cannot", "never", "none", "nothing", "nobody", "neither", "nowhere", "n't"}


@exercise("01.3", "let negation count", "negation_vectorizer")
def check_negation_stop_words(negation_vectorizer, wide):
    """A vectorizer like ``wide`` whose stop words keep the negations: negation pairs below 1, no-shared-word pairs 0.

    >>> exercises.check_negation_stop_words(negation_vectorizer, wide)        # doctest: +SKIP
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from .. import data

    vectorizer = _fitted_tfidf(negation_vectorizer, "negation_vectorizer")
    stop_words = vectorizer.stop_words
    if stop_words is None or isinstance(stop_words, str):
        raise Wrong(f"stop_words is {stop_words!r}: give it your own list, the English list without the negations.")
    differing = _differing_settings(vectorizer, wide, {"stop_words"})
    if differing:
        raise Wrong("keep every other setting of `wide`; yours differ in: " + "; ".join(differing) + ".")
    let_back = set(ENGLISH_STOP_WORDS) - set(stop_words)
    if "not" not in let_back:
        raise Wrong("'not' is still in your stop-word list, so 'accurate' and 'not accurate' still look the same.")
    others = sorted(let_back - _NEGATIONS)
    if others:
        shown = ", ".join(others[:8]) + (f" and {len(others) - 8} more" if len(others) > 8 else "")
        raise Wrong(f"your list also lets back in {len(others)} word(s) that are not negations ({shown}): "
                    "drop only the negation words from the English list.")
    if not set(wide.vocabulary_) <= set(vectorizer.vocabulary_):
        raise Wrong("your vocabulary lacks words that `wide` has: fit it on the same texts (corpus + example_texts).")
    examples = data.course_sentences()
    negation = [pair_cosine(vectorizer, p["a"], p["b"]) for p in examples["negation"]]
    still_one = [p["b"] for p, score in zip(examples["negation"], negation) if score > 1 - 1e-9]
    if still_one:
        raise Wrong(f"{still_one[0]!r} still gets the same vector as its positive version: "
                    "its negation word is still a stop word.")
    unshared = [pair_cosine(vectorizer, p["a"], p["b"]) for p in examples["no_shared_words"]]
    if max(unshared) > 0:
        raise Wrong("a no_shared_words pair now scores above 0: your list let back in a word both sentences use.")
    not_idf = vectorizer.idf_[vectorizer.vocabulary_["not"]]
    lower = int((vectorizer.idf_ < not_idf).sum())
    rarer = f"only {lower:,} of the {len(vectorizer.idf_):,} words have a lower idf" if lower else (
        f"none of the other {len(vectorizer.idf_) - 1:,} words has a lower idf")
    return (f"the negation pairs now score {min(negation):.3f} to {max(negation):.3f} (below 1), and the "
            f"no_shared_words pairs still score 0. 'not' has idf {not_idf:.2f}: {rarer}, so it adds only a "
            "small weight.")


def _tfidf_search_scores(settings: dict, queries: list[str], documents: list[str], fit_on: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from .. import metrics

    vectorizer = TfidfVectorizer(**settings).fit(fit_on)
    similarity = (vectorizer.transform(queries) @ vectorizer.transform(documents).T).toarray()
    ranked = np.argsort(-similarity, axis=1, kind="stable")[:, :10].tolist()
    truth = list(range(len(queries)))
    return metrics.recall_at_k(ranked, truth, k=1), metrics.mrr(ranked, truth, k=10)


@exercise("01.4", "TF-IDF as a search engine", "recall_at_1", "mrr")
def check_tfidf_search(recall_at_1, mrr, settings):
    """Recall@1 and MRR@10 of TF-IDF search: each background article's first sentence finds the rest of it.

    ``settings`` are the lesson's ``SETTINGS``; the vectorizer is fitted on the 300 rests.

    >>> exercises.check_tfidf_search(0.5, 0.6, SETTINGS)                       # doctest: +SKIP
    """
    from .. import data

    articles = data.lee_background()
    queries, rests = zip(*(query_and_rest(a) for a in articles))
    queries, rests = list(queries), list(rests)
    expected_r1, expected_mrr = _tfidf_search_scores(settings, queries, rests, rests)
    r1, mrr_value = number(recall_at_1, "recall_at_1"), number(mrr, "mrr")
    if not 0 <= r1 <= 1 or not 0 <= mrr_value <= 1:
        raise Wrong("recall@1 and MRR are shares of the queries: both lie between 0 and 1.")
    if close(r1, expected_r1, 2e-3) and close(mrr_value, expected_mrr, 2e-3):
        return (f"recall@1 {expected_r1:.3f} and MRR@10 {expected_mrr:.3f}: TF-IDF ranks the right article first "
                f"for {expected_r1:.0%} of the first sentences. Keep the numbers: a learned model has to beat them.")
    whole_r1, _ = _tfidf_search_scores(settings, queries, articles, articles)
    if close(r1, whole_r1, 2e-3):
        raise Wrong("your recall@1 is what you get when the documents are the whole articles: the query is then "
                    "inside its own document. Search the rest of each article (without its first sentence).")
    if close(r1, expected_r1, 2e-3):
        raise Wrong("recall@1 is right; MRR is not: take 1/rank of each query's own article within the first 10 "
                    "results (0 if it is not there) and average (metrics.mrr).")
    return_word = "higher" if r1 > expected_r1 else "lower"
    raise Wrong(f"your recall@1 is {return_word} than the check's. Use the lesson's SETTINGS fitted on the 300 rests, "
                "rank all 300 rests for every query by cosine, and count the queries whose own article comes first.")
