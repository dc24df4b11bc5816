"""Settings of the running Python process that the lessons and the cross-encoder's training share:
seeds, and freed memory handed back to the system.

>>> from embedding_course.runtime import seed_everything
>>> seed_everything(42)                                                    # doctest: +SKIP
"""

from __future__ import annotations

import ctypes
import platform
import random

from .validate import is_whole_number

#: Blocks this large or larger go back to the system as soon as they are freed (see return_freed_memory).
MMAP_THRESHOLD = 1 << 20
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's <malloc.h>


def seed_everything(seed: int = 42) -> None:
    """Seed Python, NumPy and PyTorch so that a re-run gives the same numbers.

    ``seed`` is a whole number from 0 to 2**32 - 1 (what NumPy takes); anything else is a ``ValueError``.
    """
    import numpy as np

    if not is_whole_number(seed, 0, 2**32 - 1, numpy_ok=True):
        raise ValueError(f"seed must be a whole number from 0 to 2**32 - 1 (e.g. 42), not {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(seed)


def _glibc():
    """glibc as a ctypes library, or None where the C library is something else (macOS, Windows, musl)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def return_freed_memory() -> bool:
    """Have the C library give every freed block of 1 MiB or more back to the system at once.

    glibc's ``malloc`` raises its threshold for that to as much as 32 MiB after large blocks are freed,
    and keeps later blocks below it in its heap, where any small object allocated after them pins them.
    PyTorch's activations and batches are such blocks, so without this a kernel only grows. The price
    is time, since every such block is new pages. Returns True when the option was set; False, doing
    nothing, where the C library is not glibc (macOS, Windows, Alpine's musl).

    >>> return_freed_memory()                                              # doctest: +SKIP
    True
    """
    libc = _glibc()
    mallopt = getattr(libc, "mallopt", None)
    return mallopt is not None and mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1


def trim_freed_memory() -> bool:
    """Hand the freed memory glibc still keeps in its heap back to the system now (``malloc_trim(0)``).

    Call it after each training step: each batch has its own padded length, so its activations have
    new shapes, and the blocks freed by the last step would otherwise stay with the process. Returns
    False, doing nothing, where the C library is not glibc.
    """
    libc = _glibc()
    malloc_trim = getattr(libc, "malloc_trim", None)
    if malloc_trim is None:
        return False
    malloc_trim(0)
    return True
