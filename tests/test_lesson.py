"""The lesson set-up: freed memory goes back to the system (the lessons' memory budget depends on it)."""

import subprocess
import sys
import textwrap

import pytest

from embedding_course import lesson

# Big blocks freed while small ones allocated after them live on: the pattern of a PyTorch kernel.
FRAGMENT = textwrap.dedent("""
    import sys
    import numpy as np
    from embedding_course import lesson

    def rss_mib():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024

    if sys.argv[1] == "set":
        assert lesson.return_freed_memory()
    start, keep = rss_mib(), []
    for _ in range(3):
        big = []
        for _ in range(100):
            big.append(np.ones(2**18))  # 2 MiB
            keep.append(np.ones(200))  # 1.6 KB that outlives it
        del big
    print(rss_mib() - start)
""")


def retained_mib(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", FRAGMENT, mode], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_freed_blocks_go_back_to_the_system():
    assert lesson.return_freed_memory() is True
    assert retained_mib("default") >= 100  # without it glibc keeps most of the 200 MiB freed last round
    assert retained_mib("set") < 20


def test_setup_returns_freed_memory(monkeypatch):
    import matplotlib
    import torch

    calls, threads = [], torch.get_num_threads()
    monkeypatch.setattr(lesson, "return_freed_memory", lambda: calls.append(True) or True)
    with matplotlib.rc_context():
        lesson.setup(seed=1, threads=threads)
    assert calls == [True]
