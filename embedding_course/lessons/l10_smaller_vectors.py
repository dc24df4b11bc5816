# Generated from notebooks/10_smaller_vectors.ipynb by tools/export_lessons.py: do not edit.
# Change the lesson's #@save cells instead, then run `make export`.
"""Code taught in notebooks/10_smaller_vectors.ipynb, for later lessons, checks and tools to import."""

import numpy as np


def int8_quantize(vectors, lo, hi):
    # Per dimension, 256 equal buckets from lo to hi; a value outside the range goes to the nearest end bucket.
    step = (hi - lo) / 255
    buckets = np.clip(np.floor((vectors - lo) / step), 0, 255)
    return (buckets - 128).astype(np.int8)


def int8_dequantize(codes, lo, hi):
    # The middle of each value's bucket: the float a stored int8 code stands for.
    return lo + (codes.astype(np.float32) + 128.5) * (hi - lo) / 255


def binary_quantize(vectors):
    return np.packbits(vectors > 0, axis=1)  # one bit per dimension (is it above 0?), 8 bits to a byte


def hamming_distances(query_bits, passage_bits):
    # XOR sets the bits in which two vectors differ; bitwise_count counts the 1s in each byte.
    return np.bitwise_count(query_bits[:, None, :] ^ passage_bits[None, :, :]).sum(axis=2, dtype=np.int32)


def rescore(hamming, query_vectors, passage_vectors, candidates=40):
    # The `candidates` nearest passages by Hamming distance, scored again with the float32 dot product.
    shortlist = np.argsort(hamming, axis=1, kind="stable")[:, :candidates]
    scores = np.full(hamming.shape, -np.inf)  # every passage left out of the short list ranks last
    for q, rows in enumerate(shortlist):
        scores[q, rows] = passage_vectors[rows] @ query_vectors[q]
    return scores
