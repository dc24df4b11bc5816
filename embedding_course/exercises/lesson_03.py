"""The checks of lesson 03 · Transformers, BERT and the cross-encoder."""

from __future__ import annotations

import numpy as np

from .core import Wrong, call, cosine, exercise, nonempty_text, number


def _news_characters_per_token(tokenizer, llm_tokenizer) -> dict[str, float]:
    """Section 1's measure on the 50 Lee news documents: characters (spaces included) per token, per tokenizer."""
    from .. import data

    documents = data.lee_documents()
    characters = sum(len(doc) for doc in documents)
    return {"wordpiece": characters / sum(len(tokenizer.tokenize(doc)) for doc in documents),
            "bpe": characters / sum(len(llm_tokenizer.encode(doc, bos=False, eos=False)) for doc in documents)}


_SHORTER_ANSWERS = ("wordpiece", "bpe", "both", "neither")


@exercise("03.1", "tokens in other text", "text", "wordpiece_count", "bpe_count", "wordpiece_chars_per_token",
          "bpe_chars_per_token", "continuation_pieces", "unknown_pieces", "shorter_than_news")
def check_token_counts(text, wordpiece_count, bpe_count, wordpiece_chars_per_token, bpe_chars_per_token,
                       continuation_pieces, unknown_pieces, shorter_than_news, tokenizer, llm_tokenizer):
    """A text of yours through both tokenizers: the token counts, the characters per token of each, the ``##`` and
    ``[UNK]`` pieces of WordPiece, and which tokenizer's tokens are shorter on it than on English news (section 1).

    ``shorter_than_news`` is "wordpiece", "bpe", "both" or "neither": the tokenizers that get fewer characters per
    token on the text than on the 50 Lee news documents.

    >>> exercises.check_token_counts("Das Wetter ist heute schön.", 9, 6, 3.0, 4.5, 3, 0, "both",
    ...                              tokenizer, llm_tokenizer)                            # doctest: +SKIP
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
    rates = {"wordpiece": len(text) / len(pieces), "bpe": len(text) / len(bpe)}
    counts = {"wordpiece": len(pieces), "bpe": len(bpe)}
    for name, answer, tokenizer_name in [("wordpiece_chars_per_token", wordpiece_chars_per_token, "wordpiece"),
                                         ("bpe_chars_per_token", bpe_chars_per_token, "bpe")]:
        value, expected, count = number(answer, name), rates[tokenizer_name], counts[tokenizer_name]
        if abs(value - expected) <= 0.05 + 1e-9:  # rounded to one decimal is fine
            continue
        other = "bpe" if tokenizer_name == "wordpiece" else "wordpiece"
        variants = {"tokens per character: divide the characters by the tokens, not the other way round":
                        count / len(text),
                    "characters per word: divide by the number of tokens, not of words": len(text) / len(text.split()),
                    "counted without the spaces: section 1 counts every character, spaces included (len(text))":
                        len(text.replace(" ", "")) / count,
                    f"the value of the other tokenizer ({other}): each tokenizer has its own count": rates[other]}
        for k in (1, 2):
            variants.setdefault(f"divided by {k} token(s) too many: the special tokens are not pieces of the text",
                                len(text) / (count + k))
        why, wrong = min(variants.items(), key=lambda variant: abs(value - variant[1]))  # the nearest mistake
        if abs(value - wrong) <= 0.05 + 1e-9:
            raise Wrong(f"{name} is {why}.")
        raise Wrong(f"{name} is not the number of characters of your text divided by its number of tokens "
                    f"({'too high' if value > expected else 'too low'}).")
    continued, unknown = sum(p.startswith("##") for p in pieces), pieces.count("[UNK]")
    answer = number(continuation_pieces, "continuation_pieces")
    if answer != continued:
        split_words = sum(1 for k, p in enumerate(pieces) if not p.startswith("##")
                          and k + 1 < len(pieces) and pieces[k + 1].startswith("##"))
        if answer == split_words + continued and continued:
            raise Wrong("continuation_pieces also counts the first piece of each cut word: count only the pieces "
                        "that start with ##.")
        if answer == split_words and continued:
            raise Wrong("continuation_pieces is the number of words that were cut; count the pieces that start "
                        "with ## (a word cut in three has two of them).")
        raise Wrong(f"continuation_pieces is {'higher' if answer > continued else 'lower'} than the number of "
                    "WordPiece pieces that start with ##.")
    answer = number(unknown_pieces, "unknown_pieces")
    if answer != unknown:
        raise Wrong(f"unknown_pieces is {'higher' if answer > unknown else 'lower'} than the number of [UNK] pieces "
                    "WordPiece returns for your text (count them in its list, not in BPE's).")
    if not isinstance(shorter_than_news, str) or shorter_than_news.strip().lower() not in _SHORTER_ANSWERS:
        raise Wrong(f"shorter_than_news should be one of {', '.join(map(repr, _SHORTER_ANSWERS))}, "
                    f"not {shorter_than_news!r:.40}.")
    news = _news_characters_per_token(tokenizer, llm_tokenizer)
    said = shorter_than_news.strip().lower()
    claimed = {"wordpiece": said in ("wordpiece", "both"), "bpe": said in ("bpe", "both")}
    for name in ("wordpiece", "bpe"):
        shorter, tie = rates[name] < news[name], abs(rates[name] - news[name]) < 0.05
        if claimed[name] != shorter and not tie:
            label = "WordPiece" if name == "wordpiece" else "BPE"
            raise Wrong(f"on your text {label} gets {rates[name]:.1f} characters per token; compare that with its "
                        "characters per token on English news in section 1's table.")
    return (f"{len(text)} characters: WordPiece {len(pieces)} pieces ({rates['wordpiece']:.1f} characters each, "
            f"{news['wordpiece']:.1f} on English news; {continued} '##' pieces, {unknown} [UNK]), BPE {len(bpe)} "
            f"tokens ({rates['bpe']:.1f} characters each, {news['bpe']:.1f} on English news).")


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


#: How much closer the two same-sense vectors must be than the different-sense ones (output cosines). Three sentences
#: in ONE sense reach a gap by chance, because their other words differ: over 480 such triples of bank, bark, match and
#: pitch the gap exceeded 0.05 in 14% of them (half of them have a gap above 0), while 79% of 720 real two-sense
#: triples of the same words did. Lesson 03's own three triples have gaps of 0.063, 0.087 and 0.135.
SENSE_MARGIN = 0.05


@exercise("03.2", "your own ambiguous word", "word", "sentences")
def check_ambiguous_word(word, sentences, tokenizer, backbone):
    """A one-token word in three sentences (two in one sense, the third in another): at the output, the two same-sense
    vectors must be closer than the different-sense ones by more than three same-sense sentences usually are
    (:data:`SENSE_MARGIN`).

    >>> exercises.check_ambiguous_word("match", ["...", "...", "..."], tokenizer, backbone)  # doctest: +SKIP
    """
    word = nonempty_text(word, "word").lower()
    pieces = tokenizer.tokenize(word)
    if pieces != [word]:
        raise Wrong(f"WordPiece cuts {word!r} into {pieces}: pick a word that is a single token.")
    if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)) or len(sentences) != 3:
        raise Wrong("sentences should be a list of three sentences: two with one sense of the word, the third with another.")
    sentences = [nonempty_text(s, f"sentences[{k}]") for k, s in enumerate(sentences)]
    if len({" ".join(s.lower().split()) for s in sentences}) < 3:
        raise Wrong("two of your sentences are the same text: write three different sentences.")
    (in_1, out_1), (in_2, out_2), (in_3, out_3) = (_token_vectors(s, word, tokenizer, backbone) for s in sentences)
    same, different = cosine(out_1, out_2), (cosine(out_1, out_3) + cosine(out_2, out_3)) / 2
    layer_0 = cosine(in_1, in_2) - (cosine(in_1, in_3) + cosine(in_2, in_3)) / 2
    if same <= different:
        raise Wrong(f"at the output the two same-sense vectors are not closer (cosine {same:.3f}) than the "
                    f"different-sense ones ({different:.3f}). Is the third sentence really the other sense, and "
                    "do the first two share it? The model can also fail on a word: try another.")
    if same - different <= SENSE_MARGIN:
        raise Wrong(f"at the output the same-sense cosine ({same:.3f}) is only {same - different:.3f} above the "
                    f"different-sense one ({different:.3f}): three sentences that all use the word in the same sense "
                    f"often differ that much, just because their other words differ (the check asks for more than "
                    f"{SENSE_MARGIN}). Is the third sentence really the other sense? Make the senses plainly different, "
                    "or try another word.")
    return (f"output: same sense {same:.3f}, different sense {different:.3f}, a gap of {same - different:.3f} (the check "
            f"asks for more than {SENSE_MARGIN}); after the embedding layer the gap is {layer_0:.3f} "
            "(only the positions differ there).")


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
