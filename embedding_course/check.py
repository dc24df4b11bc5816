"""Environment check: versions, every model found and verified, every data set found.

Run it as ``python -m embedding_course.check`` (``make check``) or call
:func:`check_environment` from lesson 00. Exits non-zero if anything is missing.
"""

from __future__ import annotations

import importlib.metadata as metadata
import platform
import sys

from .pins import read_pins

PINNED = ["torch", "sentence-transformers", "transformers", "tokenizers", "onnxruntime", "gensim",
          "pymilvus", "milvus-lite", "milvus", "scikit-learn", "numpy", "pandas", "matplotlib",
          "umap-learn", "jupyterlab", "nbval"]


#: What Colab provides itself, so lesson 00's check accepts it there (see tools/colab_setup.py).
COLAB_OWN = {"torch": "Colab's build", "jupyterlab": "not needed on Colab", "nbval": "not needed on Colab"}


def versions():
    """Python and the pinned libraries' versions, compared with requirements.txt when it is there."""
    import pandas as pd

    from .paths import REPO_DIR

    requirements = REPO_DIR / "requirements.txt" if REPO_DIR is not None else None
    wanted = read_pins(requirements) if requirements is not None and requirements.exists() else {}
    on_colab = "google.colab" in sys.modules
    rows = [{"package": "python", "installed": platform.python_version(), "pinned": "3.11 (3.10+)",
             "ok": sys.version_info >= (3, 10)}]
    for name in PINNED:
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        pin = wanted.get(name, "-")
        ok = installed != "missing" and (pin == "-" or installed.split("+")[0] == pin)
        if on_colab and name in COLAB_OWN:
            # Colab brings its own torch and notebook server; the Colab cell installs everything else at our pins.
            pin, ok = COLAB_OWN[name], name != "torch" or installed != "missing"
        rows.append({"package": name, "installed": installed, "pinned": pin, "ok": ok})
    return pd.DataFrame(rows).set_index("package")


def _model_rows():
    from . import models

    for name, spec in models.CATALOG.items():
        try:
            models.model_path(name)  # locates and verifies the SHA-256
            yield {"item": name, "kind": "model", "detail": f"sha256 {spec.sha256[:12]}... verified", "ok": True}
        except Exception as error:  # the check reports every failure, it does not stop at the first
            yield {"item": name, "kind": "model", "detail": f"{type(error).__name__}: {error}", "ok": False}


def _data_rows():
    from . import data

    loaders = {
        "Lee documents + ratings": lambda: f"{len(data.lee_documents())} docs, {len(data.lee_pairs())} rated pairs",
        "Lee background corpus": lambda: f"{len(data.lee_background())} docs",
        "polarity sentences": lambda: f"{len(data.polarity())} sentences",
        "mini newsgroups": lambda: f"{len(data.newsgroups())} posts",
        "WordSim-353": lambda: f"{len(data.word_similarity('wordsim353'))} word pairs",
        "SimLex-999": lambda: f"{len(data.word_similarity('simlex999'))} word pairs",
        "STS benchmark": lambda: ", ".join(f"{s} {len(data.stsb(s))}" for s in ("train", "dev", "test")) + " pairs",
        "course sentences": lambda: f"{sum(len(v) if isinstance(v, list) else 1 for v in data.course_sentences().values())} examples",
        "course corpus": lambda: f"{len(data.course_corpus())} docs, {len(data.course_paragraphs())} paragraphs",
        "course questions": lambda: f"{len(data.course_questions())} questions",
        "course pairs": lambda: f"{len(data.course_pairs())} labelled pairs",
    }
    for name, load in loaders.items():
        try:
            yield {"item": name, "kind": "data", "detail": load(), "ok": True}
        except Exception as error:
            yield {"item": name, "kind": "data", "detail": f"{type(error).__name__}: {error}", "ok": False}


def check_environment():
    """One row per model and data set: found, verified and counted, or the error that says what to do."""
    import pandas as pd

    return pd.DataFrame([*_model_rows(), *_data_rows()]).set_index("item")


def main() -> int:
    import pandas as pd

    with pd.option_context("display.max_colwidth", 100, "display.width", 200):
        table = versions()
        print(table.to_string(), end="\n\n")
        report = check_environment()
        print(report.to_string())
    failed = int((~table["ok"]).sum() + (~report["ok"]).sum())
    print(f"\n{'All checks passed.' if not failed else f'{failed} check(s) failed: see the rows with ok=False.'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
