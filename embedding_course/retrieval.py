"""The course's retrieval task: find the one sentence that answers a question.

The 108 course questions (``data/questions.jsonl``) are searched in every sentence of the course's
36 documents (972 sentences) plus 500 sentences of real news from the Lee background corpus as
distractors. A question's relevant passage is the sentence of its answering paragraph that holds
most of the words of its short answer. Neighbouring sentences on the same topic compete with the
answer, so a good dense model finds it first only about 7 times in 10: room to measure a gain.

Questions are split into three folds by document (``fold`` column), so that a model trained on
some documents' questions can be evaluated on the others.

>>> from embedding_course import retrieval
>>> retrieval.split_sentences("One. Two? Three!")
['One.', 'Two?', 'Three!']
>>> retrieval.answer_sentence(["Bees dance.", "Karl von Frisch decoded it."], "Karl von Frisch")
1
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import data
from .paths import generated_dir

#: A sentence ends after ".", "!" or "?" and the spaces that follow (the rule of lesson 08's exercise 2).
SENTENCE_END = r"(?<=[.!?])\s+"
#: How many distractor sentences come from the Lee background corpus (its first ones of 6 words or more).
DISTRACTORS = 500
FOLDS = 3

__all__ = ["DISTRACTORS", "FOLDS", "SENTENCE_END", "RetrievalTask", "answer_sentence", "encode_once", "keep_vectors",
           "retrieval_task", "split_sentences"]


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, split after ., ! or ? followed by white space."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    return [s for s in re.split(SENTENCE_END, re.sub(r"\s+", " ", text).strip()) if s]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def answer_sentence(sentences: list[str], answer: str) -> int:
    """Index of the sentence that holds the largest share of the answer's words (the first on a tie)."""
    wanted = _words(answer)
    if not sentences or not wanted:
        raise ValueError("need at least one sentence and an answer with at least one word or number")
    shares = [len(wanted & _words(s)) / len(wanted) for s in sentences]
    return shares.index(max(shares))


@dataclass(frozen=True)
class RetrievalTask:
    """``passages``: id, source, doc_id, paragraph, sentence, text. ``queries``: id, question, doc_id,
    paragraph, answer, relevant (the id of the answering passage), fold."""

    passages: object
    queries: object

    @property
    def relevant(self) -> list[str]:
        return self.queries["relevant"].tolist()

    def fold(self, k: int):
        """``(train_queries, test_queries)``: the questions of documents outside fold ``k``, and inside it."""
        if k not in range(FOLDS):
            raise ValueError(f"fold must be one of {list(range(FOLDS))}, not {k!r}")
        inside = self.queries["fold"] == k
        return self.queries[~inside].reset_index(drop=True), self.queries[inside].reset_index(drop=True)


@lru_cache(maxsize=1)
def _build():
    import pandas as pd

    rows = []
    for doc in data.course_corpus().itertuples():
        for p, paragraph in enumerate(doc.paragraphs):
            for s, sentence in enumerate(split_sentences(paragraph)):
                rows.append({"id": f"{doc.id}:{p}:{s}", "source": "course", "doc_id": doc.id,
                             "paragraph": p, "sentence": s, "text": sentence})
    news = [s for article in data.lee_background() for s in split_sentences(article) if len(s.split()) >= 6]
    rows += [{"id": f"lee:{i}", "source": "lee-background", "doc_id": None, "paragraph": None, "sentence": None,
              "text": s} for i, s in enumerate(news[:DISTRACTORS])]
    passages = pd.DataFrame(rows)

    queries = data.course_questions()
    by_paragraph = passages.groupby(["doc_id", "paragraph"])
    relevant = []
    for q in queries.itertuples():
        group = by_paragraph.get_group((q.doc_id, q.paragraph))
        relevant.append(group["id"].iloc[answer_sentence(group["text"].tolist(), q.answer)])
    documents = sorted(queries["doc_id"].unique())
    queries["relevant"] = relevant
    queries["fold"] = queries["doc_id"].map({d: i % FOLDS for i, d in enumerate(documents)})
    return passages, queries


def retrieval_task() -> RetrievalTask:
    """The task (fresh copies of its tables, so a lesson may change them freely)."""
    passages, queries = _build()
    return RetrievalTask(passages.copy(), queries.copy())


def _vectors_file(name: str, texts) -> tuple[Path, list[str]]:
    # Where encode_once keeps the vectors of `texts` by model `name`: one file per name and list of texts.
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must name the model, such as 'all-mpnet-base-v2', not {name!r}")
    texts = list(texts)
    if not texts or not all(isinstance(t, str) for t in texts):
        raise ValueError("texts must be a non-empty list of strings")
    digest = hashlib.sha256()
    for part in [name, *texts]:
        digest.update(part.encode("utf-8") + b"\0")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "model"
    return generated_dir("vectors") / f"{slug}-{digest.hexdigest()[:16]}.npy", texts


def encode_once(name: str, encode, texts) -> np.ndarray:
    """``encode(texts)``, kept on disk so that a slow model encodes the same texts only once.

    The vectors go to ``generated/vectors/<name>-<hash of the name and texts>.npy``: other texts (or another
    order) make another file, and a file of the wrong shape is encoded again. ``name`` names the model.

    >>> passage_vectors = encode_once("all-mpnet-base-v2", mpnet.encode, task.passages["text"])  # doctest: +SKIP
    """
    path, texts = _vectors_file(name, texts)
    if path.is_file():
        try:
            stored = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            stored = None  # a damaged file: encode again below
        if stored is not None and stored.ndim == 2 and len(stored) == len(texts):
            return stored
    return _keep(path, texts, encode(texts))


def keep_vectors(name: str, texts, vectors) -> np.ndarray:
    """Keep ``vectors``, the encoding of ``texts`` by model ``name``, where :func:`encode_once` looks first.

    A lesson that encodes in front of the learner keeps its vectors this way, so that a later notebook (its
    solutions) reads them with ``encode_once`` instead of encoding the same texts again.

    >>> keep_vectors("all-MiniLM-L6-v2", task.passages["text"], passage_vectors)  # doctest: +SKIP
    """
    return _keep(*_vectors_file(name, texts), vectors)


def _keep(path: Path, texts: list[str], vectors) -> np.ndarray:
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or len(vectors) != len(texts):
        raise ValueError(f"the vectors must be one vector per text: {len(texts)} rows, got shape {vectors.shape}")
    partial = path.with_name(path.stem + ".partial.npy")
    np.save(partial, vectors, allow_pickle=False)
    os.replace(partial, path)  # a run stopped halfway never leaves half a file
    return vectors
