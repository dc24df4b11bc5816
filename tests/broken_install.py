"""A damaged copy of an installed model package, for the tests of checksum and missing-file errors."""

import shutil
from importlib import metadata
from pathlib import Path

from embedding_course import models


def broken_install(site: Path, model: str, damage: str) -> Path:
    """Under ``site``, a copy of ``model``'s installed package whose checked file is ``damage``d:
    "missing" (deleted) or "corrupt" (its first 64 bytes overwritten, as a bad download or disk would).

    Only the dist-info and the model's files are copied (the other files are symlinks); with ``site``
    first on ``sys.path``, ``importlib.metadata`` finds this copy instead of the installed one.
    """
    spec = models.CATALOG[model]
    dist = metadata.distribution(spec.dists[0])
    info = next(p for p in dist.files if p.parts[0].endswith(".dist-info")).parts[0]
    shutil.copytree(dist.locate_file(info), site / info, dirs_exist_ok=True)
    source, target = Path(dist.locate_file(spec.location)), site / spec.location
    if source.is_dir():
        target.mkdir(parents=True)
        for item in source.iterdir():
            (target / item.name).symlink_to(item)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    checked = target / spec.checked_file if spec.checked_file else target
    checked.unlink(missing_ok=True)
    if damage == "corrupt":
        shutil.copyfile(source / spec.checked_file if spec.checked_file else source, checked)
        with open(checked, "r+b") as f:
            f.write(b"\xff" * 64)
    return checked
