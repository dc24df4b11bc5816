"""``python tools/bench [options]`` (or ``python -m bench`` with tools/ on sys.path): :func:`bench.cli.main`."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Run as `python tools/bench`, Python puts tools/bench/ on sys.path, where milvus.py would hide the
# `milvus` package: take it off, and put tools/ there instead (for `bench` and `course_env`).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
