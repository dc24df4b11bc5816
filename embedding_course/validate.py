"""Checks of the arguments several modules take, each raising an error that says what to pass instead.

>>> is_whole_number(3), is_whole_number(True), is_whole_number(2.0), is_whole_number(0, 1)
(True, False, False, False)
>>> check_threads(2)
2
"""

from __future__ import annotations

import os


def is_whole_number(value, low: int = 1, high: int | None = None, *, numpy_ok: bool = False) -> bool:
    """True when ``value`` is an ``int`` from ``low`` to ``high`` (inclusive; no upper bound if None).

    ``True``/``False``, floats (even 2.0), text and None are not whole numbers here; NumPy integers
    are when ``numpy_ok``.
    """
    if numpy_ok:
        import numpy as np

        kinds = (int, np.integer)
    else:
        kinds = int
    if isinstance(value, bool) or not isinstance(value, kinds):
        return False
    return bool(low <= value and (high is None or value <= high))


def check_threads(threads: int) -> int:
    """Check a thread count for PyTorch or ONNX Runtime: a whole number from 1 to 4 x this machine's cores.

    Far too many threads is not just slow: ``torch.set_num_threads(100_000)`` makes the next
    matrix product crash the process (a segmentation fault with torch 2.13), and an
    ONNX Runtime session with 100,000 threads hangs while it starts them.

    >>> check_threads(2)
    2
    """
    limit = 4 * (os.cpu_count() or 1)
    if not is_whole_number(threads, 1, limit):
        raise ValueError(f"threads must be a whole number from 1 to {limit} (4 x the {os.cpu_count()} CPU cores "
                         f"here), not {threads!r}: use 1 for steady timings or {os.cpu_count()} to use every core")
    return threads


def _check_unicode(k: int, text: str) -> None:
    # A lone surrogate (e.g. from a file read with errors="surrogateescape") makes the tokenizer
    # fail with "TextEncodeInput must be Union[...]", which names neither the text nor the cause.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(f"texts[{k}] is not valid Unicode (character {error.start} is {text[error.start]!r}, "
                         "half of a surrogate pair): read the file with errors='replace', or clean the text "
                         "with text.encode('utf-8', 'replace').decode('utf-8')") from None


def check_texts(texts) -> list[str]:
    """Validate a list of texts before embedding it; return it as a list.

    Raises a ``TypeError``/``ValueError`` that says what was wrong, instead of an error deep
    inside the tokenizer.

    >>> check_texts(("a first text", "a second one"))
    ['a first text', 'a second one']
    """
    if texts is None:
        raise TypeError("texts is None: pass a list of strings, e.g. ['first text', 'second text']")
    if isinstance(texts, str):
        raise TypeError("texts is a single string: wrap it in a list, e.g. [text], to embed one text")
    try:
        texts = list(texts)
    except TypeError:
        raise TypeError(f"texts must be a list of strings, not {type(texts).__name__}") from None
    if not texts:
        raise ValueError("texts is empty: there is nothing to embed (did a filter remove every row?)")
    for k, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{k}] is a {type(text).__name__}, not a string: convert it with str() or drop it")
        if not text.isascii():
            _check_unicode(k, text)
    return texts
