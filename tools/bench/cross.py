"""Section 3: the most similar pair among n sentences, by the cross-encoder and by the bi-encoder."""

from __future__ import annotations

import numpy as np

from embedding_course.metrics import timed

from .common import median, set_torch_threads, stsb_sentences, timings

# The SBERT paper (Reimers & Gurevych, 2019, section 1): the most similar pair in 10,000 sentences
# takes ~65 hours with BERT as a cross-encoder and ~5 seconds with SBERT, on a V100 GPU.
SBERT_PAPER = {"sentences": 10_000, "cross_encoder_s": 65 * 3600, "bi_encoder_s": 5.0, "hardware": "one V100 GPU"}


def best_pair_cross(model, sentences: list[str], batch_size: int = 32) -> tuple[int, int]:
    """The most similar pair by the cross-encoder: one forward pass per pair, all n(n-1)/2 of them."""
    pairs = [(i, j) for i in range(len(sentences)) for j in range(i + 1, len(sentences))]
    scores = model.predict([(sentences[i], sentences[j]) for i, j in pairs], batch_size=batch_size,
                           show_progress_bar=False)
    return pairs[int(np.argmax(scores))]


def best_pair_in_vectors(vectors: np.ndarray, block: int = 2000) -> tuple[int, int]:
    """The most similar pair of distinct rows of unit ``vectors`` (cosine), ``block`` rows at a time.

    >>> best_pair_in_vectors(np.array([[1.0, 0.0], [0.0, 1.0], [0.8, 0.6]]))
    (0, 2)
    """
    best, where = -np.inf, (0, 1)
    n = len(vectors)
    for start in range(0, n, block):
        sims = vectors[start:start + block] @ vectors.T
        rows = np.arange(sims.shape[0])[:, None] + start
        sims[np.arange(n)[None, :] <= rows] = -np.inf  # keep j > i only: each pair once, no self-pairs
        k = int(np.argmax(sims))
        if sims.flat[k] > best:
            best, where = float(sims.flat[k]), (start + k // n, k % n)
    return where


def compare_at(n: int, sentences: list[str], ce, bi, repeats: int) -> dict:
    """Timings of both searches among the first ``n`` of ``sentences``, and whether they found the same pair."""
    from embedding_course import models

    subset = sentences[:n]
    cross_t, cross_best = timings(lambda: best_pair_cross(ce, subset), repeats, warmup=0)
    bi_t, bi_best = timings(lambda: best_pair_in_vectors(models.embed(subset, bi)), repeats, warmup=1)
    row = {"n": n, "pairs": n * (n - 1) // 2, "cross_s": cross_t, "bi_s": bi_t, "cross_s_median": median(cross_t),
           "bi_s_median": median(bi_t), "ratio": median(cross_t) / median(bi_t),
           "cross_best_pair": cross_best, "bi_best_pair": bi_best,
           "same_best_pair": tuple(cross_best) == tuple(bi_best)}
    print(f"  n={n}: cross {median(cross_t):.2f} s, bi {median(bi_t):.3f} s, ratio {row['ratio']:,.0f}", flush=True)
    return row


def extrapolate(big: dict, sentences: list[str], bi, repeats: int, rate_sentences: int) -> dict:
    """Both searches at :data:`SBERT_PAPER`'s size: the cross-encoder at its rate in row ``big``, the
    bi-encoder at its rate on ``rate_sentences`` sentences plus a measured search of a 10,000-row matrix."""
    from embedding_course import models

    per_pair = big["cross_s_median"] / big["pairs"]
    embed_t, _ = timings(lambda: models.embed(sentences[:rate_sentences], bi), repeats, warmup=0)
    per_sentence = median(embed_t) / rate_sentences
    n10k = SBERT_PAPER["sentences"]
    unit = np.random.default_rng(0).standard_normal((n10k, 384), dtype=np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)  # the arithmetic does not depend on the values
    sim_t, _ = timings(lambda: best_pair_in_vectors(unit), repeats, warmup=0)
    cross_10k = per_pair * n10k * (n10k - 1) / 2
    bi_10k = per_sentence * n10k + median(sim_t)
    return {"sentences": n10k, "pairs": n10k * (n10k - 1) // 2,
            "cross_s_per_pair": per_pair, "cross_pairs_per_s": 1 / per_pair, "from_n": big["n"],
            "bi_embed_s_per_sentence": per_sentence, "bi_embed_rate_sentences": rate_sentences,
            "bi_embed_s": embed_t, "similarity_10k_s": sim_t, "similarity_10k_s_median": median(sim_t),
            "cross_s": cross_10k, "bi_s": bi_10k, "ratio": cross_10k / bi_10k}


def bench_cross(ns: list[int], repeats: int, rate_sentences: int) -> dict:
    """Most-similar-pair search among n sentences: cross-encoder (all pairs) vs bi-encoder, for each n,
    then both extrapolated to 10,000 sentences (see :data:`SBERT_PAPER`)."""
    from embedding_course import cross_encoder, models

    threads = set_torch_threads()
    was_saved = cross_encoder.saved_recipe(cross_encoder.model_dir()) == cross_encoder.STSB_2500
    # trains (~1-2 min) only if no saved model of the course's recipe
    ce_seconds, ce = timed(cross_encoder.load_or_train)
    bi = models.load_sentence_transformer("all-MiniLM-L6-v2")
    sentences = stsb_sentences(max(max(ns), rate_sentences))
    best_pair_cross(ce, sentences[:8])  # warm-up of the cross-encoder
    rows = [compare_at(n, sentences, ce, bi, repeats) for n in ns]
    return {"cross_encoder": f"course cross-encoder {cross_encoder.STSB_2500.name} (MiniLM-L6 backbone, max_length "
                             f"{cross_encoder.STSB_2500.max_length})",
            "cross_encoder_was_saved": was_saved, "cross_encoder_load_or_train_s": ce_seconds,
            "bi_encoder": "all-MiniLM-L6-v2 via models.embed (batch 32) + cosine matrix",
            "sentences": "distinct STS-B sentences (test split first)", "torch_threads": threads,
            "repeats": repeats, "by_n": rows,
            "extrapolation": extrapolate(rows[-1], sentences, bi, repeats, rate_sentences),
            "paper": {**SBERT_PAPER, "ratio": SBERT_PAPER["cross_encoder_s"] / SBERT_PAPER["bi_encoder_s"]}}
