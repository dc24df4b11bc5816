"""The checks of lesson 08 · Putting it together: chunking and retrieval."""

from __future__ import annotations

import re

import numpy as np

from .core import Wrong, call, exercise


def lesson_chunks(tokenizer, size: int | None, overlap: int = 0) -> list[dict]:
    """Lesson 08's chunks of every course document, by its own code: token windows, or paragraphs (``size=None``)."""
    from .. import data
    from ..lessons.l08_chunking_and_retrieval import paragraph_chunks, token_windows

    rows = []
    for doc in data.course_corpus().set_index("id").itertuples():
        chunks = paragraph_chunks(doc, tokenizer) if size is None else token_windows(doc, tokenizer, size, overlap)
        rows += [{**chunk, "tokens": chunk["end_token"] - chunk["start_token"]} for chunk in chunks]
    return rows


def _paragraph_bounds(tokenizer) -> dict[str, np.ndarray]:
    """Per document: where each paragraph starts in the document's word pieces, and the end (lesson 08's paragraphs)."""
    bounds = {}
    for chunk in lesson_chunks(tokenizer, None):
        bounds.setdefault(chunk["doc_id"], [0]).append(chunk["end_token"])
    return {doc_id: np.array(edges) for doc_id, edges in bounds.items()}


@exercise("08.1", "overlapping windows", "chunks")
def check_overlap_windows(chunks, tokenizer, size: int = 100, overlap: int = 20):
    """Token windows of ``size`` pieces, each starting ``size - overlap`` after the previous, over every document.

    ``chunks``: a DataFrame like the lesson's ``chunks`` (``doc_id``, ``start_token``, ``end_token``).

    >>> exercises.check_overlap_windows(overlap_chunks, tokenizer)            # doctest: +SKIP
    """
    import pandas as pd

    if not isinstance(chunks, pd.DataFrame) or not {"doc_id", "start_token", "end_token"} <= set(chunks.columns):
        raise Wrong("chunks should be a DataFrame with doc_id, start_token and end_token columns, like the lesson's chunks.")
    bounds = _paragraph_bounds(tokenizer)
    expected = pd.DataFrame(lesson_chunks(tokenizer, size, overlap))
    missing = sorted(set(bounds) - set(chunks["doc_id"]))
    if missing:
        raise Wrong(f"{len(missing)} document(s) have no windows, e.g. {missing[0]}: chunk all {len(bounds)} documents.")
    for doc_id, edges in bounds.items():
        mine = chunks[chunks["doc_id"] == doc_id].sort_values("start_token")
        starts, ends = mine["start_token"].astype(int).tolist(), mine["end_token"].astype(int).tolist()
        theirs = expected[expected["doc_id"] == doc_id]
        if (starts, ends) == (theirs["start_token"].tolist(), theirs["end_token"].tolist()):
            continue
        n = int(edges[-1])
        steps = set(np.diff(starts).tolist())
        if steps == {size}:
            raise Wrong(f"in {doc_id} your windows start every {size} pieces, so they do not overlap: with {overlap} "
                        f"pieces of overlap the next window starts {size - overlap} pieces after the previous one.")
        if steps and steps != {size - overlap}:
            raise Wrong(f"in {doc_id} consecutive windows start {sorted(steps)} pieces apart; they should start "
                        f"{size - overlap} apart ({size} - {overlap}).")
        if any(e - s > size for s, e in zip(starts, ends)):
            raise Wrong(f"in {doc_id} a window holds more than {size} pieces.")
        if not ends or ends[-1] != n:
            raise Wrong(f"{doc_id} has {n} word pieces; your last window ends at {ends[-1] if ends else None}: cover the "
                        "document to its end (the last window may be shorter).")
        if len(starts) > len(theirs):
            raise Wrong(f"the last window of {doc_id} lies inside the one before it (it adds no new piece): stop "
                        "when a window has reached the end of the document.")
        raise Wrong(f"the windows of {doc_id} differ from start_token = 0, {size - overlap}, {2 * (size - overlap)}, ... "
                    f"with end_token = min(start + {size}, pieces in the document).")
    if len(chunks) != len(expected):
        raise Wrong(f"you have {len(chunks)} rows for {len(expected)} windows: is a window listed twice?")
    plain = len(lesson_chunks(tokenizer, size))
    return (f"{len(expected)} windows of up to {size} pieces, {overlap} shared with the next (without overlap: "
            f"{plain}): {len(expected) / plain - 1:.0%} more vectors to store and search.")


def _sentence_chunks(paragraphs: list[str], count, budget: int) -> list[str]:
    chunks = []
    for paragraph in paragraphs:
        current = []
        for sentence in re.split(r"(?<=[.!?])\s+", paragraph.strip()):
            if current and count(" ".join(current + [sentence])) > budget:
                chunks.append(" ".join(current))
                current = []
            current.append(sentence)
        if current:
            chunks.append(" ".join(current))
    return chunks


