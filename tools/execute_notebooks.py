"""Store notebooks executed: each one top to bottom from a fresh kernel, on a quiet machine only.

Learners read the stored outputs on GitHub and nbval compares them, so a run on a loaded machine
must not be stored: its timings would teach wrong orderings. Before each notebook this measures how busy the CPUs are; if other work keeps more than
half a core busy it waits a little, then refuses. A notebook is written back only when it ran
without an error, so a failed run never leaves a half-executed file behind.

    python tools/execute_notebooks.py                      # every lesson and solution (make execute)
    python tools/execute_notebooks.py notebooks/04_bi_encoders.ipynb
    EXECUTE_ON_LOADED_MACHINE=1 python tools/execute_notebooks.py ...   # store anyway, with a warning
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import export_lessons

ROOT = Path(__file__).resolve().parent.parent
#: Other work may keep at most this many cores busy while a notebook is stored.
BUSY_CORES_LIMIT = 0.5
WAIT_SECONDS = 120


def busy_cores(seconds: float = 3.0) -> float:
    """How many cores' worth of work the whole machine did over the next ``seconds`` (Linux /proc/stat)."""

    def sample():
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields[:8]), idle

    total_0, idle_0 = sample()
    time.sleep(seconds)
    total_1, idle_1 = sample()
    cores = os.cpu_count() or 1
    return cores * (1 - (idle_1 - idle_0) / max(1, total_1 - total_0))


def wait_until_quiet(name: str) -> None:
    if not Path("/proc/stat").exists():
        print(f"  cannot measure the load on this system; make sure nothing else runs while {name} is stored")
        return
    deadline = time.monotonic() + WAIT_SECONDS
    while (busy := busy_cores()) > BUSY_CORES_LIMIT:
        if time.monotonic() > deadline:
            message = (f"the machine is busy ({busy:.1f} cores in use by other work, load average "
                       f"{os.getloadavg()[0]:.1f}): timings stored now would be wrong. Stop the other work and "
                       "run this again")
            if os.environ.get("EXECUTE_ON_LOADED_MACHINE") == "1":
                print(f"  WARNING: {message}. Storing anyway (EXECUTE_ON_LOADED_MACHINE=1).")
                return
            raise SystemExit(f"refusing to store {name}: {message}.")
        print(f"  waiting: {busy:.1f} cores busy with other work")
        time.sleep(10)


def execute(path: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    start = time.monotonic()
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
                   ).execute()
    seconds = time.monotonic() - start
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".ipynb", delete=False, encoding="utf-8") as out:
        nbformat.write(notebook, out)
    os.replace(out.name, path)
    return seconds


def main(names: list[str]) -> None:
    paths = [Path(n) for n in names] or sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb")) + sorted(
        ROOT.glob("solutions/[0-9][0-9]_*.ipynb"))
    for path in paths:
        if not path.is_file():
            raise SystemExit(f"no notebook at {path}")
    # Later lessons import the code earlier ones save: run them against the cells as they are now.
    if export_lessons.main([]) != 0:
        raise SystemExit("a lesson's #@save cell cannot be exported (see above): fix it first")
    for path in paths:
        print(f"== {path}")
        wait_until_quiet(path.name)
        print(f"  executed and stored in {execute(path.resolve()):.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
