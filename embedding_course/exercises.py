"""Checks for the lessons' exercises: the learner answers in a cell, a check says what is right or wrong.

Every lesson ends with 2-4 exercises. Each exercise cell holds a template (``None`` or a function
whose body is ``...``) and ends with a call to one check of this module::

    from embedding_course import exercises

    longest_model = None   # your answer
    longest_dim = None
    exercises.check_longest_vectors(longest_model, longest_dim)

A check works out the right answer itself, from the course's real data and models (or from what
the lesson computed and passed in), compares, and **prints** specific feedback that does not give
the answer away; it returns True (right) or False. An unanswered template prints "not answered
yet" and returns False: a check never raises, so a lesson with untouched exercises runs top to
bottom in CI. Solutions live in ``solutions/NN_name_solutions.ipynb``.

>>> check_longest_vectors(None, None)
Exercise 00.1 (the longest vectors): not answered yet. Replace the None (or ...) in the cell with your answer and run it again.
False

:data:`REGISTRY` maps each exercise ("01.2") to its check; :func:`checks_of` lists one lesson's.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["REGISTRY", "checks_of"]  # the check_* functions are added as they are defined

#: Every check, by exercise number ("00.1" is lesson 00, exercise 1).
REGISTRY: dict[str, Callable[..., bool]] = {}

# scikit-learn's default token pattern, which lesson 01 uses throughout.
_TOKEN_PATTERN = r"(?u)\b\w\w+\b"


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
        __all__.append(check.__name__)
        return run

    return decorate


def checks_of(lesson: str) -> dict[str, Callable[..., bool]]:
    """The checks of one lesson, by exercise number: ``checks_of("01")`` -> {"01.1": ..., ...}."""
    return {key: check for key, check in sorted(REGISTRY.items()) if key.split(".")[0] == lesson}


# ---------------------------------------------------------------- small helpers
def _number(value, name: str) -> float:
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


def _text(value, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Wrong(f"{name} should be a sentence (a non-empty string), not {value!r:.60}.")
    return value.strip()


def _close(a: float, b: float, tol: float = 1e-3) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


def _call(function, *args, what: str = "your function"):
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


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _content_words(text: str) -> set[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return {w for w in _words(text) if w not in ENGLISH_STOP_WORDS}


def _cosine(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def _model(model):
    from . import models

    return model if model is not None else models.load_sentence_transformer("all-MiniLM-L6-v2")


# ================================================================ 00 · Start here
@exercise("00.1", "the longest vectors", "model_name", "dim")
def check_longest_vectors(model_name, dim):
    """The catalog's model with the longest vectors, and their length.

    >>> exercises.check_longest_vectors("glove-6B-50d", 50)                   # doctest: +SKIP
    """
    from . import models

    table = models.catalog()
    if not isinstance(model_name, str):
        raise Wrong(f"model_name should be a model's name (a string), not {type(model_name).__name__}.")
    if model_name not in table.index:
        raise Wrong(f"{model_name!r} is not a name in the catalog; the names are the index of "
                    f"models.catalog(): {', '.join(table.index)}.")
    dims = table["dim"]
    if dims.isna()[model_name]:
        raise Wrong(f"{model_name} has no vector length in the catalog: it is a tokenizer and makes no vectors.")
    if dims[model_name] < dims.max():
        raise Wrong(f"{model_name} makes vectors of {dims[model_name]} numbers; another model of the catalog "
                    "makes longer ones (sort the table by its dim column).")
    if _number(dim, "dim") != dims[model_name]:
        raise Wrong(f"right model, but its vectors do not have {dim} numbers: read its dim column.")
    return f"{model_name} makes the longest vectors of the catalog: {dims[model_name]} numbers per text."


@exercise("00.2", "same meaning, other words", "same_a", "same_b", "other")
def check_same_meaning(same_a, same_b, other, model=None):
    """Two sentences that mean the same in different words must be each other's closest of the three.

    >>> exercises.check_same_meaning("The shop is closed.", "The store is not open.",
    ...                              "Penguins cannot fly.", model)                # doctest: +SKIP
    """
    same_a, same_b, other = (_text(s, n) for s, n in [(same_a, "same_a"), (same_b, "same_b"), (other, "other")])
    if len({same_a.lower(), same_b.lower(), other.lower()}) < 3:
        raise Wrong("two of your sentences are the same text: write three different sentences.")
    words_a, words_b = _content_words(same_a), _content_words(same_b)
    shared = words_a & words_b
    if words_a and words_b and len(shared) > min(len(words_a), len(words_b)) / 2:
        raise Wrong(f"same_a and same_b share most of their content words ({', '.join(sorted(shared))}): "
                    "say the same thing in other words, so that only the meaning is shared.")
    vectors = _model(model).encode([same_a, same_b, other], normalize_embeddings=True)
    pair, a_other, b_other = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2]), float(vectors[1] @ vectors[2])
    if pair <= max(a_other, b_other):
        closer = "same_a" if a_other >= b_other else "same_b"
        raise Wrong(f"the model finds `other` closer to {closer} ({max(a_other, b_other):.2f}) than same_a is to "
                    f"same_b ({pair:.2f}). Do they really mean the same, and is `other` about something else?")
    sharing = f"{len(shared)} content word(s) in common" if shared else "no content word in common"
    return (f"cosine(same_a, same_b) = {pair:.2f}, above their cosines with `other` ({a_other:.2f} and {b_other:.2f}), "
            f"with {sharing}.")


def _relative_file(folder: Path, answer, name: str) -> Path:
    if not isinstance(answer, (str, Path)):
        raise Wrong(f"{name} should be a file name (a string), not {type(answer).__name__}.")
    path = Path(answer)
    path = path if path.is_absolute() else folder / path
    if not path.exists():
        raise Wrong(f"there is no {answer} in the model's folder: list what is there with "
                    "sorted(p.relative_to(folder) for p in folder.rglob('*')), folder = models.model_path(...).")
    if path.is_dir():
        raise Wrong(f"{answer} is a folder: give the file inside it that answers the question.")
    return path


@exercise("00.3", "inside the model's folder", "weights_file", "pooling_file")
def check_model_files(weights_file, pooling_file):
    """Which file of all-MiniLM-L6-v2's folder holds the weights, and which sets the pooling.

    >>> exercises.check_model_files("model.safetensors", "modules.json")      # doctest: +SKIP
    """
    from . import models

    folder = models.model_path("all-MiniLM-L6-v2")
    weights = _relative_file(folder, weights_file, "weights_file")
    largest = max((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    if weights != largest:
        raise Wrong(f"{weights.name} holds {weights.stat().st_size / 1e3:.0f} kB; the weights of a model with 22 million "
                    "parameters take far more room. Compare the files' sizes (Path.stat().st_size).")
    pooling = _relative_file(folder, pooling_file, "pooling_file")
    try:
        settings = json.loads(pooling.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Wrong(f"{pooling.name} is not a settings file (JSON): open the small files and read them.") from None
    if not (isinstance(settings, dict) and any(key.startswith("pooling_mode") for key in settings)):
        if pooling.name == "modules.json":
            raise Wrong("modules.json lists the model's modules in order, and where each one's settings are: "
                        "follow its entry for the Pooling module to the file that sets the pooling mode.")
        raise Wrong(f"{pooling.relative_to(folder)} does not say how token vectors are pooled: look for a file "
                    "whose settings start with pooling_mode.")
    mode = [key.removeprefix("pooling_mode_") for key, on in settings.items() if key.startswith("pooling_mode") and on is True]
    return (f"{weights.relative_to(folder)} holds the weights ({weights.stat().st_size / 1e6:.0f} MB), and "
            f"{pooling.relative_to(folder)} sets the pooling ({', '.join(mode)}).")


# ================================================================ 01 · Sparse vectors
@exercise("01.1", "IDF by hand", "sentences", "word", "idf", "weight")
def check_idf_by_hand(sentences, word, idf, weight):
    """A word's smoothed idf and its raw TF-IDF weight in the first of three sentences, computed by hand.

    >>> exercises.check_idf_by_hand(["Cats purr.", "Dogs bark at cats.", "Birds sing."],
    ...                             "cats", 1.2877, 1.2877)                       # doctest: +SKIP
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)) or len(sentences) != 3:
        raise Wrong("sentences should be a list of three sentences (strings).")
    sentences = [_text(s, f"sentences[{k}]") for k, s in enumerate(sentences)]
    word = _text(word, "word").lower()
    vectorizer = TfidfVectorizer(norm=None, token_pattern=_TOKEN_PATTERN)  # smooth_idf=True, raw counts
    weights = vectorizer.fit_transform(sentences).toarray()
    if word not in vectorizer.vocabulary_:
        raise Wrong(f"{word!r} is not a token of your sentences (tokens are lowercase runs of 2+ letters or digits).")
    column = vectorizer.vocabulary_[word]
    n, df = 3, sum(word in re.findall(_TOKEN_PATTERN, s.lower()) for s in sentences)
    count = re.findall(_TOKEN_PATTERN, sentences[0].lower()).count(word)
    if df == n:
        raise Wrong(f"{word!r} occurs in all three sentences: pick a word that occurs in only one or two.")
    if count == 0:
        raise Wrong(f"{word!r} does not occur in the first sentence: pick a word of the first sentence.")
    idf_value, expected_idf = _number(idf, "idf"), float(vectorizer.idf_[column])
    if not _close(idf_value, expected_idf):
        variants = {"ln(n / df) + 1, the formula without smoothing: scikit-learn's default adds 1 to n and to df":
                    math.log(n / df) + 1,
                    "ln((1 + n) / (1 + df)), without the trailing + 1": math.log((1 + n) / (1 + df)),
                    "a base-10 logarithm: the formula uses the natural logarithm ln": math.log10((1 + n) / (1 + df)) + 1}
        for why, value in variants.items():
            if _close(idf_value, value):
                raise Wrong(f"your idf matches {why}.")
        raise Wrong(f"your idf is {'higher' if idf_value > expected_idf else 'lower'} than the smoothed idf: "
                    f"count df (sentences containing the word) again, with n = {n}.")
    weight_value, expected = _number(weight, "weight"), float(weights[0, column])
    if not _close(weight_value, expected):
        normalized = expected / np.linalg.norm(weights[0])
        if _close(weight_value, normalized):
            raise Wrong("your weight is the one after scaling the row to length 1: give it before that step (norm=None).")
        if count > 1 and _close(weight_value, expected_idf):
            raise Wrong("your weight is the idf alone: multiply it by the word's count in the sentence.")
        if _close(weight_value, (1 + math.log(count)) * expected_idf):
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


