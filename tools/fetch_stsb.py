"""Download the STS benchmark from the model hub into the folder the course reads it from (online only).

The course reads STS-B from the original csv files in ``data.stsb_dir()`` (``$STSB_DIR``, else
``generated/stsbenchmark``). Where no copy is at hand (Binder, Colab) this script downloads the model
hub dataset ``sentence-transformers/stsb`` with ``data.stsb(split, source="hub")`` and writes each
split in the original tab-separated layout, so ``data.stsb(split)`` and every lesson work unchanged.
The hub copy has the same pairs and scores (rescaled to 0-5) but no genre, file or year columns;
those are written as ``hub``, ``sentence-transformers/stsb`` and ``-``. Nothing is done when the
three files are already there. Run from the repository root::

    python tools/fetch_stsb.py             # into data.stsb_dir()
    python tools/fetch_stsb.py --to DIR    # into DIR (then export STSB_DIR=DIR)
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the course package, installed or not

from embedding_course import data  # noqa: E402  (needs the line above)

README = """\
The STS benchmark (Cer et al., 2017), downloaded from the model hub dataset {hub} by
tools/fetch_stsb.py and written in the layout of the original csv files. Scores are the hub's
0-1 scores times 5. The hub copy has no genre/file/year columns: they read "hub", "{hub}", "-".
Licence: the scores are CC-BY-SA 4.0; the sentences keep their sources' terms. Do not commit.
"""


def _clean(text: str) -> str:
    """The text on one line without tabs: the original files are tab separated, with no quoting."""
    return re.sub(r"[\t\r\n]+", " ", str(text))


def write_split(frame, path: Path) -> Path:
    """Write one split (columns sentence1, sentence2, score on 0-5) in the original STS-B layout.

    Written to a temporary file first and renamed, so a half-written split is never read.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8", newline="\n") as f:
        for i, row in enumerate(frame.itertuples(index=False)):
            score = format(float(row.score), ".10g")  # drops float noise such as 3.8000000000000003
            fields = ["hub", data.STSB_HUB_ID, "-", f"{i:04d}", score, _clean(row.sentence1), _clean(row.sentence2)]
            f.write("\t".join(fields) + "\n")
    os.replace(partial, path)
    return path


def fetch(target: Path | None = None) -> tuple[Path, bool]:
    """Make sure the three STS-B splits are in ``target`` (default ``data.stsb_dir()``).

    Returns ``(folder, downloaded)``; ``downloaded`` is False when the files were already there.
    """
    target = Path(target) if target is not None else data.stsb_dir()
    if all((target / name).exists() for name in data.STSB_SPLITS.values()):
        return target, False
    for split, name in data.STSB_SPLITS.items():
        try:
            frame = data.stsb(split, source="hub")
        except Exception as error:  # any failure to download ends in the same advice
            raise SystemExit(
                f"Could not download {data.STSB_HUB_ID} ({type(error).__name__}: {error}). This needs a network "
                f"(and HF_HUB_OFFLINE/HF_DATASETS_OFFLINE unset). Offline, set STSB_DIR to a folder with "
                f"{', '.join(data.STSB_SPLITS.values())}.") from error
        write_split(frame, target / name)
    (target / "README.txt").write_text(README.format(hub=data.STSB_HUB_ID), encoding="utf-8")
    return target, True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--to", type=Path, help="folder to write to (default: data.stsb_dir())")
    args = parser.parse_args(argv)
    folder, downloaded = fetch(args.to)
    counts = ", ".join(f"{split} {sum(1 for _ in open(folder / name, encoding='utf-8'))}"
                       for split, name in data.STSB_SPLITS.items())
    print(f"STS benchmark {'downloaded to' if downloaded else 'already in'} {folder} ({counts} pairs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
