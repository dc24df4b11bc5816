# Generated from notebooks/01_sparse_vectors.ipynb by tools/export_lessons.py: do not edit.
# Change the lesson's #@save cells instead, then run `make export`.
"""Code taught in notebooks/01_sparse_vectors.ipynb, for later lessons, checks and tools to import."""

from embedding_course import data
from embedding_course import metrics
import numpy as np
import re


TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default: words of 2+ letters/digits


def tokenize(text):
    return re.findall(TOKEN_PATTERN, text.lower())


def cosine(A, B):
    # Cosine similarity of every row of A with every row of B (dense arrays).
    norms = np.linalg.norm(A, axis=1)[:, None] * np.linalg.norm(B, axis=1)[None, :]
    return (A @ B.T) / np.where(norms == 0, 1, norms)  # an all-zero row scores 0 with everything


SETTINGS = dict(lowercase=True, token_pattern=TOKEN_PATTERN, stop_words="english",
                smooth_idf=True, sublinear_tf=True, norm="l2")


def lee_score(vectorizer, fit_on):
    return metrics.lee_correlation(vectorizer.fit(fit_on).transform(data.lee_documents()))


def pair_cosine(vectorizer, a, b):
    va, vb = vectorizer.transform([a, b]).toarray()
    return float(cosine(va[None], vb[None])[0, 0])


def bm25_weights(docs, k1=1.5, b=0.75, epsilon=0.25, lucene_idf=False):
    # The BM25 weight of every word in every tokenized document, and the vocabulary (word -> column).
    vocabulary = {word: k for k, word in enumerate(sorted({t for doc in docs for t in doc}))}
    tf = np.zeros((len(docs), len(vocabulary)))
    for row, doc in enumerate(docs):
        for t in doc:
            tf[row, vocabulary[t]] += 1
    n, df = len(docs), np.count_nonzero(tf, axis=0)
    ratio = (n - df + 0.5) / (df + 0.5)
    idf = np.log(1 + ratio) if lucene_idf else np.log(ratio)  # Lucene's variant is never negative
    idf[idf < 0] = epsilon * idf.mean()  # words in more than half the documents: gensim's floor
    length = tf.sum(axis=1, keepdims=True)
    saturated = np.divide(tf * (k1 + 1), tf + k1 * (1 - b + b * length / length.mean()),
                          out=np.zeros_like(tf), where=tf > 0)  # a word a document lacks weighs 0 there
    return idf * saturated, vocabulary


def bm25_scores(queries, weights, vocabulary):
    # Every tokenized query against every document: the sum of the document's weights of the query's words.
    has_word = np.zeros((len(queries), len(vocabulary)))
    for row, query in enumerate(queries):
        for t in set(query) & vocabulary.keys():
            has_word[row, vocabulary[t]] = 1
    return has_word @ weights.T


def query_and_rest(article):
    # the first sentence (the query) and the rest of the article (the document to find)
    first, rest = re.split(r"(?<=[.!?])\s+", article, maxsplit=1)
    return first, rest
