"""Loaders for the real data the lessons use, all of it available offline.

* gensim's packaged test data (read from the installed package, never copied into the repo):
  the Lee news documents with human similarity ratings, the Lee background corpus, movie-review
  polarity sentences, a mini 20-newsgroups sample, and word-similarity sets.
* the STS benchmark, read from ``$STSB_DIR`` (or ``generated/stsbenchmark``); online users can
  download it from the model hub dataset ``sentence-transformers/stsb``.
* the course's own data in ``data/`` (see ``data/README.md``).

>>> from embedding_course import data
>>> len(data.lee_documents())                                             # doctest: +SKIP
50
"""

from __future__ import annotations

import csv
import json
import os
import pickle
import re
import zlib
from pathlib import Path

from .errors import MissingDataError
from .paths import data_dir, generated_dir

STSB_HUB_ID = "sentence-transformers/stsb"
STSB_SPLITS = {"train": "sts-train.csv", "dev": "sts-dev.csv", "test": "sts-test.csv"}


# ---------------------------------------------------------------- gensim's packaged test data
def gensim_path(name: str) -> Path:
    """Path of a file in gensim's packaged test data (``gensim/test/test_data``)."""
    if not isinstance(name, str) or not 0 < len(name) <= 255 or "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError(f"name must be the name of a file in gensim's test data, e.g. 'lee.cor', not {name!r:.80}")
    try:
        from gensim.test.utils import datapath
    except ImportError:
        raise MissingDataError("gensim is not installed: `pip install gensim==4.4.0` (or run `make venv`).") from None
    path = Path(datapath(name))
    if not path.is_file():
        raise MissingDataError(f"{name} is not in gensim's test data at {path.parent}: reinstall gensim==4.4.0.")
    return path


def _lines(name: str, encoding: str = "utf-8") -> list[str]:
    return [line.strip() for line in gensim_path(name).read_text(encoding=encoding).splitlines() if line.strip()]


def lee_documents() -> list[str]:
    """The 50 short news documents of Lee, Pincombe & Welsh (2005), one string each."""
    return _lines("lee.cor", encoding="latin-1")


def lee_similarity_matrix():
    """The 50 x 50 matrix of mean human similarity ratings (0-1) of the Lee documents, made symmetric."""
    import numpy as np

    upper = np.loadtxt(gensim_path("similarities0-1.txt"))
    return np.triu(upper) + np.triu(upper, 1).T


def lee_pairs():
    """The 1,225 distinct document pairs (upper triangle) with their human rating: columns i, j, human."""
    import numpy as np
    import pandas as pd

    matrix = lee_similarity_matrix()
    i, j = np.triu_indices(len(matrix), k=1)
    return pd.DataFrame({"i": i, "j": j, "human": matrix[i, j]})


def lee_background() -> list[str]:
    """The 300 longer news documents of the Lee background corpus (for retrieval and fine-tuning)."""
    return _lines("lee_background.cor", encoding="latin-1")


def polarity():
    """200 movie-review sentences with their sentiment: columns text, label ('neg'/'pos')."""
    import pandas as pd

    rows = []
    for line in _lines("pang_lee_polarity.cor", encoding="latin-1"):
        label, _, text = line.partition(" ")
        rows.append({"text": text, "label": label.removeprefix("__label__")})
    return pd.DataFrame(rows)


