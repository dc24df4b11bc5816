"""The data loaders: real files, the row counts the lessons rely on, and clear errors."""

import pickle
import zlib

import numpy as np
import pytest

from embedding_course import MissingDataError, data


def test_lee_documents_and_ratings():
    assert len(data.lee_documents()) == 50
    matrix = data.lee_similarity_matrix()
    assert matrix.shape == (50, 50) and np.allclose(matrix, matrix.T) and np.allclose(np.diag(matrix), 1)
    pairs = data.lee_pairs()
    assert len(pairs) == 1225 and (pairs["i"] < pairs["j"]).all() and pairs["human"].between(0, 1).all()


def test_lee_background_polarity_newsgroups():
    assert len(data.lee_background()) == 300
    polarity = data.polarity()
    assert polarity["label"].value_counts().to_dict() == {"neg": 100, "pos": 100}
    news = data.newsgroups()
    assert news["label"].value_counts().to_dict() == {"alt.atheism": 100, "sci.space": 100}
    assert news["text"].str.len().min() > 0


def test_clean_newsgroups_no_longer_name_their_group():
    raw, clean = data.newsgroups(), data.newsgroups(clean=True)
    assert all(label in text.partition("\n\n")[0] for label, text in zip(raw["label"], raw["text"]))
    assert not clean["text"].str.contains("Newsgroups:|^Path:", regex=True).any()
    names_own_group = [label in text for label, text in zip(clean["label"], clean["text"])]
    assert sum(names_own_group) < 0.1 * len(clean)  # only where the body itself talks about the group
    assert (clean["label"] == raw["label"]).all() and clean["text"].str.len().median() > 300


def test_word_similarity_sets():
    assert len(data.word_similarity("wordsim353")) == 353
    simlex = data.word_similarity("simlex999")
    assert len(simlex) == 999 and simlex["human"].between(0, 10).all()
    with pytest.raises(ValueError, match="wordsim353"):
        data.word_similarity("men3000")


def test_restricted_unpickler_refuses_anything_else():
    class Evil:
        def __reduce__(self):
            import os
            return (os.system, ("echo pwned",))

    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        data.restricted_unpickle(pickle.dumps(Evil(), protocol=0))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        data.restricted_unpickle(pickle.dumps(np.float64(1.0)))
    # ...while the packaged newsgroups file itself loads
    payload = zlib.decompress(data.gensim_path("mini_newsgroup").read_bytes())
    assert len(data.restricted_unpickle(payload)["data"]) == 200


def test_stsb_splits_have_the_published_sizes(stsb_required):
    sizes = {split: len(data.stsb(split)) for split in ("train", "dev", "test")}
    assert sizes == {"train": 5749, "dev": 1500, "test": 1379}
    test = data.stsb("test")
    assert test["score"].between(0, 5).all() and test["sentence2"].str.len().min() > 0


def test_missing_stsb_dir_says_how_to_fix_it(monkeypatch, tmp_path):
    monkeypatch.setenv("STSB_DIR", str(tmp_path / "nowhere"))
    assert not data.stsb_available()
    with pytest.raises(MissingDataError, match="STSB_DIR") as info:
        data.stsb("test")
    assert "source='hub'" in str(info.value)


def test_stsb_rejects_an_unknown_split():
    with pytest.raises(ValueError, match="split"):
        data.stsb("validation")


def test_missing_gensim_file_is_a_clear_error():
    with pytest.raises(MissingDataError, match="gensim"):
        data.gensim_path("no-such-file.cor")


# ---------------------------------------------------------------- the course's own data
def test_course_corpus_and_questions_agree():
    corpus = data.course_corpus()
    assert len(corpus) >= 30 and corpus["id"].is_unique
    paragraphs = data.course_paragraphs()
    words = paragraphs["text"].str.split().str.len()
    assert words.between(40, 250).all()
    questions = data.course_questions()
    assert len(questions) >= 90 and questions["id"].is_unique
    answerable = set(zip(paragraphs["doc_id"], paragraphs["paragraph"]))
    assert all((q.doc_id, q.paragraph) in answerable for q in questions.itertuples())


def test_course_pairs_are_labelled_in_unit_range():
    pairs = data.course_pairs()
    assert len(pairs) >= 200 and pairs["id"].is_unique
    assert pairs["score"].between(0, 1).all()
    assert {"paraphrase", "punctuation", "word_order", "negation", "unrelated"} <= set(pairs["kind"])


def test_course_sentences_cover_what_the_lessons_discuss():
    sentences = data.course_sentences()
    for key in ("query_ranking", "paraphrases", "no_shared_words", "word_order", "punctuation", "polysemy"):
        assert sentences[key], key
    ranking = sentences["query_ranking"]
    assert isinstance(ranking["query"], str) and len(ranking["candidates"]) >= 2  # something to rank
    assert len(set(ranking["candidates"])) == len(ranking["candidates"]) and ranking["query"] not in ranking["candidates"]