def _pair_cosine(vectorizer, a: str, b: str) -> float:
    va, vb = vectorizer.transform([a, b]).toarray()
    norms = np.linalg.norm(va) * np.linalg.norm(vb)
    return float(va @ vb / norms) if norms else 0.0


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
    expected, answer = _pair_cosine(vectorizer, a, b), _number(cat_mouse_cosine, "cat_mouse_cosine")
    if not _close(answer, expected, 1e-6):
        if _close(answer, 1.0, 1e-9):
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

    from . import data

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
    negation = [_pair_cosine(vectorizer, p["a"], p["b"]) for p in examples["negation"]]
    still_one = [p["b"] for p, score in zip(examples["negation"], negation) if score > 1 - 1e-9]
    if still_one:
        raise Wrong(f"{still_one[0]!r} still gets the same vector as its positive version: "
                    "its negation word is still a stop word.")
    unshared = [_pair_cosine(vectorizer, p["a"], p["b"]) for p in examples["no_shared_words"]]
    if max(unshared) > 0:
        raise Wrong("a no_shared_words pair now scores above 0: your list let back in a word both sentences use.")
    not_idf = vectorizer.idf_[vectorizer.vocabulary_["not"]]
    return (f"the negation pairs now score {min(negation):.3f} to {max(negation):.3f} (below 1), and the "
            f"no_shared_words pairs still score 0. 'not' has idf {not_idf:.2f}, lower than "
            f"{np.mean(vectorizer.idf_ > not_idf):.0%} of the vocabulary's words: a small weight.")


def _first_sentence_split(article: str) -> tuple[str, str]:
    first, rest = re.split(r"(?<=[.!?])\s+", article, maxsplit=1)
    return first, rest


