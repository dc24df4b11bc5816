"""Context managers that hide the libraries' log lines and progress bars for a block, then restore them.

Stored notebook outputs must not change from run to run, and a timestamped log line or a progress bar does.

>>> from embedding_course.quiet import quiet_milvus_logs
>>> with quiet_milvus_logs():                                              # doctest: +SKIP
...     client.insert("texts", bad_rows)  # the exception is still raised; only the logged traceback is hidden
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

__all__ = ["hidden_progress_bars", "quiet_milvus_logs", "quiet_transformers_logs"]


@contextmanager
def _loggers_at(names: Sequence[str], level: int) -> Iterator[None]:
    """Set the named loggers to ``level`` for the block; give each its own level back afterwards."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(level)
        yield
    finally:
        for logger, old in zip(loggers, levels):
            logger.setLevel(old)


@contextmanager
def hidden_progress_bars() -> Iterator[None]:
    """Hide transformers' "Loading weights" bar for the block (it differs run to run), then show it again if it was on."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


@contextmanager
def quiet_transformers_logs() -> Iterator[None]:
    """Show only errors from transformers and sentence-transformers for the block, then restore their levels."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        with _loggers_at(["sentence_transformers"], logging.ERROR):
            yield
    finally:
        hf_logging.set_verbosity(verbosity)


@contextmanager
def quiet_milvus_logs() -> Iterator[None]:
    """Hide the error log (with traceback and timestamp) that pymilvus and Milvus Lite write
    for a failed call, while the call's exception is still raised.

    For cells that trigger an error on purpose and catch it: the exception says everything,
    and the log would print a time of day that differs on every run.
    """
    with _loggers_at(["pymilvus", "milvus_lite"], logging.CRITICAL + 1):
        yield
