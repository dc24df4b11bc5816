"""The checks of lesson 04 · Sentence embeddings with bi-encoders (SBERT), and how to choose a model."""

from __future__ import annotations

import numpy as np

from .core import Wrong, close, content_words, cosine, exercise, model_or_default, nonempty_text, number, words


def _pair_of_texts(value, name: str) -> tuple[str, str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or len(value) != 2:
        raise Wrong(f"{name} should be a pair of sentences: (first, second).")
    return nonempty_text(value[0], f"{name}[0]"), nonempty_text(value[1], f"{name}[1]")


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
    if sorted(words(a)) != sorted(words(b)):
        extra = sorted(set(words(a)) ^ set(words(b)))
        raise Wrong(f"the look-alike sentences should use the same words (in another order or with other punctuation); "
                    f"these occur in only one of them: {', '.join(extra) or 'a repeated word'}.")
    words_c, words_d = content_words(c), content_words(d)
    if words_c and words_d and len(words_c & words_d) > min(len(words_c), len(words_d)) / 2:
        raise Wrong(f"the paraphrase pair shares most of its content words ({', '.join(sorted(words_c & words_d))}): "
                    "say the same thing in other words.")
    vectors = model_or_default(model).encode([a, b, c, d], normalize_embeddings=True)
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

    from .. import metrics

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
    if min(cosine(m, e) for m, e in zip(mine, expected_cls)) < 0.9999:
        if min(cosine(m, e) for m, e in zip(mine, mean)) > 0.9999:
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
    answer = number(symmetric_loss, "symmetric_loss")
    if close(answer, expected, 1e-4):
        return (f"{expected:.4f}, as MultipleNegativesRankingLoss with both directions computes: anchors -> positives "
                f"{forward:.4f}, positives -> anchors {backward:.4f}.")
    for why, value in {"the loss of one direction only: add the cross-entropy of scaled.T (each positive picks its anchor)": forward,
                       "the loss of the positives -> anchors direction only: average it with the other direction": backward,
                       "the sum of the two directions: take their mean": forward + backward,
                       "without the scale: multiply the cosines by 20 first": unscaled}.items():
        if close(answer, value, 1e-4):
            raise Wrong(f"that is {why}.")
    raise Wrong("that is not the mean of the two cross-entropies: scaled = 20 * cosines (anchors x positives); "
                "(cross_entropy(scaled, arange) + cross_entropy(scaled.T, arange)) / 2.")
