"""Where the course's own files are, and where generated state goes."""

import os
from pathlib import Path

from .errors import MissingDataError

PACKAGE_DIR = Path(__file__).resolve().parent
# The checkout this package lives in (an editable install); None when installed elsewhere.
REPO_DIR = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "data" / "README.md").exists() else None


def data_dir() -> Path:
    """The course's own data (``data/`` in the checkout)."""
    if REPO_DIR is None:
        raise MissingDataError(
            "The course's data/ folder was not found next to the package. "
            "Install the package from a clone of the course (`pip install -e .`)."
        )
    return REPO_DIR / "data"


def generated_dir(*parts: str) -> Path:
    """A folder for generated state (extracted models, databases, fine-tuned models), created on demand.

    It is ``$EMBEDDING_COURSE_CACHE`` if set, else ``generated/`` in the checkout, else
    ``~/.cache/embedding-course``. ``make clean`` removes it; nothing a learner wrote lives there.

    >>> generated_dir("milvus").name
    'milvus'
    """
    root = os.environ.get("EMBEDDING_COURSE_CACHE")
    if root:
        base = Path(root)
    elif REPO_DIR is not None:
        base = REPO_DIR / "generated"
    else:
        base = Path.home() / ".cache" / "embedding-course"
    path = base.joinpath(*parts)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # e.g. EMBEDDING_COURSE_CACHE names a file, or a folder this user cannot write
        raise type(error)(error.errno, f"cannot create the folder {path} for generated state ({error.strerror}): "
                          "set EMBEDDING_COURSE_CACHE to a folder you can write to, e.g. "
                          "export EMBEDDING_COURSE_CACHE=$HOME/embedding-course-cache") from None
    return path
