"""Section 2: texts/s of ``models.embed`` against plain sentence-transformers ``encode``."""

from __future__ import annotations

import numpy as np

from embedding_course.metrics import timed

from .common import TARGETS, median, set_torch_threads, stsb_sentences

COURSE, PLAIN = "embedding_course.models.embed", "SentenceTransformer.encode"


def bench_throughput(n_texts: int, batch_size: int, repeats: int) -> dict:
    """texts/s of ``models.embed`` vs plain ``SentenceTransformer.encode``: same model object, texts,
    batch size and normalization, alternating which goes first in each repeat."""
    from embedding_course import models

    threads = set_torch_threads()
    model = models.load_sentence_transformer("all-MiniLM-L6-v2")
    texts = stsb_sentences(n_texts)

    def course():
        return models.embed(texts, model, batch_size=batch_size, normalize=True)

    def plain():
        return model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                            show_progress_bar=False)

    same = float(np.abs(course() - plain()).max())  # also the warm-up of both
    times: dict[str, list[float]] = {COURSE: [], PLAIN: []}
    for k in range(repeats):
        order = [(COURSE, course), (PLAIN, plain)]
        for name, fn in order if k % 2 == 0 else order[::-1]:
            times[name].append(timed(fn)[0])
        print(f"  repeat {k + 1}/{repeats}: " + ", ".join(f"{n} {t[-1]:.2f} s" for n, t in times.items()), flush=True)
    rates = {name: [n_texts / t for t in ts] for name, ts in times.items()}
    med = {name: median(r) for name, r in rates.items()}
    paired = [a / b for a, b in zip(rates[COURSE], rates[PLAIN])]
    ratio = med[COURSE] / med[PLAIN]
    return {"model": "all-MiniLM-L6-v2", "texts": n_texts, "text_source": "distinct STS-B sentences (test split first)",
            "batch_size": batch_size, "normalize": True, "torch_threads": threads, "repeats": repeats,
            "max_abs_difference": same, "texts_per_s": rates, "texts_per_s_median": med,
            "ratio_of_medians": ratio, "paired_ratio_median": median(paired),
            "target_ratio": TARGETS["throughput_ratio"], "pass": ratio >= TARGETS["throughput_ratio"]}
