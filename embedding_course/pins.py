"""The pin files (requirements.txt, requirements-nodeps.txt, constraints.txt), read one way everywhere.

Standard library only: ``tools/colab_setup.py`` reads the pins on Colab before the course is installed.

>>> normalize("Sentence_Transformers")
'sentence-transformers'
"""

from __future__ import annotations

import os
import re
from pathlib import Path


def normalize(name: str) -> str:
    """A distribution name as pip compares it (PEP 503): ``PyYAML`` -> ``pyyaml``, ``huggingface_hub`` -> ``huggingface-hub``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: str | os.PathLike) -> dict[str, str]:
    """``{normalized name: version}`` for every ``name==version`` line of a requirements or constraints file.

    Comments and blank lines are skipped; a requirement that is not pinned with ``==`` raises ValueError.
    """
    pins = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep:
            raise ValueError(f"{path}: {line!r} is not pinned with ==")
        pins[normalize(name)] = version.strip()
    return pins
