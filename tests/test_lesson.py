"""The lesson set-up and the process settings it makes: freed memory goes back to the system (the lessons'
memory budget depends on it), at once (return_freed_memory) or after each training step (trim_freed_memory)."""

import subprocess
import sys
import textwrap

import pytest

from embedding_course import lesson, runtime

# Big blocks freed while small ones allocated after them live on: the pattern of a PyTorch kernel.
FRAGMENT = textwrap.dedent("""
    import sys
    import numpy as np
    from embedding_course import runtime

    def rss_mib():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024

    if sys.argv[1] == "set":
        assert runtime.return_freed_memory()
    start, keep = rss_mib(), []
    for _ in range(3):
        big = []
        for _ in range(100):
            big.append(np.ones(2**18))  # 2 MiB
            keep.append(np.ones(200))  # 1.6 KB that outlives it
        del big
    if sys.argv[1] == "trim":
        assert runtime.trim_freed_memory()
    print(rss_mib() - start)
""")


def retained_mib(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", FRAGMENT, mode], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_freed_blocks_go_back_to_the_system():
    assert runtime.return_freed_memory() is True
    assert retained_mib("default") >= 100  # without it glibc keeps most of the 200 MiB freed last round
    assert retained_mib("set") < 20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_trimming_gives_back_what_was_freed_so_far():
    assert retained_mib("trim") < 20  # the "default" run above keeps 100 MiB or more


def test_setup_returns_freed_memory_and_seeds(monkeypatch):
    import random

    import matplotlib
    import pandas as pd

    calls = []
    monkeypatch.setattr(lesson, "return_freed_memory", lambda: calls.append(True) or True)
    monkeypatch.setitem(sys.modules, "torch", None)  # a kernel without PyTorch: setup skips its threads and seed
    with matplotlib.rc_context(), pd.option_context("display.precision", 6):
        lesson.setup(seed=1)
        first = random.random()
        lesson.setup(seed=1)
        assert random.random() == first and pd.get_option("display.precision") == 3
    assert calls == [True, True]
