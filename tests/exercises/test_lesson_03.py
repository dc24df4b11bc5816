"""Lesson 03 · Transformers, BERT and the cross-encoder: the checks of counting tokens, an ambiguous word, a cross-
encoder's input and its score by hand."""

import pytest
import torch

from embedding_course import data, exercises, models
from embedding_course.exercises import lesson_03
from embedding_course.lessons.l03_transformers_and_cross_encoders import bpe, wordpiece

from .solutions import solution_code
from .verdicts import accepted, rejected, unanswered

pytestmark = pytest.mark.slow  # every test here loads a real model


@pytest.fixture(scope="module")
def llm_tokenizer():
    return models.load_llm_tokenizer()


GERMAN = "Die Bundesregierung verabschiedete gestern das Haushaltsgesetz."  # 23 pieces (16 of them ##), 12 BPE tokens


def _token_answers(text, tokenizer, llm_tokenizer, shorter_than_news):
    """The right answers of exercise 1 for ``text``, as keyword arguments of the check."""
    pieces, tokens = wordpiece(text, tokenizer), bpe(text, llm_tokenizer)
    return dict(text=text, wordpiece_count=len(pieces), bpe_count=len(tokens),
                wordpiece_chars_per_token=len(text) / len(pieces), bpe_chars_per_token=len(text) / len(tokens),
                continuation_pieces=sum(p.startswith("##") for p in pieces), unknown_pieces=pieces.count("[UNK]"),
                shorter_than_news=shorter_than_news, tokenizer=tokenizer, llm_tokenizer=llm_tokenizer)


def test_03_1_news_rates_are_section_1s(backbone, llm_tokenizer):
    documents = data.lee_documents()
    characters = sum(len(doc) for doc in documents)
    news = {"wordpiece": characters / sum(len(wordpiece(doc, backbone[0])) for doc in documents),
            "bpe": characters / sum(len(bpe(doc, llm_tokenizer)) for doc in documents)}
    assert lesson_03._news_characters_per_token(backbone[0], llm_tokenizer) == pytest.approx(news)
    assert news["wordpiece"] > len(GERMAN) / 23 and news["bpe"] < len(GERMAN) / 12  # GERMAN: only WordPiece's shorter


def test_03_1_token_counts(capsys, backbone, llm_tokenizer):
    tokenizer = backbone[0]
    right = _token_answers(GERMAN, tokenizer, llm_tokenizer, "wordpiece")
    assert (right["wordpiece_count"], right["bpe_count"], right["continuation_pieces"]) == (23, 12, 16)
    printed = accepted(capsys, exercises.check_token_counts, **right)
    assert "(2.7 characters each, 5.0 on English news;" in printed
    rounded = dict(right, wordpiece_chars_per_token=2.7, bpe_chars_per_token=5.2, shorter_than_news="WordPiece")
    accepted(capsys, exercises.check_token_counts, **rounded)
    rejected(capsys, "[CLS] and [SEP] are added", exercises.check_token_counts,
             **dict(right, wordpiece_count=len(tokenizer(GERMAN)["input_ids"])))
    rejected(capsys, "the number of words", exercises.check_token_counts, **dict(right, bpe_count=len(GERMAN.split())))


def test_03_1_characters_per_token(capsys, backbone, llm_tokenizer):
    right = _token_answers(GERMAN, backbone[0], llm_tokenizer, "wordpiece")
    rejected(capsys, "wordpiece_chars_per_token is tokens per character", exercises.check_token_counts,
             **dict(right, wordpiece_chars_per_token=23 / len(GERMAN)))  # inverted
    rejected(capsys, "bpe_chars_per_token is the value of the other tokenizer (wordpiece)", exercises.check_token_counts,
             **dict(right, bpe_chars_per_token=right["wordpiece_chars_per_token"]))  # copied from the line above


def test_03_1_continuation_pieces(capsys, backbone, llm_tokenizer):
    right = _token_answers(GERMAN, backbone[0], llm_tokenizer, "wordpiece")  # 4 words cut into 20 pieces
    rejected(capsys, "also counts the first piece of each cut word", exercises.check_token_counts,
             **dict(right, continuation_pieces=16 + 4))
    rejected(capsys, "the number of words that were cut", exercises.check_token_counts,
             **dict(right, continuation_pieces=4))


def test_03_1_shorter_than_news(capsys, backbone, llm_tokenizer):
    right = _token_answers(GERMAN, backbone[0], llm_tokenizer, "wordpiece")
    rejected(capsys, "on your text BPE gets 5.2 characters per token", exercises.check_token_counts,
             **dict(right, shorter_than_news="both"))  # BPE's tokens are longer here than on news
    rejected(capsys, "on your text WordPiece gets 2.7 characters per token", exercises.check_token_counts,
             **dict(right, shorter_than_news="bpe"))  # the two swapped
    rejected(capsys, "shorter_than_news should be one of", exercises.check_token_counts,
             **dict(right, shorter_than_news="yes"))


def test_03_1_unknown_pieces(capsys, backbone, llm_tokenizer):
    text = "I love Zürich 😀 🍕"  # two [UNK], no ## piece
    right = _token_answers(text, backbone[0], llm_tokenizer, "both")
    assert right["unknown_pieces"] == 2
    accepted(capsys, exercises.check_token_counts, **right)
    rejected(capsys, "unknown_pieces is lower than the number of [UNK] pieces", exercises.check_token_counts,
             **dict(right, unknown_pieces=0))  # counted in BPE's list
    rejected(capsys, "counted without the spaces", exercises.check_token_counts,
             **dict(right, wordpiece_chars_per_token=len(text.replace(" ", "")) / right["wordpiece_count"]))


@pytest.mark.parametrize("blank", ["wordpiece_chars_per_token", "bpe_chars_per_token", "continuation_pieces",
                                   "unknown_pieces", "shorter_than_news"])
def test_03_1_any_answer_left_none_is_not_answered_yet(capsys, backbone, llm_tokenizer, blank):
    right = _token_answers(GERMAN, backbone[0], llm_tokenizer, "wordpiece")
    unanswered(capsys, exercises.check_token_counts, **dict(right, **{blank: None}))


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
    rejected(capsys, "two of your sentences are the same text", exercises.check_ambiguous_word,
             "match", sentences[:2] + [sentences[0].lower()], tokenizer, net)


def test_03_2_three_sentences_in_one_sense(capsys, backbone):
    tokenizer, net = backbone  # every sentence about a football match: only the other words differ
    small_gap = ["Our team won the match in the final minute.", "The football match ended in a draw.",
                 "The referee sent two players off during the match."]  # gap 0.026, within SENSE_MARGIN
    rejected(capsys, "three sentences that all use the word in the same sense", exercises.check_ambiguous_word,
             "match", small_gap, tokenizer, net)
    no_gap = ["The football match ended in a draw.", "We watched the match on television.",
              "The match was cancelled because of rain."]  # gap below 0
    rejected(capsys, "the two same-sense vectors are not closer", exercises.check_ambiguous_word,
             "match", no_gap, tokenizer, net)


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
