"""The checks of lesson 09 · Retrieval that works: BM25, hybrid search and rerankers."""

from __future__ import annotations

import numpy as np

from ..lessons.l01_sparse_vectors import bm25_weights
from ..lessons.l09_hybrid_search_and_reranking import analyze, bm25_query_scores, rrf
from .core import Wrong, close, exercise, nonempty_text, number


def _ranking_lists(lists, name: str, questions: int) -> list[list[int]]:
    if isinstance(lists, (str, bytes)) or not hasattr(lists, "__len__") or len(lists) != questions:
        raise Wrong(f"{name} should be the lesson's list of {questions} candidate lists (section 5), one per question.")
    return [list(ranking) for ranking in lists]


def rrf_recall_at_1(dense_lists, bm25_lists, k: float) -> float:
    """recall@1 on the course's retrieval task of RRF with constant ``k`` over two lists of row numbers."""
    from .. import retrieval

    task = retrieval.retrieval_task()
    passage_ids = task.passages["id"].tolist()
    firsts = [passage_ids[rrf([d, b], k=k, top=1)[0]] for d, b in zip(dense_lists, bm25_lists)]
    return float(np.mean([first == relevant for first, relevant in zip(firsts, task.relevant)]))


@exercise("09.1", "RRF's constant", "recall_k1", "recall_k1000")
def check_rrf_constant(recall_k1, recall_k1000, dense_lists, bm25_lists):
    """recall@1 of RRF with k = 1 and with k = 1000, fused by hand from the lesson's two candidate lists.

    >>> exercises.check_rrf_constant(0.65, 0.61, dense_lists, bm25_lists)             # doctest: +SKIP
    """
    dense_lists = _ranking_lists(dense_lists, "dense_lists", 108)
    bm25_lists = _ranking_lists(bm25_lists, "bm25_lists", 108)
    mine = {1: number(recall_k1, "rrf_recall_k1"), 1000: number(recall_k1000, "rrf_recall_k1000")}
    if not all(0 <= value <= 1 for value in mine.values()):
        raise Wrong("a recall@1 is a share of the 108 questions, between 0 and 1.")
    expected = {k: rrf_recall_at_1(dense_lists, bm25_lists, k) for k in (1, 60, 1000)}
    if (close(mine[1], expected[1000], tol=1e-6) and close(mine[1000], expected[1], tol=1e-6)
            and not close(expected[1], expected[1000], tol=1e-6)):
        raise Wrong("your two values look swapped: the first is for k = 1, the second for k = 1000.")
    for k, value in mine.items():
        if close(value, expected[k], tol=1e-6):
            continue
        if close(value, expected[60], tol=1e-6):
            raise Wrong(f"your value for k = {k} is what k = 60 gives: pass k={k} to rrf.")
        raise Wrong(f"your recall@1 for k = {k} is not what RRF with k = {k} gives: fuse [dense, bm25] for each "
                    "question, take the first id, map it to its passage id and compare with task.relevant.")
    return (f"k = 1 gives {expected[1]:.3f}, k = 60 gives {expected[60]:.3f}, k = 1000 gives {expected[1000]:.3f}. "
            "A small k lets the first places of each list decide; a large k counts every candidate almost "
            "alike, so a passage found by both lists wins even from low ranks.")


def _first_rows(question: str, passage_ids: list[str], texts: list[str], passage_vectors, model) -> tuple[int, int]:
    """The row of the passage that BM25 ranks first for ``question``, and of the one the dense model ranks first."""
    from .. import models

    weights, vocabulary = bm25_weights([analyze(t) for t in texts], k1=1.5, b=0.75, lucene_idf=True)
    bm25 = bm25_query_scores(question, weights, vocabulary)
    dense = np.asarray(passage_vectors, dtype=np.float32) @ models.embed([question], model)[0]
    return int(np.argmax(bm25)), int(np.argmax(dense))


@exercise("09.2", "a question BM25 answers and MiniLM misses", "question", "passage")
def check_bm25_beats_dense(question, passage, passage_vectors, model):
    """A question of your own whose answer sentence BM25 ranks first and the dense model does not.

    >>> exercises.check_bm25_beats_dense("Who ...?", "doc-02:1:0", passage_vectors, model)   # doctest: +SKIP
    """
    from .. import retrieval

    question = nonempty_text(question, "my_question")
    passage = nonempty_text(passage, "my_passage")
    passages = retrieval.retrieval_task().passages
    passage_ids, texts = passages["id"].tolist(), passages["text"].tolist()
    if passage not in passage_ids:
        raise Wrong(f"{passage!r} is not a passage id of the task: ids look like 'doc-02:1:0' (document, "
                    "paragraph, sentence); look it up in passages['id'].")
    row = passage_ids.index(passage)
    if passages["source"].iloc[row] != "course":
        raise Wrong("choose a sentence of the course's documents (an id starting with 'doc-'), not a news sentence.")
    if passage_vectors is None or np.shape(passage_vectors) != (len(passage_ids), 384):
        raise Wrong("pass the lesson's passage_vectors (all-MiniLM-L6-v2 vectors of the 1,472 passages) and model.")
    sentence_words = set(analyze(texts[row]))
    shared = set(analyze(question)) & sentence_words
    if len(shared) > len(sentence_words) / 2:
        raise Wrong(f"your question repeats {len(shared)} of the sentence's {len(sentence_words)} words: leave out "
                    "at least half of them, as a person asking would.")
    bm25_first, dense_first = _first_rows(question, passage_ids, texts, passage_vectors, model)
    if bm25_first != row:
        raise Wrong(f"BM25 puts another passage first ({passage_ids[bm25_first]}): use a rarer word of your sentence, "
                    "one that few other passages contain.")
    if dense_first == row:
        raise Wrong("the dense model finds your sentence first too: ask about what the sentence says in fewer of "
                    "its topic words and more of its specific ones (a name, a number, a rare term).")
    return (f"BM25 puts {passage} first; MiniLM prefers {passage_ids[dense_first]} "
            f"({texts[dense_first][:60]}...). That is the kind of question a hybrid search can rescue.")
