"""The checks of lesson 03 · Transformers, BERT and the cross-encoder."""

from __future__ import annotations

import numpy as np

from .core import Wrong, call, cosine, exercise, nonempty_text, number


@exercise("03.1", "tokens in other text", "text", "wordpiece_count", "bpe_count")
def check_token_counts(text, wordpiece_count, bpe_count, tokenizer, llm_tokenizer):
    """How many WordPiece pieces (MiniLM's ``tokenizer.tokenize``) and byte-level BPE tokens a text of yours has.

    >>> exercises.check_token_counts("Das Wetter ist heute schön.", 9, 8, tokenizer, llm_tokenizer)  # doctest: +SKIP
    """
    text = nonempty_text(text, "text")
    pieces = tokenizer.tokenize(text)
    bpe = llm_tokenizer.encode(text, bos=False, eos=False)
    for name, answer, expected, extra in [("wordpiece_count", wordpiece_count, len(pieces),
                                           "[CLS] and [SEP] are added around the text, they are not pieces of it"),
                                          ("bpe_count", bpe_count, len(bpe),
                                           "the begin/end-of-text tokens (bos, eos) are not pieces of the text")]:
        count = number(answer, name)
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
    word = nonempty_text(word, "word").lower()
    pieces = tokenizer.tokenize(word)
    if pieces != [word]:
        raise Wrong(f"WordPiece cuts {word!r} into {pieces}: pick a word that is a single token.")
    if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)) or len(sentences) != 3:
        raise Wrong("sentences should be a list of three sentences: two with one sense of the word, the third with another.")
    sentences = [nonempty_text(s, f"sentences[{k}]") for k, s in enumerate(sentences)]
    (in_1, out_1), (in_2, out_2), (in_3, out_3) = (_token_vectors(s, word, tokenizer, backbone) for s in sentences)
    same, different = cosine(out_1, out_2), (cosine(out_1, out_3) + cosine(out_2, out_3)) / 2
    layer_0 = cosine(in_1, in_2) - (cosine(in_1, in_3) + cosine(in_2, in_3)) / 2
    if same <= different:
        raise Wrong(f"at the output the two same-sense vectors are not closer (cosine {same:.3f}) than the "
                    f"different-sense ones ({different:.3f}). Is the third sentence really the other sense, and "
                    "do the first two share it? The model can also fail on a word: try another.")
    return (f"output: same sense {same:.3f}, different sense {different:.3f}, a gap of {same - different:.3f}; "
            f"after the embedding layer the gap is {layer_0:.3f} (only the positions differ there).")


def _pair_examples():
    from .. import data

    pairs = data.course_pairs()
    return list(zip(pairs["sentence1"], pairs["sentence2"]))[::48][:5]  # five pairs of different kinds


@exercise("03.3", "a cross-encoder's input by hand", "pair_input")
def check_pair_input(pair_input, tokenizer):
    """``pair_input(a, b) -> (input_ids, token_type_ids)`` for ``[CLS] a [SEP] b [SEP]``, against ``tokenizer(a, b)``.

    >>> exercises.check_pair_input(pair_input, tokenizer)                      # doctest: +SKIP
    """
    for a, b in _pair_examples():
        result = call(pair_input, a, b, what="pair_input")
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
    mine = np.array([number(call(score_by_hand, a, b, what="score_by_hand"), "score_by_hand(a, b)") for a, b in pairs])
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