class _Bunch(dict):
    """Stands in for the old ``sklearn.datasets.base.Bunch`` (a dict) inside the packaged pickle."""


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles only the handful of classes the packaged newsgroups file is made of.

    Unpickling runs whatever callables a file names, so every other global is refused.
    """

    def find_class(self, module: str, name: str):
        import copyreg

        import numpy as np
        from numpy._core import multiarray

        allowed = {
            ("copy_reg", "_reconstructor"): copyreg._reconstructor,
            ("__builtin__", "dict"): dict,
            ("sklearn.datasets.base", "Bunch"): _Bunch,
            ("numpy", "dtype"): np.dtype,
            ("numpy", "ndarray"): np.ndarray,
            ("numpy.core.multiarray", "_reconstruct"): multiarray._reconstruct,
        }
        try:
            return allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}: not part of the newsgroups file") from None


def restricted_unpickle(payload: bytes):
    """Load a Python-2 pickle that may hold only a Bunch of lists and numpy arrays (see :class:`RestrictedUnpickler`)."""
    import io

    if not isinstance(payload, (bytes, bytearray, memoryview)) or not payload:
        what = "empty" if isinstance(payload, (bytes, bytearray, memoryview)) else type(payload).__name__
        raise TypeError(f"payload must be the bytes of a pickle (e.g. zlib.decompress(path.read_bytes())), not {what}")
    return RestrictedUnpickler(io.BytesIO(payload), encoding="latin-1").load()


# An e-mail-like token. The (?<!\S) makes matches start only where a token starts: the same matches as
# \S+@\S+, but in linear time (\S+@\S+ alone retries from every character of a long run with no space).
_EMAIL = re.compile(r"(?<!\S)\S+@\S+")


def clean_newsgroup_post(post: str) -> str:
    """A post without what gives its label away: the header (it names the newsgroup), the signature,
    quoted lines, "In article ... writes:" lines and e-mail addresses."""
    if not isinstance(post, str):
        raise TypeError(f"post must be one newsgroup post as a string, not {type(post).__name__}")
    body = post.partition("\n\n")[2]  # everything after the header block
    body = re.split(r"^-- ?$", body, flags=re.M)[0]  # a signature starts at a "-- " line
    lines = [line for line in body.splitlines()
             if not line.lstrip().startswith((">", "|", "In article"))
             and not any(marker in line for marker in ("writes:", "wrote:", "Newsgroups:"))]
    return _EMAIL.sub(" ", "\n".join(lines))


def newsgroups(clean: bool = False):
    """200 posts from two newsgroups (alt.atheism, sci.space): columns text, label.

    Raw posts start with a header that names their newsgroup, so a model can read the label off
    it: pass ``clean=True`` to strip headers, signatures and quotes (:func:`clean_newsgroup_post`).
    gensim ships the posts as a zlib-compressed Python-2 pickle of an old scikit-learn Bunch; it is
    read with a restricted unpickler that refuses anything but the classes that file needs.
    """
    import pandas as pd

    if clean not in (True, False):  # a string such as "no" would be true and clean the posts
        raise TypeError(f"clean must be True or False, not {clean!r}")
    bunch = restricted_unpickle(zlib.decompress(gensim_path("mini_newsgroup").read_bytes()))
    names = list(bunch["target_names"])
    texts = [clean_newsgroup_post(t) if clean else t for t in bunch["data"]]
    return pd.DataFrame({"text": texts, "label": [names[t] for t in bunch["target"]]})


def word_similarity(name: str = "wordsim353"):
    """A word-similarity set with human scores: columns word1, word2, human.

    ``name`` is ``"wordsim353"`` (relatedness, 0-10) or ``"simlex999"`` (similarity, 0-10).
    """
    import pandas as pd

    files = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
    if not isinstance(name, str) or name not in files:
        raise ValueError(f"name must be one of {sorted(files)}, not {name!r}")
    return pd.read_csv(gensim_path(files[name]), sep="\t", comment="#", header=None,
                       names=["word1", "word2", "human"])


# ---------------------------------------------------------------- STS benchmark
def stsb_dir() -> Path:
    """Where the STS benchmark csv files are: ``$STSB_DIR``, else ``generated/stsbenchmark``."""
    configured = os.environ.get("STSB_DIR")
    return Path(configured) if configured else generated_dir("stsbenchmark")


def _read_stsb_csv(path: Path):
    import pandas as pd

    rows = []
    with open(path, encoding="utf-8") as f:
        # Tab separated, no quoting; some lines carry extra trailing columns, which are ignored.
        for fields in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(fields) >= 7:
                rows.append({"genre": fields[0], "score": float(fields[4]), "sentence1": fields[5], "sentence2": fields[6]})
    return pd.DataFrame(rows)


def stsb(split: str = "test", source: str = "local"):
    """The STS benchmark: columns genre, score (0-5, human), sentence1, sentence2.

    ``source="local"`` reads the original csv files from :func:`stsb_dir` (train 5,749 / dev 1,500 /
    test 1,379 pairs). ``source="hub"`` downloads ``sentence-transformers/stsb`` (scores 0-1,
    rescaled here to 0-5; no genre column) and needs a network.
    """
    if not isinstance(split, str) or split not in STSB_SPLITS:
        raise ValueError(f"split must be one of {sorted(STSB_SPLITS)}, not {split!r}")
    if source == "hub":
        from datasets import load_dataset

        frame = load_dataset(STSB_HUB_ID, split="validation" if split == "dev" else split).to_pandas()
        return frame.assign(score=frame["score"] * 5)
    if source != "local":
        raise ValueError(f"source must be 'local' or 'hub', not {source!r}")
    path = stsb_dir() / STSB_SPLITS[split]
    if not path.exists():
        raise MissingDataError(
            f"STS benchmark file {path} not found. Set STSB_DIR to the folder holding "
            f"{', '.join(STSB_SPLITS.values())} (the course's CI uses ../shared/data/stsbenchmark), "
            f"or, when online, call stsb(split, source='hub') to download {STSB_HUB_ID}."
        )
    return _read_stsb_csv(path)


def stsb_available() -> bool:
    """True when the local STS benchmark files are there (lessons skip the STS-B rows otherwise)."""
    return all((stsb_dir() / name).exists() for name in STSB_SPLITS.values())


# ---------------------------------------------------------------- the course's own data (data/)
def _course_file(name: str) -> Path:
    path = data_dir() / name
    if not path.exists():
        raise MissingDataError(f"The course data file {path} is missing: restore it with `git checkout -- data/{name}`.")
    return path


def course_sentences() -> dict:
    """The example sentences the lessons discuss (``data/sentences.json``), grouped by what they show."""
    return json.loads(_course_file("sentences.json").read_text(encoding="utf-8"))


def _jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in _course_file(name).read_text(encoding="utf-8").splitlines() if line.strip()]


def course_corpus():
    """The course's documents (``data/corpus.jsonl``): columns id, title, topic, paragraphs (a list)."""
    import pandas as pd

    return pd.DataFrame(_jsonl("corpus.jsonl"))


def course_paragraphs():
    """One row per paragraph of the course's documents: columns doc_id, title, paragraph, text."""
    import pandas as pd

    rows = [{"doc_id": doc["id"], "title": doc["title"], "paragraph": k, "text": text}
            for doc in _jsonl("corpus.jsonl") for k, text in enumerate(doc["paragraphs"])]
    return pd.DataFrame(rows)


def course_questions():
    """Questions with the paragraph that answers each (``data/questions.jsonl``): id, question, doc_id, paragraph, answer."""
    import pandas as pd

    return pd.DataFrame(_jsonl("questions.jsonl"))


def course_pairs():
    """Sentence pairs with a similarity label in [0, 1] (``data/pairs.csv``): id, sentence1, sentence2, score, kind."""
    import pandas as pd

    return pd.read_csv(_course_file("pairs.csv"))