@exercise("08.2", "a sentence-packing chunker", "sentence_chunks")
def check_sentence_chunker(sentence_chunks, tokenizer, budget: int = 100):
    """``sentence_chunks(paragraphs, budget)``: whole sentences of one paragraph, packed greedily, at most ``budget`` pieces.

    >>> exercises.check_sentence_chunker(sentence_chunks, tokenizer)          # doctest: +SKIP
    """
    from .. import data

    def count(text):
        return len(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    documents = data.course_corpus().head(4)
    for doc in documents.itertuples():
        paragraphs = list(doc.paragraphs)
        mine = call(sentence_chunks, paragraphs, budget, what="sentence_chunks")
        if isinstance(mine, str) or not all(isinstance(c, str) for c in mine):
            raise Wrong("sentence_chunks should return a list of strings (the chunks' texts).")
        mine = list(mine)
        expected = _sentence_chunks(paragraphs, count, budget)
        if mine == expected:
            continue
        name = f"{doc.id} «{doc.title}»"
        if " ".join(" ".join(mine).split()) != " ".join(" ".join(paragraphs).split()):
            raise Wrong(f"for {name} your chunks put together are not the document's text: every sentence, in order, once.")
        sentences = [s for p in paragraphs for s in re.split(r"(?<=[.!?])\s+", p.strip())]
        for k, chunk in enumerate(mine):
            pieces = count(chunk)
            if pieces > budget and chunk not in sentences:
                raise Wrong(f"chunk {k} of {name} has {pieces} word pieces, more than the budget of {budget}.")
            if not any(chunk in p for p in paragraphs):
                raise Wrong(f"chunk {k} of {name} runs across a paragraph boundary: start a new chunk with each paragraph.")
            if not any(chunk.startswith(s) for s in sentences):
                raise Wrong(f"chunk {k} of {name} starts in the middle of a sentence: chunks hold whole sentences.")
        for k in range(len(mine) - 1):
            joined = mine[k] + " " + mine[k + 1]
            if any(joined in p for p in paragraphs) and count(joined) <= budget:
                raise Wrong(f"chunks {k} and {k + 1} of {name} would fit together within {budget} pieces: add each "
                            "sentence to the current chunk while the chunk stays within the budget.")
        raise Wrong(f"for {name} your chunks differ from packing each paragraph's sentences greedily (a new chunk "
                    f"when the next sentence would take the chunk over {budget} pieces; sentences joined by one space).")
    sizes = [count(c) for doc in documents.itertuples() for c in _sentence_chunks(list(doc.paragraphs), count, budget)]
    return (f"on {len(documents)} documents: {len(sizes)} chunks of {min(sizes)} to {max(sizes)} pieces (mean "
            f"{np.mean(sizes):.0f}), every one made of whole sentences of one paragraph.")


def _overlap(chunk: dict, start: int, end: int) -> int:
    return max(0, min(chunk["end_token"], end) - max(chunk["start_token"], start))


@exercise("08.3", "stricter judges", "judge_chunk_share", "judge_paragraph_share")
def check_stricter_judges(judge_chunk_share, judge_paragraph_share, tokenizer):
    """Two judges ``(chunk, question) -> bool``: (a) at least half of the chunk's pieces are the answering paragraph's;
    (b) at least half of the answering paragraph's pieces are in the chunk. Checked on the lesson's chunkings.

    >>> exercises.check_stricter_judges(judge_chunk_share, judge_paragraph_share, tokenizer)  # doctest: +SKIP
    """
    from .. import data

    bounds = _paragraph_bounds(tokenizer)
    schemes = {"50 tokens": 50, "100 tokens": 100, "200 tokens": 200, "400 tokens": 400, "paragraph": None}
    chunks = {scheme: lesson_chunks(tokenizer, size) for scheme, size in schemes.items()}
    questions = list(data.course_questions().itertuples())[::3]  # 36 questions, one per document
    documents = list(bounds)
    judges = {"judge_chunk_share": (judge_chunk_share, "chunk"), "judge_paragraph_share": (judge_paragraph_share, "paragraph")}
    accepted = {name: {scheme: 0 for scheme in schemes} for name in judges}
    for question in questions:
        start, end = (int(x) for x in bounds[question.doc_id][[question.paragraph, question.paragraph + 1]])
        for scheme, rows in chunks.items():
            neighbour = documents[(documents.index(question.doc_id) + 1) % len(documents)]  # one other document too
            for chunk in (r for r in rows if r["doc_id"] in (question.doc_id, neighbour)):
                shared = _overlap(chunk, start, end) if chunk["doc_id"] == question.doc_id else 0
                for name, (judge, share_of) in judges.items():
                    whole = chunk["tokens"] if share_of == "chunk" else end - start
                    expected = shared >= whole / 2
                    verdict = call(judge, dict(chunk), question, what=name)
                    if bool(verdict) == expected:
                        accepted[name][scheme] += expected
                        continue
                    where = (f"question {question.id} (answered by {question.doc_id}, paragraph {question.paragraph}) and "
                             f"the chunk of {chunk['doc_id']}, tokens {chunk['start_token']}-{chunk['end_token']}")
                    if chunk["doc_id"] != question.doc_id:
                        raise Wrong(f"{name} accepts a chunk of another document ({where}).")
                    other = chunk["tokens"] if share_of == "paragraph" else end - start
                    if bool(verdict) == (shared >= other / 2):
                        raise Wrong(f"{name} measures the share of the {'chunk' if share_of == 'paragraph' else 'paragraph'}; "
                                    f"it should measure the share of the {share_of} ({where}).")
                    if 2 * shared == whole:
                        raise Wrong(f"for {where} exactly half is shared: 'at least half' accepts it.")
                    raise Wrong(f"{name} says {bool(verdict)} for {where}; {shared} of the {whole} pieces of the "
                                f"{share_of} are shared.")
    fifty = accepted["judge_paragraph_share"]["50 tokens"]
    shortest = min(int(np.diff(e).min()) for e in bounds.values())
    return (f"both judges agree with the check on every chunk of {len(questions)} questions' documents. Judge (b) "
            f"accepted {fifty or 'no'} 50-token window(s): the shortest paragraph has {shortest} pieces, and half "
            "of it does not fit in 50.")
