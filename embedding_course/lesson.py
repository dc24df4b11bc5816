"""The first cell of every lesson: fixed seeds, one plotting style, readable tables.

>>> from embedding_course.lesson import setup
>>> setup(seed=42)                                                        # doctest: +SKIP
"""

from __future__ import annotations

import ctypes
import os
import platform
import random

#: Blocks this large or larger go back to the system as soon as they are freed (see return_freed_memory).
MMAP_THRESHOLD = 1 << 20
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's <malloc.h>


def seed_everything(seed: int = 42) -> None:
    """Seed Python, NumPy and PyTorch so that a re-run gives the same numbers."""
    import numpy as np

    # NumPy takes only whole numbers in [0, 2**32); checked here so the message says so in plain words.
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be a whole number from 0 to 2**32 - 1 (e.g. 42), not {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(seed)


def setup(seed: int = 42, threads: int | None = None) -> None:
    """Prepare a lesson's kernel: freed memory returned, seeds, torch threads (default: all cores, at most 2),
    plots, pandas display.

    Lessons run on a 2-core CPU; ``threads`` caps PyTorch so timings are comparable between machines.
    """
    import pandas as pd

    from .plotting import use_course_style

    if threads is not None:
        check_threads(threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return_freed_memory()
    seed_everything(seed)
    try:
        import torch

        torch.set_num_threads(threads or min(2, os.cpu_count() or 1))
    except ImportError:
        pass
    _inline_figures()
    use_course_style()
    pd.set_option("display.precision", 3)
    pd.set_option("display.max_colwidth", 80)
    pd.set_option("display.width", 120)


def return_freed_memory() -> bool:
    """Have the C library give every freed block of 1 MiB or more back to the system at once.

    glibc's ``malloc`` raises its threshold for that to as much as 32 MiB after large blocks are freed,
    and keeps later blocks below it in its heap, where any small object allocated after them pins them.
    PyTorch's activations and batches are such blocks, so a kernel only ever grew. Measured with
    ``make bench`` (median of 3 runs on 2 cores): lesson 03 peaked at 1,505 MB before, over the course's
    1.5 GB budget, and at 1,258 MB with this. The price is time, since every such block is new pages:
    lesson 03 ran 94 -> 104 s, 04 53 -> 65 s, 08 43 -> 55 s. Returns False, doing nothing, where the C
    library is not glibc (macOS, Windows, Alpine's musl).

    >>> return_freed_memory()                                              # doctest: +SKIP
    True
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1


def check_threads(threads: int) -> int:
    """Check a thread count for PyTorch or ONNX Runtime: a whole number from 1 to 4 x this machine's cores.

    Far too many threads is not just slow: ``torch.set_num_threads(100_000)`` makes the next
    matrix product crash the process (a segmentation fault, measured with torch 2.13), and an
    ONNX Runtime session with 100,000 threads hangs while it starts them.

    >>> check_threads(2)
    2
    """
    limit = 4 * (os.cpu_count() or 1)
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= limit:
        raise ValueError(f"threads must be a whole number from 1 to {limit} (4 x the {os.cpu_count()} CPU cores "
                         f"here), not {threads!r}: use 1 for steady timings or {os.cpu_count()} to use every core")
    return threads


def _inline_figures() -> None:
    """Draw figures inline in a notebook even when MPLBACKEND (e.g. Agg) is set in the environment."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        shell.run_line_magic("matplotlib", "inline")
