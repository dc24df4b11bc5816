"""The checks of lesson 02 · Word vectors and RNN hidden states."""

from __future__ import annotations

import numpy as np

from .core import Wrong, call, cosine, exercise, number


def _family_questions() -> list[list[str]]:
    """The ": family" section of gensim's questions-words.txt, lowercased: [a, b, c, d] per line."""
    from .. import data

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
    count = number(family_correct, "family_correct")
    if count != correct:
        raw = int((_analogy_answers(glove, expected, exclude_inputs=False) == truth).sum())
        if count == raw:
            raise Wrong("your count lets the three input words be answers: analogy() skips them, count its first answer.")
        raise Wrong(f"your count is {'higher' if count > correct else 'lower'} than the check's: for [a, b, c, d] "
                    "call analogy(b, a, c) (b - a + c) and count the questions whose first answer is d.")
    return (f"{correct} of {len(expected)} ({correct / len(expected):.0%}) family analogies come out right with "
            "GloVe 50-d. Print the wrong ones to see which relations fail.")


def _idf_mean(text: str, glove, vectorizer, stop_words):
    from ..lessons.l02_word_vectors_and_rnns import glove_words

    words = [w for w in glove_words(text) if w in glove.key_to_index and w in vectorizer.vocabulary_ and w not in stop_words]
    weights = np.array([vectorizer.idf_[vectorizer.vocabulary_[w]] for w in words])
    return (weights[:, None] * glove[words]).sum(axis=0) / weights.sum()


@exercise("02.2", "weight the average", "idf_mean_glove")
def check_idf_weighted_glove(idf_mean_glove, glove, baseline):
    """An IDF-weighted mean of GloVe vectors, checked on the 50 Lee documents and scored on their ratings.

    >>> exercises.check_idf_weighted_glove(idf_mean_glove, glove, baseline)   # doctest: +SKIP
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from .. import data, metrics
    from ..lessons.l02_word_vectors_and_rnns import glove_words

    documents = data.lee_documents()
    mine = []
    for text in documents:
        vector = np.asarray(call(idf_mean_glove, text, what="idf_mean_glove"), dtype=float)
        if vector.shape != (glove.vector_size,):
            raise Wrong(f"idf_mean_glove should return one vector of {glove.vector_size} numbers, got shape {vector.shape}.")
        mine.append(vector)
    mine = np.array(mine)
    expected = np.array([_idf_mean(t, glove, baseline, ENGLISH_STOP_WORDS) for t in documents])
    agreement = np.array([cosine(a, b) for a, b in zip(mine, expected)])
    if (agreement < 1 - 1e-5).any():
        plain = np.array([glove[[w for w in glove_words(t) if w in glove.key_to_index and w not in ENGLISH_STOP_WORDS]]
                          .mean(axis=0) for t in documents])
        if all(cosine(a, b) > 1 - 1e-5 for a, b in zip(mine, plain)):
            raise Wrong("your vectors are the plain mean: multiply each word vector by its idf "
                        "(baseline.idf_[baseline.vocabulary_[word]]) and divide by the sum of the idfs.")
        worst = int(agreement.argmin())
        raise Wrong(f"{int((agreement < 1 - 1e-5).sum())} of 50 documents differ (document {worst}: cosine "
                    f"{agreement[worst]:.4f} with the check's). Keep the words of tokenize(text) that have a GloVe "
                    "vector and an idf and are not stop words, weight each by its idf, divide by the sum of weights.")
    weighted = metrics.lee_correlation(mine)
    plain = metrics.lee_correlation(np.array([glove[[w for w in glove_words(t) if w in glove.key_to_index
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
        states = call(encoder.encode, texts, what=f"{name}.encode")
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
            call(encoder.encode, texts, what="BiGRUEncoder.encode")  # an untouched template: "not answered"
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
            call(encoder.encode, texts, what="LSTMEncoder.encode")  # an untouched template: "not answered"
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
