"""Shared plumbing for the text embedding models course.

The lessons (``notebooks/``) teach the ideas; this package only finds and checks the
pretrained models and data that PyPI packages ship, and holds the few metrics, plotting
helpers and exercise checks that several lessons share.

>>> from embedding_course import models, data
>>> model = models.load_sentence_transformer("all-MiniLM-L6-v2")   # doctest: +SKIP
>>> docs = data.lee_documents()                                     # doctest: +SKIP
"""

__version__ = "0.1.0"

from .errors import ChecksumMismatchError, CourseError, MissingDataError, MissingModelError

__all__ = ["ChecksumMismatchError", "CourseError", "MissingDataError", "MissingModelError", "__version__"]