def _tfidf_search_scores(settings: dict, queries: list[str], documents: list[str], fit_on: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from . import metrics

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
    from . import data

    articles = data.lee_background()
    queries, rests = zip(*(_first_sentence_split(a) for a in articles))
    queries, rests = list(queries), list(rests)
    expected_r1, expected_mrr = _tfidf_search_scores(settings, queries, rests, rests)
    r1, mrr_value = _number(recall_at_1, "recall_at_1"), _number(mrr, "mrr")
    if not 0 <= r1 <= 1 or not 0 <= mrr_value <= 1:
        raise Wrong("recall@1 and MRR are shares of the queries: both lie between 0 and 1.")
    if _close(r1, expected_r1, 2e-3) and _close(mrr_value, expected_mrr, 2e-3):
        return (f"recall@1 {expected_r1:.3f} and MRR@10 {expected_mrr:.3f}: TF-IDF ranks the right article first "
                f"for {expected_r1:.0%} of the first sentences. Keep the numbers: a learned model has to beat them.")
    whole_r1, _ = _tfidf_search_scores(settings, queries, articles, articles)
    if _close(r1, whole_r1, 2e-3):
        raise Wrong("your recall@1 is what you get when the documents are the whole articles: the query is then "
                    "inside its own document. Search the rest of each article (without its first sentence).")
    if _close(r1, expected_r1, 2e-3):
        raise Wrong("recall@1 is right; MRR is not: take 1/rank of each query's own article within the first 10 "
                    "results (0 if it is not there) and average (metrics.mrr).")
    return_word = "higher" if r1 > expected_r1 else "lower"
    raise Wrong(f"your recall@1 is {return_word} than the check's. Use the lesson's SETTINGS fitted on the 300 rests, "
                "rank all 300 rests for every query by cosine, and count the queries whose own article comes first.")


# ================================================================ 02 · Word vectors and RNNs
def _family_questions() -> list[list[str]]:
    """The ": family" section of gensim's questions-words.txt, lowercased: [a, b, c, d] per line."""
    from . import data

    questions, section = [], None
    for line in data.gensim_path("questions-words.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith(":"):
            section = line[1:].strip()
        elif section == "family" and line.strip():
            questions.append(line.lower().split())
    return questions


def _analogy_answers(glove, questions: list[list[str]], exclude_inputs: bool = True) -> np.ndarray:
    """The nearest word to b - a + c (unit vectors, cosine) for each [a, b, c, d], over all of GloVe's words."""
    unit = glove.get_normed_vectors()
    a, b, c = (np.array([glove.key_to_index[q[k]] for q in questions]) for k in range(3))
    target = unit[b] - unit[a] + unit[c]
    target /= np.linalg.norm(target, axis=1, keepdims=True)
    best = np.empty(len(questions), dtype=int)
    for start in range(0, len(questions), 128):  # 128 x 400,000 scores at a time: ~200 MB
        scores = target[start:start + 128] @ unit.T
        rows = np.arange(len(scores))
        if exclude_inputs:
            for column in (a, b, c):
                scores[rows, column[start:start + 128]] = -np.inf
        best[start:start + 128] = scores.argmax(axis=1)
    return best


@exercise("02.1", "how often analogies work", "family", "family_correct")
def check_family_analogies(family, family_correct, glove):
    """The questions of the ": family" section, and how many ``analogy(b, a, c)`` answers with the fourth word.

    >>> exercises.check_family_analogies(family, 300, glove)                  # doctest: +SKIP
    """
    expected = _family_questions()
    try:
        given = [list(q) for q in family]
    except TypeError:
        raise Wrong("family should be a list of questions, each a list of 4 words.") from None
    if len(given) != len(expected):
        raise Wrong(f"you have {len(given)} questions; the family section has a different number: take every line "
                    "after ': family' up to the next line that starts with ':'.")
    if any(len(q) != 4 for q in given):
        raise Wrong("each question should be a list of 4 words (split each line).")
    if any(w != w.lower() for q in given for w in q):
        raise Wrong("some words have capital letters: GloVe's words are lowercase, so lowercase the lines.")
    if given != expected:
        raise Wrong("your questions differ from the family section's lines: split each line into its 4 words, in order.")
    answers = _analogy_answers(glove, expected)
    truth = np.array([glove.key_to_index[q[3]] for q in expected])
    correct = int((answers == truth).sum())
    count = _number(family_correct, "family_correct")
    if count != correct:
        raw = int((_analogy_answers(glove, expected, exclude_inputs=False) == truth).sum())
        if count == raw:
            raise Wrong("your count lets the three input words be answers: analogy() skips them, count its first answer.")
        raise Wrong(f"your count is {'higher' if count > correct else 'lower'} than the check's: for [a, b, c, d] "
                    "call analogy(b, a, c) (b - a + c) and count the questions whose first answer is d.")
    return (f"{correct} of {len(expected)} ({correct / len(expected):.0%}) family analogies come out right with "
            "GloVe 50-d. Print the wrong ones to see which relations fail.")


def _tokens02(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())  # lesson 02's tokenize()


def _idf_mean(text: str, glove, vectorizer, stop_words):
    words = [w for w in _tokens02(text) if w in glove.key_to_index and w in vectorizer.vocabulary_ and w not in stop_words]
    weights = np.array([vectorizer.idf_[vectorizer.vocabulary_[w]] for w in words])
    return (weights[:, None] * glove[words]).sum(axis=0) / weights.sum()


@exercise("02.2", "weight the average", "idf_mean_glove")
def check_idf_weighted_glove(idf_mean_glove, glove, baseline):
    """An IDF-weighted mean of GloVe vectors, checked on the 50 Lee documents and scored on their ratings.

    >>> exercises.check_idf_weighted_glove(idf_mean_glove, glove, baseline)   # doctest: +SKIP
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from . import data, metrics

    documents = data.lee_documents()
    mine = []
    for text in documents:
        vector = np.asarray(_call(idf_mean_glove, text, what="idf_mean_glove"), dtype=float)
        if vector.shape != (glove.vector_size,):
            raise Wrong(f"idf_mean_glove should return one vector of {glove.vector_size} numbers, got shape {vector.shape}.")
        mine.append(vector)
    mine = np.array(mine)
    expected = np.array([_idf_mean(t, glove, baseline, ENGLISH_STOP_WORDS) for t in documents])
    agreement = np.array([_cosine(a, b) for a, b in zip(mine, expected)])
    if (agreement < 1 - 1e-5).any():
        plain = np.array([glove[[w for w in _tokens02(t) if w in glove.key_to_index and w not in ENGLISH_STOP_WORDS]]
                          .mean(axis=0) for t in documents])
        if all(_cosine(a, b) > 1 - 1e-5 for a, b in zip(mine, plain)):
            raise Wrong("your vectors are the plain mean: multiply each word vector by its idf "
                        "(baseline.idf_[baseline.vocabulary_[word]]) and divide by the sum of the idfs.")
        worst = int(agreement.argmin())
        raise Wrong(f"{int((agreement < 1 - 1e-5).sum())} of 50 documents differ (document {worst}: cosine "
                    f"{agreement[worst]:.4f} with the check's). Keep the words of tokenize(text) that have a GloVe "
                    "vector and an idf and are not stop words, weight each by its idf, divide by the sum of weights.")
    weighted = metrics.lee_correlation(mine)
    plain = metrics.lee_correlation(np.array([glove[[w for w in _tokens02(t) if w in glove.key_to_index
                                                      and w not in ENGLISH_STOP_WORDS]].mean(axis=0) for t in documents]))
    return (f"on the Lee ratings the IDF-weighted average scores Pearson {weighted['pearson']:.3f}, Spearman "
            f"{weighted['spearman']:.3f}; the plain average {plain['pearson']:.3f}, {plain['spearman']:.3f}.")


def _texts_as_ids(texts):
    import torch

    ids = [torch.as_tensor(t, dtype=torch.long) for t in texts]
    if len({len(t) for t in ids}) < 2:
        raise ValueError("pass texts of different lengths: the check also tests the padding")
    return ids


def _encode(encoder, texts, hidden: int, name: str):
    import torch

    with torch.no_grad():
        states = _call(encoder.encode, texts, what=f"{name}.encode")
    if not isinstance(states, torch.Tensor):
        raise Wrong(f"{name}.encode should return a tensor, not {type(states).__name__}.")
    if tuple(states.shape) != (len(texts), hidden):
        raise Wrong(f"{name}.encode returned shape {tuple(states.shape)}; it should be (texts, {hidden}): "
                    "one vector per text.")
    return states


def _build(encoder_class, word_vectors, name: str):
    import torch

    if not isinstance(encoder_class, type):
        raise Wrong(f"{name} should be your class (not an instance or a {type(encoder_class).__name__}).")
    torch.manual_seed(0)
    try:
        return encoder_class(word_vectors).eval()
    except Exception as error:
        raise Wrong(f"{name}(word_vectors) raised {type(error).__name__}: {error}") from None


def _direction_copy(gru, reverse: bool):
    from torch import nn

    single = nn.GRU(gru.input_size, gru.hidden_size, batch_first=True)
    suffix = "_reverse" if reverse else ""
    for name in ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]:
        getattr(single, name).data.copy_(getattr(gru, name + suffix).data)
    return single


@exercise("02.3", "read from both ends", "encoder_class")
def check_bidirectional_gru(encoder_class, word_vectors, texts):
    """A GRUEncoder whose GRU reads both ways; its embedding is [forward final state, backward final state].

    ``texts``: a few token-id tensors of different lengths (e.g. ``list(posts["ids"][:6])``).

    >>> exercises.check_bidirectional_gru(BiGRUEncoder, glove.vectors, list(posts["ids"][:6]))  # doctest: +SKIP
    """
    import torch
    from torch import nn

    texts = _texts_as_ids(texts)
    encoder = _build(encoder_class, word_vectors, "BiGRUEncoder")
    gru = getattr(encoder, "gru", None)
    if not isinstance(gru, nn.GRU):
        raise Wrong("keep the recurrent layer in self.gru (an nn.GRU).")
    hidden = gru.hidden_size
    if not gru.bidirectional:
        with torch.no_grad():
            _call(encoder.encode, texts, what="BiGRUEncoder.encode")  # an untouched template: "not answered"
        raise Wrong("self.gru reads in one direction only: create it with bidirectional=True.")
    head = getattr(encoder, "head", None)
    if not isinstance(head, nn.Linear) or head.in_features != 2 * hidden:
        raise Wrong(f"self.head should be an nn.Linear with {2 * hidden} inputs (both directions' states side by side).")
    states = _encode(encoder, texts, 2 * hidden, "BiGRUEncoder")
    forward, backward = _direction_copy(gru, False), _direction_copy(gru, True)
    with torch.no_grad():
        xs = [encoder.emb(ids)[None] for ids in texts]
        fwd = torch.stack([forward(x)[1][0, 0] for x in xs])
        bwd = torch.stack([backward(x.flip(1))[1][0, 0] for x in xs])
        bwd_last_token = torch.stack([backward(x[:, -1:])[1][0, 0] for x in xs])
    first, second = states[:, :hidden], states[:, hidden:]

    def same(a, b):
        return torch.allclose(a, b, atol=1e-5)

    if same(first, bwd) and same(second, fwd):
        raise Wrong("your halves are swapped: put the forward direction's state first (last[0]), then the backward one (last[1]).")
    if same(first, fwd) and same(second, bwd):
        return ("the embedding is the forward state after the last token next to the backward state after the first "
                "token: each half has read the whole text, from opposite ends.")
    if same(first, fwd) and same(second, bwd_last_token):
        raise Wrong("the second half is the backward direction after reading only the last token (the GRU's output at "
                    "the last position). Use the final hidden states the GRU returns as its second result.")
    longest = max(len(t) for t in texts)
    ok = [same(s, torch.cat([f, b])) for s, f, b in zip(states, fwd, bwd)]
    if all(okay or len(t) < longest for okay, t in zip(ok, texts)):
        raise Wrong("the longest text is right, shorter ones are not: the padding was read as tokens. Pack the padded "
                    "batch (pack_padded_sequence) as GRUEncoder.encode does.")
    raise Wrong("your vectors are not [forward final state, backward final state]: the final states come back as the "
                "GRU's second result, shape (2, texts, hidden): concatenate last[0] and last[1].")


@exercise("02.4", "swap the cell", "encoder_class")
def check_lstm_encoder(encoder_class, word_vectors, texts):
    """A GRUEncoder with an nn.LSTM instead of the GRU; its embedding is the LSTM's final hidden state h.

    >>> exercises.check_lstm_encoder(LSTMEncoder, glove.vectors, list(posts["ids"][:6]))  # doctest: +SKIP
    """
    import torch
    from torch import nn

    texts = _texts_as_ids(texts)
    encoder = _build(encoder_class, word_vectors, "LSTMEncoder")
    lstms = [m for m in encoder.modules() if isinstance(m, nn.LSTM)]
    if not lstms:
        with torch.no_grad():
            _call(encoder.encode, texts, what="LSTMEncoder.encode")  # an untouched template: "not answered"
        raise Wrong("there is no nn.LSTM in your encoder: replace self.gru by nn.LSTM(input size, hidden size, batch_first=True).")
    lstm = lstms[0]
    if len(lstms) > 1 or lstm.bidirectional or lstm.num_layers != 1:
        raise Wrong("use one one-directional, one-layer nn.LSTM, like the GRU it replaces.")
    if any(isinstance(m, nn.GRU) for m in encoder.modules()):
        raise Wrong("the encoder still holds an nn.GRU: replace it by the LSTM (assign the LSTM to self.gru, or "
                    "delete the GRU).")
    states = _encode(encoder, texts, lstm.hidden_size, "LSTMEncoder")
    with torch.no_grad():
        finals = [lstm(encoder.emb(ids)[None])[1] for ids in texts]
    h = torch.stack([f[0][0, 0] for f in finals])
    c = torch.stack([f[1][0, 0] for f in finals])
    if torch.allclose(states, h, atol=1e-5):
        return "the embedding is the LSTM's final hidden state h of every text (and not its memory cell c)."
    if torch.allclose(states, c, atol=1e-5):
        raise Wrong("you returned the memory cell c. An LSTM returns (output, (h, c)); the embedding is h.")
    longest = max(len(t) for t in texts)
    if all(torch.allclose(s, r, atol=1e-5) or len(t) < longest for s, r, t in zip(states, h, texts)):
        raise Wrong("the longest text is right, shorter ones are not: pack the padded batch (pack_padded_sequence).")
    raise Wrong("your vectors are not the LSTM's final hidden states: take h from output, (h, c) = self.gru(packed).")


# ================================================================ 03 · Transformers, BERT and the cross-encoder
@exercise("03.1", "tokens in other text", "text", "wordpiece_count", "bpe_count")
def check_token_counts(text, wordpiece_count, bpe_count, tokenizer, llm_tokenizer):
    """How many WordPiece pieces (MiniLM's ``tokenizer.tokenize``) and byte-level BPE tokens a text of yours has.

    >>> exercises.check_token_counts("Das Wetter ist heute schön.", 9, 8, tokenizer, llm_tokenizer)  # doctest: +SKIP
    """
    text = _text(text, "text")
    pieces = tokenizer.tokenize(text)
    bpe = llm_tokenizer.encode(text, bos=False, eos=False)
    for name, answer, expected, extra in [("wordpiece_count", wordpiece_count, len(pieces),
                                           "[CLS] and [SEP] are added around the text, they are not pieces of it"),
                                          ("bpe_count", bpe_count, len(bpe),
                                           "the begin/end-of-text tokens (bos, eos) are not pieces of the text")]:
        count = _number(answer, name)
        if count == expected:
            continue
        if count in (expected + 1, expected + 2):
            raise Wrong(f"{name} counts {int(count - expected)} token(s) too many: {extra}.")
        if count == len(text.split()):
            raise Wrong(f"{name} is the number of words (split at spaces): count the tokens the tokenizer returns.")
        raise Wrong(f"{name} is {'higher' if count > expected else 'lower'} than the number of tokens the tokenizer "
                    "returns for this text.")
    unknown, continued = pieces.count("[UNK]"), sum(p.startswith("##") for p in pieces)
    return (f"{len(text)} characters: WordPiece {len(pieces)} pieces ({len(text) / len(pieces):.1f} characters each; "
            f"{continued} '##' pieces, {unknown} [UNK]), BPE {len(bpe)} tokens ({len(text) / len(bpe):.1f} characters each).")


def _token_vectors(sentence: str, word: str, tokenizer, backbone):
    """The vectors of ``word``'s (first) token in ``sentence``: after the embedding layer and after the last layer."""
    import torch

    batch = tokenizer(sentence, return_tensors="pt")
    tokens = tokenizer.convert_ids_to_tokens(batch["input_ids"][0])
    if word not in tokens:
        raise Wrong(f"{sentence!r} does not contain the token {word!r} (WordPiece reads it as {tokens[1:-1]}).")
    position = tokens.index(word)
    with torch.no_grad():
        layers = backbone(**batch, output_hidden_states=True).hidden_states
    return layers[0][0, position].numpy(), layers[-1][0, position].numpy()


@exercise("03.2", "your own ambiguous word", "word", "sentences")
def check_ambiguous_word(word, sentences, tokenizer, backbone):
    """A one-token word in three sentences (two in one sense, the third in another): the output vectors must
    be closer within the sense than across.

    >>> exercises.check_ambiguous_word("match", ["...", "...", "..."], tokenizer, backbone)  # doctest: +SKIP
    """
    word = _text(word, "word").lower()
    pieces = tokenizer.tokenize(word)
    if pieces != [word]:
        raise Wrong(f"WordPiece cuts {word!r} into {pieces}: pick a word that is a single token.")
    if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)) or len(sentences) != 3:
        raise Wrong("sentences should be a list of three sentences: two with one sense of the word, the third with another.")
    sentences = [_text(s, f"sentences[{k}]") for k, s in enumerate(sentences)]
    (in_1, out_1), (in_2, out_2), (in_3, out_3) = (_token_vectors(s, word, tokenizer, backbone) for s in sentences)
    same, different = _cosine(out_1, out_2), (_cosine(out_1, out_3) + _cosine(out_2, out_3)) / 2
    layer_0 = _cosine(in_1, in_2) - (_cosine(in_1, in_3) + _cosine(in_2, in_3)) / 2
    if same <= different:
        raise Wrong(f"at the output the two same-sense vectors are not closer (cosine {same:.3f}) than the "
                    f"different-sense ones ({different:.3f}). Is the third sentence really the other sense, and "
                    "do the first two share it? The model can also fail on a word: try another.")
    return (f"output: same sense {same:.3f}, different sense {different:.3f}, a gap of {same - different:.3f}; "
            f"after the embedding layer the gap is {layer_0:.3f} (only the positions differ there).")


def _pair_examples():
    from . import data

    pairs = data.course_pairs()
    return list(zip(pairs["sentence1"], pairs["sentence2"]))[::48][:5]  # five pairs of different kinds


@exercise("03.3", "a cross-encoder's input by hand", "pair_input")
def check_pair_input(pair_input, tokenizer):
    """``pair_input(a, b) -> (input_ids, token_type_ids)`` for ``[CLS] a [SEP] b [SEP]``, against ``tokenizer(a, b)``.

    >>> exercises.check_pair_input(pair_input, tokenizer)                      # doctest: +SKIP
    """
    for a, b in _pair_examples():
        result = _call(pair_input, a, b, what="pair_input")
        try:
            ids, types = (list(map(int, part)) for part in result)
        except (TypeError, ValueError):
            raise Wrong("pair_input should return two lists of whole numbers: (input_ids, token_type_ids).") from None
        expected = tokenizer(a, b)
        expected_ids, expected_types = list(expected["input_ids"]), list(expected["token_type_ids"])
        shown = f"for ({a!r}, {b!r})"
        if ids != expected_ids:
            if not ids or ids[0] != tokenizer.cls_token_id:
                raise Wrong(f"{shown} the input does not start with [CLS] (id {tokenizer.cls_token_id}).")
            if ids.count(tokenizer.sep_token_id) != 2 or ids[-1] != tokenizer.sep_token_id:
                raise Wrong(f"{shown} there should be a [SEP] (id {tokenizer.sep_token_id}) after each of the two texts.")
            raise Wrong(f"{shown} the pieces between the special tokens differ from tokenizer.tokenize(a) and "
                        "tokenizer.tokenize(b), turned into ids with tokenizer.convert_tokens_to_ids.")
        if len(types) != len(ids):
            raise Wrong(f"{shown} there are {len(types)} token type ids for {len(ids)} tokens: give one per token.")
        if types != expected_types:
            first_sep = ids.index(tokenizer.sep_token_id)
            if set(types) == {0}:
                raise Wrong(f"{shown} every token type id is 0: the tokens of b, and the [SEP] after it, have type 1.")
            if types[first_sep] == 1:
                raise Wrong(f"{shown} the [SEP] after a has type 1; it closes the first text, so its type is 0.")
            raise Wrong(f"{shown} the token type ids should be 0 for [CLS], a and the first [SEP], then 1 to the end.")
    return "your input ids and token type ids equal the tokenizer's for five pairs of the course's data."


@exercise("03.4", "the cross-encoder's score by hand", "score_by_hand")
def check_cross_encoder_score(score_by_hand, ce_model):
    """``score_by_hand(a, b)``: the cross-encoder's BERT, pooler, classifier and sigmoid, against ``ce_model.predict``.

    >>> exercises.check_cross_encoder_score(score_by_hand, ce_model)           # doctest: +SKIP
    """
    import torch

    pairs = _pair_examples()
    expected = np.asarray(ce_model.predict(pairs), dtype=float)
    mine = np.array([_number(_call(score_by_hand, a, b, what="score_by_hand"), "score_by_hand(a, b)") for a, b in pairs])
    if np.allclose(mine, expected, atol=1e-4):
        return (f"your scores equal ce_model.predict on five course pairs ({', '.join(f'{s:.3f}' for s in expected)}): "
                "[CLS] vector, pooler, one linear layer, sigmoid.")
    net = ce_model.model
    with torch.no_grad():
        batch = ce_model.tokenizer([a for a, _ in pairs], [b for _, b in pairs], padding=True, truncation=True,
                                   max_length=ce_model.max_seq_length, return_tensors="pt")
        states = net.bert(**batch)
        variants = {
            "the logits: the model's raw output still goes through a sigmoid to become a score between 0 and 1":
                net.classifier(states.pooler_output)[:, 0],
            "the classifier applied to the [CLS] vector without the pooler (a 384 x 384 layer with tanh) in between":
                torch.sigmoid(net.classifier(states.last_hidden_state[:, 0]))[:, 0],
        }
    for why, values in variants.items():
        if np.allclose(mine, values.numpy(), atol=1e-4):
            raise Wrong(f"your scores are {why}.")
    if (mine < 0).any() or (mine > 1).any():
        raise Wrong("some of your scores lie outside 0-1: the sigmoid at the end maps the logit into (0, 1).")
    raise Wrong("your scores differ from ce_model.predict: tokenize the pair together (tokenizer(a, b)), run "
                "ce_model.model.bert, take its pooler output, the classifier, then a sigmoid.")


# ================================================================ 04 · Bi-encoders
def _pair_of_texts(value, name: str) -> tuple[str, str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or len(value) != 2:
        raise Wrong(f"{name} should be a pair of sentences: (first, second).")
    return _text(value[0], f"{name}[0]"), _text(value[1], f"{name}[1]")


@exercise("04.1", "your own false positive", "lookalike", "paraphrase")
def check_false_positive(lookalike, paraphrase, model=None):
    """A look-alike pair (same words, other meaning) that scores above a real paraphrase pair with few shared words.

    >>> exercises.check_false_positive(("Let's eat, Grandma.", "Let's eat Grandma."),
    ...                                ("The film bored me.", "That movie was dull."), model)  # doctest: +SKIP
    """
    a, b = _pair_of_texts(lookalike, "lookalike")
    c, d = _pair_of_texts(paraphrase, "paraphrase")
    if a == b:
        raise Wrong("the two look-alike sentences are identical: change a comma, or the order of the words.")
    if sorted(_words(a)) != sorted(_words(b)):
        extra = sorted(set(_words(a)) ^ set(_words(b)))
        raise Wrong(f"the look-alike sentences should use the same words (in another order or with other punctuation); "
                    f"these occur in only one of them: {', '.join(extra) or 'a repeated word'}.")
    words_c, words_d = _content_words(c), _content_words(d)
    if words_c and words_d and len(words_c & words_d) > min(len(words_c), len(words_d)) / 2:
        raise Wrong(f"the paraphrase pair shares most of its content words ({', '.join(sorted(words_c & words_d))}): "
                    "say the same thing in other words.")
    vectors = _model(model).encode([a, b, c, d], normalize_embeddings=True)
    fooled, real = float(vectors[0] @ vectors[1]), float(vectors[2] @ vectors[3])
    if fooled <= real:
        raise Wrong(f"this time the model was not fooled: the paraphrases score {real:.3f}, the look-alikes {fooled:.3f}. "
                    "Try swapping who does what to whom, or a comma that changes who is addressed.")
    level = "above" if fooled > 0.8 else "below"
    return (f"the look-alike pair scores {fooled:.3f} ({level} 0.8), the real paraphrases {real:.3f}: a false "
            "positive a search engine would happily return.")


def _cls_vectors(texts, tokenizer, backbone):
    import torch

    batch = tokenizer(list(texts), padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.no_grad():
        states = backbone(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    return states[:, 0].numpy(), ((states * mask).sum(dim=1) / mask.sum(dim=1)).numpy()


@exercise("04.2", "[CLS] pooling", "cls_vectors")
def check_cls_pooling(cls_vectors, pairs, tokenizer, backbone):
    """[CLS] vectors of every sentence of ``pairs`` (a dict sentence -> vector), scored on those STS-B pairs.

    >>> exercises.check_cls_pooling(cls_vectors, sts_subset, tokenizer, backbone)  # doctest: +SKIP
    """
    from scipy.stats import spearmanr

    from . import metrics

    if not isinstance(cls_vectors, dict):
        raise Wrong("cls_vectors should be a dict from each sentence to its vector, like sts_vectors in the lesson.")
    sentences = sorted(set(pairs["sentence1"]) | set(pairs["sentence2"]))
    missing = [s for s in sentences if s not in cls_vectors]
    if missing:
        raise Wrong(f"{len(missing)} sentences of the pairs have no vector, e.g. {missing[0]!r}.")
    sample = sentences[:3]
    expected_cls, mean = _cls_vectors(sample, tokenizer, backbone)
    mine = [np.asarray(cls_vectors[s], dtype=float) for s in sample]
    if any(m.shape != (backbone.config.hidden_size,) for m in mine):
        raise Wrong(f"each vector should have {backbone.config.hidden_size} numbers.")
    if min(_cosine(m, e) for m, e in zip(mine, expected_cls)) < 0.9999:
        if min(_cosine(m, e) for m, e in zip(mine, mean)) > 0.9999:
            raise Wrong("these are mean-pooled vectors: take the output vector of the first token, token_vectors[:, 0].")
        raise Wrong(f"the vector of {sample[0]!r} is not the backbone's output for its [CLS] token.")
    a = np.stack([cls_vectors[s] for s in pairs["sentence1"]])
    b = np.stack([cls_vectors[s] for s in pairs["sentence2"]])
    score = 100 * spearmanr(metrics.paired_cosine(a, b), pairs["score"]).statistic
    return (f"the [CLS] vectors score {score:.2f} (Spearman x 100) on these {len(pairs)} pairs: compare with the "
            "mean-pooled vectors of the same model in the table above.")


@exercise("04.3", "symmetric in-batch negatives", "symmetric_loss")
def check_symmetric_mnrl(symmetric_loss, anchors, positives, model):
    """The mean of the two directions' in-batch-negatives losses (scale 20), against sentence-transformers'.

    >>> exercises.check_symmetric_mnrl(0.02, anchors, positives, model)        # doctest: +SKIP
    """
    import torch
    import torch.nn.functional as F
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    loss = MultipleNegativesRankingLoss(model, directions=("query_to_doc", "doc_to_query"), partition_mode="per_direction")
    with torch.no_grad():
        expected = float(loss.compute_loss_from_embeddings([anchors, positives], None))
        cosines = F.normalize(anchors, dim=1) @ F.normalize(positives, dim=1).T
        target = torch.arange(len(cosines))
        forward, backward = (float(F.cross_entropy(20 * c, target)) for c in (cosines, cosines.T))
        unscaled = (float(F.cross_entropy(cosines, target)) + float(F.cross_entropy(cosines.T, target))) / 2
    answer = _number(symmetric_loss, "symmetric_loss")
    if _close(answer, expected, 1e-4):
        return (f"{expected:.4f}, as MultipleNegativesRankingLoss with both directions computes: anchors -> positives "
                f"{forward:.4f}, positives -> anchors {backward:.4f}.")
    for why, value in {"the loss of one direction only: add the cross-entropy of scaled.T (each positive picks its anchor)": forward,
                       "the loss of the positives -> anchors direction only: average it with the other direction": backward,
                       "the sum of the two directions: take their mean": forward + backward,
                       "without the scale: multiply the cosines by 20 first": unscaled}.items():
        if _close(answer, value, 1e-4):
            raise Wrong(f"that is {why}.")
    raise Wrong("that is not the mean of the two cross-entropies: scaled = 20 * cosines (anchors x positives); "
                "(cross_entropy(scaled, arange) + cross_entropy(scaled.T, arange)) / 2.")


# ================================================================ 05 · Fine-tuning
def _columns(dataset, name: str) -> list[str]:
    columns = getattr(dataset, "column_names", None)
    if columns is None:
        raise Wrong(f"{name} should be a datasets.Dataset (Dataset.from_pandas(...)), not {type(dataset).__name__}.")
    return list(columns)


@exercise("05.1", "a dataset for in-batch negatives", "dataset")
def check_mnrl_dataset(dataset, train_df):
    """A Dataset of (anchor, positive) columns: the paraphrase pairs of ``train_df``, no label, no other column.

    >>> exercises.check_mnrl_dataset(paraphrase_dataset, train_df)            # doctest: +SKIP
    """
    columns = _columns(dataset, "dataset")
    paraphrases = train_df[train_df["kind"] == "paraphrase"]
    extra = [c for c in columns if c in ("score", "label")]
    if extra:
        raise Wrong(f"the column {extra[0]!r} would be passed to the loss as a label; MultipleNegativesRankingLoss "
                    "needs none (every row is a matching pair): drop it.")
    if len(columns) != 2:
        raise Wrong(f"the dataset has the columns {columns}: keep exactly two text columns, anchor then positive "
                    "(any other column would be read as one more text).")
    if len(dataset) != len(paraphrases):
        if len(dataset) == len(train_df):
            raise Wrong("you kept every training pair: the loss treats each row as a match, and the other rows of a "
                        "batch as non-matches, so unrelated or look-alike pairs would be taught as matches. Keep the paraphrases.")
        raise Wrong(f"the dataset has {len(dataset)} rows; train_df has a different number of paraphrase pairs.")
    rows = list(zip(dataset[columns[0]], dataset[columns[1]]))
    if sorted(rows) != sorted(zip(paraphrases["sentence1"], paraphrases["sentence2"])):
        raise Wrong("the rows are not train_df's paraphrase pairs (sentence1 first, sentence2 second).")
    return f"{len(rows)} (anchor, positive) pairs and no label: each batch's other positives serve as its negatives."


@exercise("05.2", "mix in general pairs", "mixed")
def check_mixed_training_set(mixed, train_df, test_df, stsb_sample):
    """``train_df``'s pairs plus 300 STS-B *train* pairs with score / 5: columns sentence1, sentence2, score.

    >>> exercises.check_mixed_training_set(mixed_train, train_df, test_df, stsb_sample)  # doctest: +SKIP
    """
    import pandas as pd

    from . import data

    frame = mixed.to_pandas() if hasattr(mixed, "to_pandas") else mixed
    if not isinstance(frame, pd.DataFrame):
        raise Wrong(f"mixed should be a DataFrame (or a Dataset), not {type(mixed).__name__}.")
    if list(frame.columns) != ["sentence1", "sentence2", "score"]:
        raise Wrong(f"the columns are {list(frame.columns)}: keep sentence1, sentence2, score, in that order (the "
                    "Trainer reads the texts first and the label last).")
    if frame["score"].max() > 1:
        raise Wrong("some scores are above 1: STS-B scores run from 0 to 5, divide them by 5 like the course's labels.")
    ours = set(zip(train_df["sentence1"], train_df["sentence2"]))
    rows = list(zip(frame["sentence1"], frame["sentence2"], frame["score"]))
    if not ours <= {(a, b) for a, b, _ in rows}:
        raise Wrong("some of train_df's pairs are missing: keep all of them and add the STS-B pairs.")
    added = [(a, b, s) for a, b, s in rows if (a, b) not in ours]
    held_out = set(zip(test_df["sentence1"], test_df["sentence2"])) | set(zip(stsb_sample["sentence1"], stsb_sample["sentence2"]))
    leaked = [(a, b) for a, b, _ in added if (a, b) in held_out]
    if leaked:
        raise Wrong(f"{len(leaked)} added pair(s) are in the held-out data (test_df or stsb_sample), e.g. {leaked[0][0]!r}: "
                    "take the new pairs from the STS-B train split.")
    train = data.stsb("train")
    scores = {}
    for a, b, s in zip(train["sentence1"], train["sentence2"], train["score"]):
        scores.setdefault((a, b), set()).add(round(s / 5, 6))
    foreign = [(a, b) for a, b, _ in added if (a, b) not in scores]
    if foreign:
        raise Wrong(f"{len(foreign)} added pair(s) are not STS-B train pairs, e.g. {foreign[0][0]!r}.")
    if len(added) != 300:
        raise Wrong(f"you added {len(added)} STS-B pairs; the exercise adds 300.")
    if any(round(s, 6) not in scores[(a, b)] for a, b, s in added):
        raise Wrong("some added scores are not the STS-B score divided by 5.")
    return (f"{len(frame)} training pairs: {len(ours)} of the course's and 300 general ones from STS-B train, "
            "none of them held out.")


@exercise("05.3", "streaming the one-line way", "stream", "max_steps")
def check_json_stream(stream, max_steps, jsonl_path):
    """``load_dataset("json", ..., streaming=True)`` over ``jsonl_path``, and ``max_steps`` for two passes in batches of 8.

    >>> exercises.check_json_stream(json_stream, 56, jsonl_path)              # doctest: +SKIP
    """
    from datasets import IterableDataset

    if not isinstance(stream, IterableDataset):
        raise Wrong(f"stream should be a datasets.IterableDataset (load_dataset(..., streaming=True)), "
                    f"not {type(stream).__name__}.")
    lines = [json.loads(line) for line in Path(jsonl_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    if stream.features is None or set(stream.features) != {"query", "passage"}:
        raise Wrong("the stream's features should be query and passage: give it the lesson's `features` (.cast(features)).")
    first = list(stream.take(5))
    if any(row not in lines for row in first):
        raise Wrong("the first examples of your stream are not lines of jsonl_path: load that file.")
    steps = _number(max_steps, "max_steps")
    expected = 2 * math.ceil(len(lines) / 8)
    if steps != expected:
        if steps == 2 * (len(lines) // 8):
            raise Wrong("a pass ends with a smaller batch (the lines left over); it is a step too.")
        if steps == expected / 2:
            raise Wrong("that is one pass over the file: the exercise asks for two.")
        if steps == 2 * len(lines):
            raise Wrong("a step is one batch of 8 examples, not one example.")
        raise Wrong(f"max_steps should cover two passes over the {len(lines)} lines in batches of 8.")
    return f"a stream over the {len(lines)} lines of the file, and {expected} steps = two passes of {expected // 2} batches."


def _cosent(cosines, labels, scale: float, *, ordered: bool = True, one_plus: bool = True):
    import torch

    differences = scale * (cosines[None, :] - cosines[:, None])  # [i, j] = s * (cos_j - cos_i)
    keep = labels[:, None] > labels[None, :] if ordered else ~torch.eye(len(labels), dtype=torch.bool)
    terms = differences[keep]
    if one_plus:
        terms = torch.cat([terms.new_zeros(1), terms])
    return float(torch.logsumexp(terms, dim=0))


@exercise("05.4", "the CoSENT loss by hand", "cosent_by_hand")
def check_cosent(cosent_by_hand, model, train_df):
    """``cosent_by_hand(cosines, labels, scale=20.0)`` against sentence-transformers' CoSENTLoss on 8 training pairs.

    Two cases: the model's cosines of 8 pairs, and the same cosines reordered to agree with the labels (a
    small loss, where a missing "1 +" shows).

    >>> exercises.check_cosent(cosent_by_hand, lee_model, train_df)           # doctest: +SKIP
    """
    import torch
    import torch.nn.functional as F
    from sentence_transformers.sentence_transformer.losses import CoSENTLoss

    batch = train_df.sample(8, random_state=42)
    # The library's loss on given cosines: its similarity function just reads them from the first "embedding".
    library = CoSENTLoss(model, scale=20.0, similarity_fct=lambda scores, _: scores[:, 0])
    with torch.no_grad():
        u = model.encode(batch["sentence1"].tolist(), convert_to_tensor=True)
        v = model.encode(batch["sentence2"].tolist(), convert_to_tensor=True)
        labels = torch.tensor(batch["score"].to_numpy(), dtype=torch.float32)
        cosines = F.cosine_similarity(u, v)
        concordant = cosines.sort().values[labels.argsort(stable=True).argsort()]  # k-th lowest label, k-th lowest cosine
        cases = {"the model's cosines of 8 training pairs": cosines,
                 "the same cosines reordered to agree with the labels (a small loss)": concordant}
        for case, scores in cases.items():
            expected = float(library.compute_loss_from_embeddings([scores[:, None], scores[:, None]], labels))
            answer = _number(_call(cosent_by_hand, scores.clone(), labels.clone(), 20.0, what="cosent_by_hand"),
                             "cosent_by_hand(...)")
            if _close(answer, expected, 1e-4):
                continue
            for why, value in {"without the 1 + inside the logarithm (the e^0 term that keeps the loss at or above 0)":
                                   _cosent(scores, labels, 20.0, one_plus=False),
                               "a sum over every pair of pairs: only those where pair i has the higher label count":
                                   _cosent(scores, labels, 20.0, ordered=False),
                               "the loss with the scale left out: multiply the differences by 20": _cosent(scores, labels, 1.0),
                               "the loss with the difference the wrong way round: it is cos_j - cos_i for label_i > label_j":
                                   _cosent(-scores, labels, 20.0)}.items():
                if _close(answer, value, 1e-4):
                    raise Wrong(f"for {case}: that is {why}.")
            raise Wrong(f"for {case} your value differs from CoSENTLoss's: log(1 + sum over (i, j) with "
                        "labels[i] > labels[j] of exp(scale * (cos[j] - cos[i]))).")
        real = float(library.compute_loss_from_embeddings([cosines[:, None], cosines[:, None]], labels))
        small = float(library.compute_loss_from_embeddings([concordant[:, None], concordant[:, None]], labels))
    return (f"{real:.4f} for the 8 pairs as the model scores them, {small:.4f} once the cosines agree with the labels' "
            "order: equal to CoSENTLoss in both cases.")


# ================================================================ 06 · Milvus
def _ids(values, name: str) -> list[int]:
    try:
        ids = [int(v) for v in values]
    except (TypeError, ValueError):
        raise Wrong(f"{name} should be a list of ids (whole numbers), e.g. [hit['id'] for hit in hits[0]].") from None
    return ids


@exercise("06.1", "filter and verify", "ids")
def check_filtered_search(ids, query, corpus, vectors, model=None):
    """The ids of the 3 texts nearest to ``query`` among the ``sci.space`` rows, as Milvus returned them.

    ``corpus`` (with a ``label`` column) and ``vectors`` are the rows and embeddings that were inserted,
    with row number = id; the check computes NumPy's exact top 3 among the sci.space rows.

    >>> exercises.check_filtered_search([12, 7, 3], "rockets and launch costs", corpus, vectors, model)  # doctest: +SKIP
    """
    ids = _ids(ids, "ids")
    labels = np.asarray(corpus["label"], dtype=str)
    if len(ids) != 3:
        raise Wrong(f"you gave {len(ids)} ids: ask the search for the 3 nearest texts (limit=3).")
    outside = [i for i in ids if not 0 <= i < len(labels)]
    if outside:
        raise Wrong(f"id {outside[0]} is not a row of the collection (ids run from 0 to {len(labels) - 1}).")
    other = [i for i in ids if labels[i] != "sci.space"]
    if other:
        raise Wrong(f"id {other[0]} is labelled {str(labels[other[0]])!r}: give search a filter that keeps only "
                    "rows whose label is \"sci.space\".")
    query_vector = _model(model).encode([_text(query, "query")], normalize_embeddings=True)[0]
    scores = np.asarray(vectors, dtype=np.float32) @ query_vector
    space = np.flatnonzero(labels == "sci.space")
    expected = space[np.argsort(-scores[space], kind="stable")[:3]].tolist()
    if ids == expected:
        return (f"the same 3 sci.space texts, in the same order, as NumPy's exact search over the {len(space)} "
                f"sci.space rows (cosines {', '.join(f'{scores[i]:.3f}' for i in ids)}).")
    if sorted(ids) == sorted(expected):
        raise Wrong("the right 3 texts, but not in order of similarity: keep the order the search returned (best first).")
    found = len(set(ids) & set(expected))
    raise Wrong(f"{found} of your 3 ids are among NumPy's exact top 3 of the sci.space texts. Did you embed the query "
                "with the same model, search the collection with every row, and use a FLAT (exact) index?")


@exercise("06.2", "upsert replaces, insert adds", "new_text")
def check_upsert(client, collection: str, row_id: int, new_text, expected_count: int, model=None):
    """Row ``row_id`` must hold ``new_text`` and its embedding, and the row count must not have changed.

    >>> exercises.check_upsert(ex_client, "texts", 5, "My own sentence.", len(corpus), model)  # doctest: +SKIP
    """
    from . import vectordb

    new_text = _text(new_text, "new_text")
    count = vectordb.count_rows(client, collection)
    rows = client.get(collection, ids=[row_id], output_fields=["text", "vector"])
    if not rows:
        raise Wrong(f"there is no row with id {row_id} any more: upsert it (with id={row_id}) rather than delete it.")
    if rows[0]["text"] != new_text:
        if count > expected_count:
            raise Wrong(f"the collection has {count - expected_count} row(s) more than before and row {row_id} still "
                        f"holds its old text: insert with a new id adds a row; upsert with id={row_id} replaces row {row_id}.")
        raise Wrong(f"row {row_id} does not hold your text: upsert a row with id={row_id} and your text "
                    "(with its vector, source and label), then flush.")
    stored = np.asarray(rows[0]["vector"], dtype=np.float32)
    expected_vector = _model(model).encode([new_text], normalize_embeddings=True)[0]
    if _cosine(stored, expected_vector) < 0.999:
        raise Wrong(f"row {row_id} has your text but a vector that belongs to another text: embed the new text "
                    "and upsert it with its own vector, or searches will find the row by its old meaning.")
    if count != expected_count:
        raise Wrong(f"row {row_id} is right, but the collection now has {count} rows instead of {expected_count}: "
                    "did an insert with another id add a row?")
    return (f"row {row_id} now holds your text and its own vector, and the collection still has {count:,} rows: "
            "upsert replaced the row instead of adding one.")


@exercise("06.3", "clean rows before inserting", "clean_rows")
def check_clean_rows(clean_rows, rows):
    """A function that drops rows with NaN, infinite or all-zero vectors and keeps the last row of a repeated id.

    ``rows``: at least 20 of the lesson's rows (dicts with ``id`` and ``vector``); the check adds bad ones.

    >>> exercises.check_clean_rows(clean_rows, rows[:50])                       # doctest: +SKIP
    """
    import copy

    from . import vectordb

    good = [dict(row) for row in list(rows)[:20]]
    if len(good) < 20:
        raise ValueError("pass at least 20 of the lesson's rows")
    dim = len(good[0]["vector"])
    new_id = max(int(r["id"]) for r in good) + 1
    bad_vectors = {"a NaN": np.full(dim, np.nan, dtype=np.float32), "an infinite": np.full(dim, np.inf, dtype=np.float32),
                   "an all-zero": np.zeros(dim, dtype=np.float32)}
    bad = [dict(good[0], id=new_id + k, vector=vector, text=f"a row with {kind} vector")
           for k, (kind, vector) in enumerate(bad_vectors.items())]
    repeated = dict(good[3], vector=good[15]["vector"], text="a later row with the same id")
    batch = good[:10] + bad + [repeated] + good[10:]
    result = _call(clean_rows, copy.deepcopy(batch), what="clean_rows")
    try:
        kept = [dict(row) for row in result]
        kept_ids = [row["id"] for row in kept]
    except (TypeError, KeyError, ValueError):
        raise Wrong("clean_rows should return a list of rows (dicts with an 'id' and a 'vector'), like its input.") from None
    for row, kind in zip(bad, bad_vectors):
        if row["id"] in kept_ids:
            raise Wrong(f"the row with id {row['id']} has {kind} vector and is still there.")
    if len(kept_ids) != len(set(kept_ids)):
        twice = sorted({i for i in kept_ids if kept_ids.count(i) > 1})
        raise Wrong(f"id {twice[0]} is still in the result more than once: keep one row per id.")
    missing = sorted({row["id"] for row in good} - set(kept_ids))
    if missing:
        raise Wrong(f"you dropped {len(missing)} good row(s) (ids {', '.join(map(str, missing[:5]))}): "
                    "drop only bad vectors and the earlier copies of a repeated id.")
    if len(kept) != len(good):
        raise Wrong(f"the result has {len(kept)} rows; there should be one per distinct good id ({len(good)}).")
    chosen = next(row for row in kept if row["id"] == repeated["id"])
    if chosen.get("text") != repeated["text"]:
        raise Wrong(f"for the repeated id {repeated['id']} you kept the first row; Milvus Lite keeps the last one "
                    "written, so keep that one (a later row is a newer version).")
    vectordb.check_vectors([row["vector"] for row in kept], ids=kept_ids, dim=dim)
    return ("NaN, infinite and all-zero vectors are gone, the last row of the repeated id is kept, and "
            "vectordb.check_vectors accepts what is left.")


# ================================================================ 07 · UMAP
def _silhouette(points, labels, metric: str) -> float:
    from sklearn.metrics import silhouette_score

    return float(silhouette_score(points, labels, metric=metric))


@exercise("07.1", "documents, not topics", "doc_silhouette")
def check_document_silhouette(doc_silhouette, course_vectors, paragraphs, picture=None):
    """The silhouette of the course paragraphs in 384-D (cosine), labelled by their document.

    ``course_vectors``: the paragraphs' embeddings, in the order of ``paragraphs`` (which has ``doc_id``);
    ``picture`` (optional): their 2-D UMAP points, to recognise a silhouette computed in the picture.

    >>> exercises.check_document_silhouette(0.3, vectors[source == "course"], paragraphs, umap_by_set["course"])  # doctest: +SKIP
    """
    from . import data

    vectors = np.asarray(course_vectors, dtype=np.float32)
    documents = np.asarray(paragraphs["doc_id"], dtype=str)
    if len(vectors) != len(documents):
        raise ValueError(f"{len(vectors)} vectors for {len(documents)} paragraphs")
    topics = np.asarray(paragraphs["doc_id"].map(data.course_corpus().set_index("id")["topic"]), dtype=str)
    expected, by_topic = _silhouette(vectors, documents, "cosine"), _silhouette(vectors, topics, "cosine")
    answer = _number(doc_silhouette, "doc_silhouette")
    if _close(answer, expected):
        return (f"by document the silhouette is {expected:.3f}, {expected / by_topic:.1f} times the {by_topic:.3f} by "
                "topic: the tight islands of the picture are documents.")
    variants = {"the silhouette by topic: label the paragraphs by their doc_id": by_topic,
                "a Euclidean silhouette: pass metric=\"cosine\", the measure the model was trained for":
                    _silhouette(vectors, documents, "euclidean")}
    if picture is not None:
        variants["the silhouette in the 2-D picture: compute it on the 384-D vectors"] = _silhouette(
            np.asarray(picture), documents, "euclidean")
    for why, value in variants.items():
        if _close(answer, value):
            raise Wrong(f"that is {why}.")
    raise Wrong("that is not the silhouette of the 384-D course vectors by document: silhouette_score(course vectors, "
                "their doc_ids, metric=\"cosine\").")


def _strip_headers(post: str) -> str:
    _, blank, body = post.partition("\n\n")
    return body.strip() if blank else post


def _separation(vectors, labels) -> tuple[float, float]:
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
    knn = cross_val_score(KNeighborsClassifier(n_neighbors=10, metric="cosine"), vectors, labels, cv=folds).mean()
    return float(knn), _silhouette(vectors, labels, "cosine")


@exercise("07.2", "the leak", "leaky_vectors")
def check_header_leak(leaky_vectors, clean_vectors, model=None):
    """Embeddings of the 200 newsgroup posts *with* their headers; compared with ``clean_vectors`` (headers removed).

    >>> exercises.check_header_leak(leaky_vectors, vectors[source == "newsgroups"], model)  # doctest: +SKIP
    """
    from . import data

    posts = data.newsgroups()
    leaky = np.asarray(leaky_vectors, dtype=np.float32)
    if leaky.shape != (len(posts), 384):
        raise Wrong(f"leaky_vectors has shape {leaky.shape}: embed the {len(posts)} posts of data.newsgroups(), "
                    "one 384-number vector each.")
    sample = [0, len(posts) // 2, len(posts) - 1]  # re-embedding three posts is enough to recognise the input
    encoder = _model(model)
    with_headers = encoder.encode([posts["text"][i] for i in sample], normalize_embeddings=True)
    if min(_cosine(leaky[i], v) for i, v in zip(sample, with_headers)) < 0.999:
        without = encoder.encode([_strip_headers(posts["text"][i]) for i in sample], normalize_embeddings=True)
        if min(_cosine(leaky[i], v) for i, v in zip(sample, without)) > 0.999:
            raise Wrong("these are the posts without their headers: embed data.newsgroups()['text'] as loaded.")
        raise Wrong("row i of leaky_vectors is not the embedding of post i with its header: embed "
                    "data.newsgroups()['text'] in order, with all-MiniLM-L6-v2.")
    labels = posts["label"].to_numpy(dtype=str)
    knn, silhouette = _separation(leaky, labels)
    knn_clean, silhouette_clean = _separation(np.asarray(clean_vectors, dtype=np.float32), labels)
    return (f"with headers: kNN accuracy {knn:.3f}, silhouette {silhouette:.3f}; without: {knn_clean:.3f} and "
            f"{silhouette_clean:.3f}. The header names the group, and the vectors pick it up.")


def _trustworthiness(full, picture, k: int, first_rank: int = 1) -> float:
    """The formula of lesson 07 written out (cosine ranks in ``full``, Euclidean neighbours in ``picture``)."""
    from scipy.spatial.distance import cdist

    n = len(full)
    full_distance, picture_distance = cdist(full, full, "cosine"), cdist(picture, picture)
    np.fill_diagonal(full_distance, np.inf)
    np.fill_diagonal(picture_distance, np.inf)
    ranks = np.empty((n, n), dtype=int)
    rows = np.arange(n)[:, None]
    ranks[rows, np.argsort(full_distance, axis=1, kind="stable")] = np.arange(first_rank, n + first_rank)
    shown = np.argsort(picture_distance, axis=1, kind="stable")[:, :k]
    penalty = np.clip(ranks[rows, shown] - k, 0, None).sum()
    return 1 - 2 / (n * k * (2 * n - 3 * k - 1)) * penalty


@exercise("07.3", "trustworthiness by hand", "trustworthiness_by_hand")
def check_trustworthiness(trustworthiness_by_hand, full, picture):
    """A function ``(full, picture, k) -> T(k)``, compared with scikit-learn's on 150 of the points, k = 5 and 10.

    >>> exercises.check_trustworthiness(trustworthiness_by_hand, vectors, umap_all)  # doctest: +SKIP
    """
    from sklearn.manifold import trustworthiness

    full, picture = np.asarray(full, dtype=np.float64), np.asarray(picture, dtype=np.float64)
    rows = np.sort(np.random.default_rng(42).choice(len(full), size=min(150, len(full)), replace=False))
    full, picture = full[rows], picture[rows]
    for k in (5, 10):
        expected = float(trustworthiness(full, picture, n_neighbors=k, metric="cosine"))
        answer = _number(_call(trustworthiness_by_hand, full, picture, k, what="trustworthiness_by_hand"), "T(k)")
        if abs(answer - expected) <= 1e-6:
            continue
        if abs(answer - _trustworthiness(full, picture, k, first_rank=0)) <= 1e-6:
            raise Wrong("your ranks start at 0: the nearest neighbour in 384-D has rank 1, so r(i, j) - k is 0 for the "
                        "k-th neighbour and positive only for intruders.")
        if abs(answer - _trustworthiness(full, full, k)) <= 1e-6 or abs(answer - 1) <= 1e-9:
            raise Wrong("you find every point's neighbours in the full space twice: the neighbours to judge are "
                        "those in the picture (Euclidean distance between the 2-D points).")
        raise Wrong(f"for k={k} your T(k) is {answer:.6f}, not scikit-learn's value on the same 150 points "
                    f"({'higher' if answer > expected else 'lower'}). Rank each point's neighbours in 384-D by cosine "
                    "distance (1 = nearest, the point itself excluded) and sum r(i, j) - k over the picture's "
                    "neighbours that are not among the k nearest in 384-D.")
    return "your T(k) equals scikit-learn's trustworthiness (cosine in 384-D) to 6 decimals, for k = 5 and k = 10."


# ================================================================ 08 · Chunking and retrieval
def _paragraph_bounds(tokenizer) -> dict[str, np.ndarray]:
    """Per document: where each paragraph starts in the document's word pieces, and the end (lesson 08's counting)."""
    from . import data

    bounds = {}
    for doc in data.course_corpus().itertuples():
        sizes = [len(tokenizer(p, add_special_tokens=False, verbose=False)["input_ids"]) for p in doc.paragraphs]
        bounds[doc.id] = np.cumsum([0] + sizes)
    return bounds


def _window_rows(bounds: dict[str, np.ndarray], size: int | None, overlap: int = 0) -> list[dict]:
    """Chunk positions like lesson 08's: token windows (``size``, ``overlap``) or paragraphs (``size=None``)."""
    rows = []
    for doc_id, edges in bounds.items():
        n = int(edges[-1])
        if size is None:
            spans = list(zip(edges[:-1].tolist(), edges[1:].tolist()))
        else:
            spans = [(s, min(s + size, n)) for s in range(0, max(n - overlap, 1), size - overlap)]
        for start, end in spans:
            paragraphs = np.searchsorted(edges, [start, end - 1], side="right") - 1
            rows.append({"doc_id": doc_id, "start_token": start, "end_token": end, "tokens": end - start,
                         "first_paragraph": int(paragraphs[0]), "last_paragraph": int(paragraphs[1])})
    return rows


@exercise("08.1", "overlapping windows", "chunks")
def check_overlap_windows(chunks, tokenizer, size: int = 100, overlap: int = 20):
    """Token windows of ``size`` pieces, each starting ``size - overlap`` after the previous, over every document.

    ``chunks``: a DataFrame like the lesson's ``chunks`` (``doc_id``, ``start_token``, ``end_token``).

    >>> exercises.check_overlap_windows(overlap_chunks, tokenizer)            # doctest: +SKIP
    """
    import pandas as pd

    if not isinstance(chunks, pd.DataFrame) or not {"doc_id", "start_token", "end_token"} <= set(chunks.columns):
        raise Wrong("chunks should be a DataFrame with doc_id, start_token and end_token columns, like the lesson's chunks.")
    bounds = _paragraph_bounds(tokenizer)
    expected = pd.DataFrame(_window_rows(bounds, size, overlap))
    missing = sorted(set(bounds) - set(chunks["doc_id"]))
    if missing:
        raise Wrong(f"{len(missing)} document(s) have no windows, e.g. {missing[0]}: chunk all {len(bounds)} documents.")
    for doc_id, edges in bounds.items():
        mine = chunks[chunks["doc_id"] == doc_id].sort_values("start_token")
        starts, ends = mine["start_token"].astype(int).tolist(), mine["end_token"].astype(int).tolist()
        theirs = expected[expected["doc_id"] == doc_id]
        if (starts, ends) == (theirs["start_token"].tolist(), theirs["end_token"].tolist()):
            continue
        n = int(edges[-1])
        steps = set(np.diff(starts).tolist())
        if steps == {size}:
            raise Wrong(f"in {doc_id} your windows start every {size} pieces, so they do not overlap: with {overlap} "
                        f"pieces of overlap the next window starts {size - overlap} pieces after the previous one.")
        if steps and steps != {size - overlap}:
            raise Wrong(f"in {doc_id} consecutive windows start {sorted(steps)} pieces apart; they should start "
                        f"{size - overlap} apart ({size} - {overlap}).")
        if any(e - s > size for s, e in zip(starts, ends)):
            raise Wrong(f"in {doc_id} a window holds more than {size} pieces.")
        if not ends or ends[-1] != n:
            raise Wrong(f"{doc_id} has {n} word pieces; your last window ends at {ends[-1] if ends else None}: cover the "
                        "document to its end (the last window may be shorter).")
        if len(starts) > len(theirs):
            raise Wrong(f"the last window of {doc_id} lies inside the one before it (it adds no new piece): stop "
                        "when a window has reached the end of the document.")
        raise Wrong(f"the windows of {doc_id} differ from start_token = 0, {size - overlap}, {2 * (size - overlap)}, ... "
                    f"with end_token = min(start + {size}, pieces in the document).")
    if len(chunks) != len(expected):
        raise Wrong(f"you have {len(chunks)} rows for {len(expected)} windows: is a window listed twice?")
    plain = len(_window_rows(bounds, size))
    return (f"{len(expected)} windows of up to {size} pieces, {overlap} shared with the next (without overlap: "
            f"{plain}): {len(expected) / plain - 1:.0%} more vectors to store and search.")


def _sentence_chunks(paragraphs: list[str], count, budget: int) -> list[str]:
    chunks = []
    for paragraph in paragraphs:
        current = []
        for sentence in re.split(r"(?<=[.!?])\s+", paragraph.strip()):
            if current and count(" ".join(current + [sentence])) > budget:
                chunks.append(" ".join(current))
                current = []
            current.append(sentence)
        if current:
            chunks.append(" ".join(current))
    return chunks


@exercise("08.2", "a sentence-packing chunker", "sentence_chunks")
def check_sentence_chunker(sentence_chunks, tokenizer, budget: int = 100):
    """``sentence_chunks(paragraphs, budget)``: whole sentences of one paragraph, packed greedily, at most ``budget`` pieces.

    >>> exercises.check_sentence_chunker(sentence_chunks, tokenizer)          # doctest: +SKIP
    """
    from . import data

    def count(text):
        return len(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    documents = data.course_corpus().head(4)
    for doc in documents.itertuples():
        paragraphs = list(doc.paragraphs)
        mine = _call(sentence_chunks, paragraphs, budget, what="sentence_chunks")
        if isinstance(mine, str) or not all(isinstance(c, str) for c in mine):
            raise Wrong("sentence_chunks should return a list of strings (the chunks' texts).")
        mine = list(mine)
        expected = _sentence_chunks(paragraphs, count, budget)
        if mine == expected:
            continue
        name = f"{doc.id} «{doc.title}»"
        if " ".join(" ".join(mine).split()) != " ".join(" ".join(paragraphs).split()):
            raise Wrong(f"for {name} your chunks put together are not the document's text: every sentence, in order, once.")
        sentences = [s for p in paragraphs for s in re.split(r"(?<=[.!?])\s+", p.strip())]
        for k, chunk in enumerate(mine):
            pieces = count(chunk)
            if pieces > budget and chunk not in sentences:
                raise Wrong(f"chunk {k} of {name} has {pieces} word pieces, more than the budget of {budget}.")
            if not any(chunk in p for p in paragraphs):
                raise Wrong(f"chunk {k} of {name} runs across a paragraph boundary: start a new chunk with each paragraph.")
            if not any(chunk.startswith(s) for s in sentences):
                raise Wrong(f"chunk {k} of {name} starts in the middle of a sentence: chunks hold whole sentences.")
        for k in range(len(mine) - 1):
            joined = mine[k] + " " + mine[k + 1]
            if any(joined in p for p in paragraphs) and count(joined) <= budget:
                raise Wrong(f"chunks {k} and {k + 1} of {name} would fit together within {budget} pieces: add each "
                            "sentence to the current chunk while the chunk stays within the budget.")
        raise Wrong(f"for {name} your chunks differ from packing each paragraph's sentences greedily (a new chunk "
                    f"when the next sentence would take the chunk over {budget} pieces; sentences joined by one space).")
    sizes = [count(c) for doc in documents.itertuples() for c in _sentence_chunks(list(doc.paragraphs), count, budget)]
    return (f"on {len(documents)} documents: {len(sizes)} chunks of {min(sizes)} to {max(sizes)} pieces (mean "
            f"{np.mean(sizes):.0f}), every one made of whole sentences of one paragraph.")


def _overlap(chunk: dict, start: int, end: int) -> int:
    return max(0, min(chunk["end_token"], end) - max(chunk["start_token"], start))


@exercise("08.3", "stricter judges", "judge_chunk_share", "judge_paragraph_share")
def check_stricter_judges(judge_chunk_share, judge_paragraph_share, tokenizer):
    """Two judges ``(chunk, question) -> bool``: (a) at least half of the chunk's pieces are the answering paragraph's;
    (b) at least half of the answering paragraph's pieces are in the chunk. Checked on the lesson's chunkings.

    >>> exercises.check_stricter_judges(judge_chunk_share, judge_paragraph_share, tokenizer)  # doctest: +SKIP
    """
    from . import data

    bounds = _paragraph_bounds(tokenizer)
    schemes = {"50 tokens": 50, "100 tokens": 100, "200 tokens": 200, "400 tokens": 400, "paragraph": None}
    chunks = {scheme: _window_rows(bounds, size) for scheme, size in schemes.items()}
    questions = list(data.course_questions().itertuples())[::3]  # 36 questions, one per document
    documents = list(bounds)
    judges = {"judge_chunk_share": (judge_chunk_share, "chunk"), "judge_paragraph_share": (judge_paragraph_share, "paragraph")}
    accepted = {name: {scheme: 0 for scheme in schemes} for name in judges}
    for question in questions:
        start, end = (int(x) for x in bounds[question.doc_id][[question.paragraph, question.paragraph + 1]])
        for scheme, rows in chunks.items():
            neighbour = documents[(documents.index(question.doc_id) + 1) % len(documents)]  # one other document too
            for chunk in (r for r in rows if r["doc_id"] in (question.doc_id, neighbour)):
                shared = _overlap(chunk, start, end) if chunk["doc_id"] == question.doc_id else 0
                for name, (judge, share_of) in judges.items():
                    whole = chunk["tokens"] if share_of == "chunk" else end - start
                    expected = shared >= whole / 2
                    verdict = _call(judge, dict(chunk), question, what=name)
                    if bool(verdict) == expected:
                        accepted[name][scheme] += expected
                        continue
                    where = (f"question {question.id} (answered by {question.doc_id}, paragraph {question.paragraph}) and "
                             f"the chunk of {chunk['doc_id']}, tokens {chunk['start_token']}-{chunk['end_token']}")
                    if chunk["doc_id"] != question.doc_id:
                        raise Wrong(f"{name} accepts a chunk of another document ({where}).")
                    other = chunk["tokens"] if share_of == "paragraph" else end - start
                    if bool(verdict) == (shared >= other / 2):
                        raise Wrong(f"{name} measures the share of the {'chunk' if share_of == 'paragraph' else 'paragraph'}; "
                                    f"it should measure the share of the {share_of} ({where}).")
                    if 2 * shared == whole:
                        raise Wrong(f"for {where} exactly half is shared: 'at least half' accepts it.")
                    raise Wrong(f"{name} says {bool(verdict)} for {where}; {shared} of the {whole} pieces of the "
                                f"{share_of} are shared.")
    fifty = accepted["judge_paragraph_share"]["50 tokens"]
    shortest = min(int(np.diff(e).min()) for e in bounds.values())
    return (f"both judges agree with the check on every chunk of {len(questions)} questions' documents. Judge (b) "
            f"accepted {fifty or 'no'} 50-token window(s): the shortest paragraph has {shortest} pieces, and half "
            "of it does not fit in 50.")
