"""The code the lessons teach, one generated module per lesson, for later lessons, checks and tools.

Each module is written by ``tools/export_lessons.py`` from the lesson's ``#@save`` cells
(``notebooks/06_milvus.ipynb`` -> ``l06_milvus``); ``make test`` fails when one is stale.

>>> from embedding_course.lessons.l01_sparse_vectors import cosine
>>> import numpy as np
>>> cosine(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 0.0]])).round(3).tolist()
[[0.707, 0.0]]
"""
