# Generated from notebooks/09_hybrid_search_and_reranking.ipynb by tools/export_lessons.py: do not edit.
# Change the lesson's #@save cells instead, then run `make export`.
"""Code taught in notebooks/09_hybrid_search_and_reranking.ipynb, for later lessons, checks and tools to import."""

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
import numpy as np
import re


def analyze(text):
    return re.findall(r"\w+", text.lower())  # Milvus's standard analyzer: runs of letters, digits and _, lower-cased


def bm25_query_scores(query, weights, vocabulary):
    # One query's BM25 score for every document, as Milvus sums it: a word the query repeats counts each time.
    columns = [vocabulary[t] for t in analyze(query) if t in vocabulary]
    return weights[:, columns].sum(axis=1)


def rrf(rankings, k=60, top=10):
    # Reciprocal rank fusion: each list gives 1 / (k + rank); ties go to the smaller key, as in Milvus.
    fused = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1 / (k + rank)
    return sorted(fused, key=lambda key: (-fused[key], key))[:top]


def rerank_candidates(reranker, questions, candidates, passage_text, top=10):
    # Re-order each question's first `top` candidates by the cross-encoder's score: one forward pass per pair.
    pairs = [(q, passage_text[pid]) for q, cands in zip(questions, candidates) for pid in cands[:top]]
    scores = reranker.predict(pairs, batch_size=64).reshape(len(candidates), top)
    order = np.argsort(-scores, axis=1, kind="stable")  # ties keep the first stage's order
    return [[cands[i] for i in row] for cands, row in zip(candidates, order)], scores


QUESTION_RULES = [("When", r"\b1\d{3}\b|\b20\d{2}\b"),  # a year
                  ("How many", r"\b\d[\d,.]*\b"),  # another number
                  ("Who or what", r"(?<=\w )[A-Z][\w'-]+(?: (?:of |von |de |van )?[A-Z][\w'-]+)*")]  # a name, not first


def generated_questions(sentence, rng, words=5):
    # Questions that `sentence` answers, made by rule: hide a year, a number or a name, keep a few content words.
    made = []
    for question_word, pattern in QUESTION_RULES:
        found = re.search(pattern, sentence)
        if found is None:
            continue
        rest = sentence[:found.start()] + " " + sentence[found.end():]
        content = [w for w in re.findall(r"[A-Za-z][\w'-]+|\d+", rest) if w.lower() not in ENGLISH_STOP_WORDS]
        if len(content) >= 3:
            keep = sorted(rng.sample(range(len(content)), min(words, len(content))))
            made.append(f"{question_word} {' '.join(content[k] for k in keep)}?")
    return made
