"""The first cell of every lesson: fixed seeds, one plotting style, readable tables.

>>> from embedding_course.lesson import setup
>>> setup(seed=42)                                                        # doctest: +SKIP
"""

from __future__ import annotations

import os

from .runtime import return_freed_memory, seed_everything
from .validate import check_threads


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


def _inline_figures() -> None:
    """Draw figures inline in a notebook even when MPLBACKEND (e.g. Agg) is set in the environment."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        shell.run_line_magic("matplotlib", "inline")
