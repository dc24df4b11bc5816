"""Lesson 03 · Transformers, BERT and the cross-encoder: the checks of counting tokens, an ambiguous word, a cross-
encoder's input and its score by hand."""

import pytest
import torch

from embedding_course import exercises, models

from .solutions import solution_code
from .verdicts import accepted, rejected, unanswered

pytestmark = pytest.mark.slow  # every test here loads a real model


@pytest.fixture(scope="module")
def llm_tokenizer():
    return models.load_llm_tokenizer()


def test_03_1_token_counts(capsys, backbone, llm_tokenizer):
    tokenizer = backbone[0]
    text = "Das Wetter ist heute schön, aber morgen regnet es."
    pieces, bpe = len(tokenizer.tokenize(text)), len(llm_tokenizer.encode(text, bos=False, eos=False))
    accepted(capsys, exercises.check_token_counts, text, pieces, bpe, tokenizer, llm_tokenizer)
    rejected(capsys, "[CLS] and [SEP] are added", exercises.check_token_counts,
             text, len(tokenizer(text)["input_ids"]), bpe, tokenizer, llm_tokenizer)
    rejected(capsys, "the number of words", exercises.check_token_counts, text, pieces, len(text.split()),
             tokenizer, llm_tokenizer)


def test_03_2_ambiguous_word(capsys, backbone):
    tokenizer, net = backbone
    sentences = ["He lit a match to see in the dark.", "She struck a match and lit the candle.",
                 "The football match ended in a draw."]
    printed = accepted(capsys, exercises.check_ambiguous_word, "match", sentences, tokenizer, net)
    assert "a gap of 0." in printed
    rejected(capsys, "pick a word that is a single token", exercises.check_ambiguous_word,
             "embedding", sentences, tokenizer, net)
    rejected(capsys, "does not contain the token 'bark'", exercises.check_ambiguous_word,
             "bark", ["The dog began to bark.", "The bark of the tree was rough.", "Birds sing."], tokenizer, net)


def test_03_3_pair_input(capsys, backbone):
    tokenizer = backbone[0]
    pair_input = solution_code("03", "pair_input", tokenizer=tokenizer)["pair_input"]

    def first_sep_of_type_1(a, b):  # a wrong answer: the [SEP] after a belongs to a (type 0)
        ids, types = pair_input(a, b)
        n = len(tokenizer.tokenize(a)) + 1
        return ids, types[:n] + [1] + types[n + 1:]

    accepted(capsys, exercises.check_pair_input, pair_input, tokenizer)
    rejected(capsys, "the [SEP] after a has type 1", exercises.check_pair_input, first_sep_of_type_1, tokenizer)
    rejected(capsys, "does not start with [CLS]", exercises.check_pair_input,
             lambda a, b: tuple(part[1:] for part in pair_input(a, b)), tokenizer)
    unanswered(capsys, exercises.check_pair_input, lambda a, b: None, tokenizer)


@pytest.fixture(scope="module")
def untrained_cross_encoder():
    """A cross-encoder with a seeded, untrained head: the check compares against its predict(), whatever it learned."""
    from embedding_course import cross_encoder
    from embedding_course.lesson import seed_everything

    seed_everything(42)
    return cross_encoder.new_cross_encoder("all-MiniLM-L6-v2", max_length=64)


def test_03_4_cross_encoder_score(capsys, untrained_cross_encoder):
    model = untrained_cross_encoder

    def logit(a, b):
        with torch.no_grad():
            return model.model.classifier(model.model.bert(**model.tokenizer(a, b, return_tensors="pt")).pooler_output).item()

    accepted(capsys, exercises.check_cross_encoder_score, lambda a, b: torch.sigmoid(torch.tensor(logit(a, b))).item(), model)
    rejected(capsys, "your scores are the logits", exercises.check_cross_encoder_score, logit, model)
