# Generated from notebooks/08_chunking_and_retrieval.ipynb by tools/export_lessons.py: do not edit.
# Change the lesson's #@save cells instead, then run `make export`.
"""Code taught in notebooks/08_chunking_and_retrieval.ipynb, for later lessons, checks and tools to import."""

import numpy as np


def document_pieces(doc, tokenizer):
    """Every word piece of a document in order, as (paragraph index, start char, end char) in that paragraph."""
    pieces = []
    for p, text in enumerate(doc.paragraphs):
        offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        pieces += [(p, start, end) for start, end in offsets]
    return pieces


def chunk_row(doc, pieces, start, end):
    """The chunk made of pieces[start:end]: its text, cut from the original paragraphs, and its position."""
    window = pieces[start:end]
    paragraphs = sorted({p for p, _, _ in window})
    texts = []
    for p in paragraphs:
        spans = [(s, e) for q, s, e in window if q == p]
        texts.append(doc.paragraphs[p][spans[0][0]:spans[-1][1]])
    return {"doc_id": doc.Index, "title": doc.title, "start_token": start, "end_token": end,
            "first_paragraph": paragraphs[0], "last_paragraph": paragraphs[-1], "text": "\n\n".join(texts)}


def token_windows(doc, tokenizer, size, overlap=0):
    pieces = document_pieces(doc, tokenizer)
    starts = range(0, max(len(pieces) - overlap, 1), size - overlap)
    return [chunk_row(doc, pieces, s, min(s + size, len(pieces))) for s in starts]


def paragraph_chunks(doc, tokenizer):
    pieces = document_pieces(doc, tokenizer)
    bounds = np.cumsum([0] + [sum(1 for p, _, _ in pieces if p == k) for k in range(len(doc.paragraphs))])
    return [chunk_row(doc, pieces, start, end) for start, end in zip(bounds[:-1], bounds[1:])]
