"""Lesson 02 · Word vectors and RNN hidden states: the checks of family analogies in GloVe, an IDF-weighted average,
a bidirectional GRU and an LSTM encoder."""

import numpy as np
import pytest
import torch
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from torch import nn

from embedding_course import data, exercises, models
from embedding_course.exercises import lesson_02
from embedding_course.lessons.l02_word_vectors_and_rnns import GRUEncoder, analogy, glove_words, ids_of

from .solutions import solution_code
from .verdicts import accepted, rejected, unanswered

pytestmark = pytest.mark.slow  # every test here loads a real model


@pytest.fixture(scope="module")
def glove():
    return models.load_glove()


@pytest.fixture(scope="module")
def answers(glove):
    baseline = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit(data.lee_background() + data.lee_documents())
    return solution_code("02", "idf_mean_glove", "BiGRUEncoder", "LSTMEncoder", glove=glove, baseline=baseline,
                         glove_words=glove_words, ENGLISH_STOP_WORDS=ENGLISH_STOP_WORDS, np=np, torch=torch, nn=nn,
                         GRUEncoder=GRUEncoder) | {"baseline": baseline}


def test_02_1_family_analogies(capsys, glove):
    family = lesson_02._family_questions()
    unit = glove.get_normed_vectors()
    truth = np.array([glove.key_to_index[q[3]] for q in family])
    # the check answers all questions at once; on 40 of them it agrees with the lesson's analogy()
    correct = sum(analogy(glove, unit, b, a, c, topn=1)[0][0] == d for a, b, c, d in family[:40])
    assert correct == int((lesson_02._analogy_answers(glove, family[:40]) == truth[:40]).sum())
    full = int((lesson_02._analogy_answers(glove, family) == truth).sum())
    accepted(capsys, exercises.check_family_analogies, family, full, glove)
    rejected(capsys, "lowercase the lines", exercises.check_family_analogies,
             [[w.capitalize() for w in q] for q in family], full, glove)
    rejected(capsys, "than the check's", exercises.check_family_analogies, family, full + 1, glove)
    with_inputs = int((lesson_02._analogy_answers(glove, family, exclude_inputs=False) == truth).sum())
    assert with_inputs < full  # b - a + c is often nearest to b or c themselves
    rejected(capsys, "your count lets the three input words be answers", exercises.check_family_analogies,
             family, with_inputs, glove)


def test_02_2_idf_weighted_glove(capsys, glove, answers):
    def plain_mean(text):
        return glove[[w for w in glove_words(text) if w in glove.key_to_index and w not in ENGLISH_STOP_WORDS]].mean(axis=0)

    def template(text):
        ...

    baseline = answers["baseline"]
    accepted(capsys, exercises.check_idf_weighted_glove, answers["idf_mean_glove"], glove, baseline)
    rejected(capsys, "your vectors are the plain mean", exercises.check_idf_weighted_glove, plain_mean, glove, baseline)
    unanswered(capsys, exercises.check_idf_weighted_glove, template, glove, baseline)


def packed(encoder, texts):
    lengths = torch.tensor([len(ids) for ids in texts])
    padded = nn.utils.rnn.pad_sequence(texts, batch_first=True)
    return nn.utils.rnn.pack_padded_sequence(encoder.emb(padded), lengths, batch_first=True, enforce_sorted=False)


@pytest.fixture(scope="module")
def wrong_encoders(answers):
    class BiGRUUnpacked(answers["BiGRUEncoder"]):
        def encode(self, texts):  # the padding is read as tokens
            last = self.gru(self.emb(nn.utils.rnn.pad_sequence(texts, batch_first=True)))[1]
            return torch.cat([last[0], last[1]], dim=1)

    class LSTMCell(answers["LSTMEncoder"]):
        def encode(self, texts):
            return self.gru(packed(self, texts))[1][1][0]  # c, the memory cell, instead of h

    class Template(GRUEncoder):
        def encode(self, texts):
            ...

    return {"unpacked": BiGRUUnpacked, "cell": LSTMCell, "template": Template}


@pytest.fixture(scope="module")
def post_ids(glove):
    return [ids_of(text, glove) for text in data.newsgroups(clean=True)["text"][:6]]


def test_02_3_bidirectional_gru(capsys, glove, post_ids, answers, wrong_encoders):
    assert len({len(ids) for ids in post_ids}) > 1  # texts of different lengths: the padding is tested
    accepted(capsys, exercises.check_bidirectional_gru, answers["BiGRUEncoder"], glove.vectors, post_ids)
    rejected(capsys, "Pack the padded batch", exercises.check_bidirectional_gru, wrong_encoders["unpacked"],
             glove.vectors, post_ids)
    rejected(capsys, "bidirectional=True", exercises.check_bidirectional_gru, GRUEncoder, glove.vectors, post_ids)
    unanswered(capsys, exercises.check_bidirectional_gru, wrong_encoders["template"], glove.vectors, post_ids)


def test_02_4_lstm_encoder(capsys, glove, post_ids, answers, wrong_encoders):
    accepted(capsys, exercises.check_lstm_encoder, answers["LSTMEncoder"], glove.vectors, post_ids)
    rejected(capsys, "you returned the memory cell c", exercises.check_lstm_encoder, wrong_encoders["cell"],
             glove.vectors, post_ids)
    unanswered(capsys, exercises.check_lstm_encoder, wrong_encoders["template"], glove.vectors, post_ids)
