"""Launch cells for every lesson: Colab and Binder badges, and the Colab setup cell.

Inserts (or refreshes) two cells right after each notebook's title cell, both tagged ``launch`` so
that this script finds them again:

1. a markdown cell with an "Open in Colab" and a "Launch Binder" badge that open *this* notebook,
   and a link to the glossary;
2. the Colab cell: on Colab it clones the course once, installs what Colab lacks and fetches the
   STS benchmark (``tools/colab_setup.py``); anywhere else it does nothing and prints nothing.

Every link comes from ``tools/launch.toml`` (the GitHub repository and branch): change it there and
run this script again. Run from the repository root::

    .venv/bin/python tools/launch_cells.py          # every notebooks/NN_*.ipynb, in place
    .venv/bin/python tools/launch_cells.py --check  # list notebooks whose cells are missing or stale; exit 1 if any
    .venv/bin/python tools/launch_cells.py notebooks/00_start_here.ipynb   # only these notebooks
    .venv/bin/python tools/launch_cells.py --readme # print the badge markdown for the README

Running it twice changes nothing. A refreshed Colab cell loses its stored output, so re-execute the
notebook afterwards (``make execute``); outside Colab that output is empty.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
CONFIG = Path("tools") / "launch.toml"
GLOSSARY = Path("docs") / "glossary.md"
TAG = "launch"
BADGES_ID, CELL_ID = "launch-badges", "launch-colab"
#: Where the Colab cell clones the course (``EMBEDDING_COURSE_DIR`` overrides it, for tests).
COLAB_DIR = "/content/embedding-course"

COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"


def load_config(root: Path = ROOT) -> tuple[str, str]:
    """``(repo, branch)`` from ``tools/launch.toml``, e.g. ``("owner/course", "main")``."""
    with open(root / CONFIG, "rb") as f:
        github = tomllib.load(f)["github"]
    repo, branch = github["repo"], github["branch"]
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        raise ValueError(f"{CONFIG}: repo must be OWNER/REPO, not {repo!r}")
    if not re.fullmatch(r"[\w./-]+", branch):
        raise ValueError(f"{CONFIG}: {branch!r} is not a branch name")
    return repo, branch


def colab_url(repo: str, branch: str, path: str) -> str:
    """The Colab link that opens ``path`` (relative to the repository root) from GitHub."""
    return f"https://colab.research.google.com/github/{repo}/blob/{branch}/{quote(path)}"


def binder_url(repo: str, branch: str, path: str | None = None) -> str:
    """The mybinder.org link that builds the repository and opens ``path`` in JupyterLab (or JupyterLab itself)."""
    target = f"lab/tree/{path}" if path else "lab"
    return f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath={quote(target, safe='')}"


def badges_markdown(repo: str, branch: str, path: str) -> str:
    """The markdown cell: both badges for the notebook at ``path``, and the glossary link."""
    glossary = Path(os.path.relpath(GLOSSARY, Path(path).parent)).as_posix()
    return (f"[![Open in Colab]({COLAB_BADGE})]({colab_url(repo, branch, path)}) "
            f"[![Launch Binder]({BINDER_BADGE})]({binder_url(repo, branch, path)})  \n"
            f"Open this lesson on Colab or Binder; on Colab, the code cell below first installs what the "
            f"course needs. New words are explained in the [glossary]({glossary}).")


def colab_cell_source(repo: str, branch: str, notebook_dir: str) -> str:
    """The Colab cell of a notebook in ``notebook_dir``: a no-op unless ``google.colab`` is loaded."""
    clone = f'["git", "clone", "-q", "--depth=1", "-b", "{branch}", "https://github.com/{repo}", course]'
    return "\n".join([
        "import sys  # On Colab: get the course, install what Colab lacks, fetch STS-B. Elsewhere: nothing.",
        'if "google.colab" in sys.modules:',
        f'    import os, subprocess; course = os.environ.get("EMBEDDING_COURSE_DIR", "{COLAB_DIR}")',
        "    if not os.path.isdir(course):",
        f"        subprocess.run({clone}, check=True)",
        f'    sys.path.insert(0, f"{{course}}/tools"); import colab_setup; colab_setup.setup(course, "{notebook_dir}")',
    ])


def readme_badges(root: Path = ROOT) -> str:
    """Badge markdown for the README: one line that opens lesson 00 on Binder or Colab, then one
    line per lesson (for a column of the lessons table)."""
    repo, branch = load_config(root)
    first = "notebooks/00_start_here.ipynb"
    lines = [f"[![Launch Binder]({BINDER_BADGE})]({binder_url(repo, branch, first)}) "
             f"[![Open in Colab]({COLAB_BADGE})]({colab_url(repo, branch, first)})", ""]
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        rel = f"notebooks/{path.name}"
        lines.append(f"{path.name[:2]}: [Colab]({colab_url(repo, branch, rel)}) · [Binder]({binder_url(repo, branch, rel)})")
    return "\n".join(lines)


def expected_cells(repo: str, branch: str, path: str) -> list[dict]:
    """The two launch cells for the notebook at ``path`` (relative to the repository root), as stored."""
    notebook_dir = Path(path).parent.as_posix()
    return [
        {"cell_type": "markdown", "id": BADGES_ID, "metadata": {"tags": [TAG]},
         "source": badges_markdown(repo, branch, path)},
        {"cell_type": "code", "id": CELL_ID, "metadata": {"tags": [TAG]}, "execution_count": None,
         "outputs": [], "source": colab_cell_source(repo, branch, notebook_dir)},
    ]


def is_launch_cell(cell) -> bool:
    return TAG in cell.get("metadata", {}).get("tags", [])


def _title_index(cells) -> int:
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and "".join(cell["source"]).lstrip().startswith("# "):
            return i
    raise ValueError("no title cell (a markdown cell starting with '# ') to put the launch cells after")


def _source(cell) -> str:
    return "".join(cell["source"])


def problems(nb: dict, path: str, repo: str, branch: str) -> list[str]:
    """What is wrong with the launch cells of ``nb`` (the notebook at ``path``); empty when up to date."""
    cells = nb["cells"]
    found = [i for i, cell in enumerate(cells) if is_launch_cell(cell)]
    if not found:
        return ["no launch cells"]
    want = expected_cells(repo, branch, path)
    rest = [c for c in cells if not is_launch_cell(c)]
    issues = []
    if len(found) != 2:
        issues.append(f"{len(found)} cells tagged {TAG!r}, expected 2")
    else:
        title = _title_index(rest)
        if found != [title + 1, title + 2]:
            issues.append("launch cells are not right after the title cell")
        for i, expected in zip(found, want):
            cell = cells[i]
            if cell["cell_type"] != expected["cell_type"] or _source(cell) != expected["source"]:
                issues.append(f"stale {expected['cell_type']} cell (its links or code differ from {CONFIG})")
    return issues


def apply(nb: dict, path: str, repo: str, branch: str) -> bool:
    """Insert or refresh the launch cells of ``nb`` in place; ``False`` when they were already up to date.

    A cell whose source is unchanged is kept as it is (with its stored output), so a refresh of the
    badges alone does not force a re-run.
    """
    if not problems(nb, path, repo, branch):
        return False
    old = {cell["cell_type"]: cell for cell in nb["cells"] if is_launch_cell(cell)}
    rest = [cell for cell in nb["cells"] if not is_launch_cell(cell)]
    ids = {cell.get("id") for cell in rest}
    new = []
    for expected in expected_cells(repo, branch, path):
        cell = old.get(expected["cell_type"])
        if cell is None or _source(cell) != expected["source"]:
            cell = expected
        if nb.get("nbformat_minor", 0) < 5:
            cell.pop("id", None)  # cell ids exist from nbformat 4.5 on
        elif cell.get("id") in ids:
            raise ValueError(f"cell id {cell['id']!r} is already used by another cell")
        new.append(cell)
    title = _title_index(rest)
    nb["cells"] = rest[:title + 1] + new + rest[title + 1:]
    return True


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise SystemExit(f"{path} is not inside the repository {root}: pass --root") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any notebook needs updating")
    parser.add_argument("--readme", action="store_true", help="print the README badge markdown and exit")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository root (default: this checkout)")
    args = parser.parse_args(argv)
    if args.readme:
        print(readme_badges(args.root))
        return 0

    import nbformat  # only needed to read and write notebooks; the URL helpers above need nothing

    repo, branch = load_config(args.root)
    paths = args.notebooks or sorted((args.root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise SystemExit(f"no notebooks found under {args.root / 'notebooks'}")
    stale = 0
    for path in paths:
        rel = _relative(path, args.root)
        nb = nbformat.read(path, as_version=4)
        if args.check:
            issues = problems(nb, rel, repo, branch)
            if issues:
                stale += 1
                print(f"{rel}: {'; '.join(issues)}")
        elif apply(nb, rel, repo, branch):
            nb = nbformat.from_dict(nb)  # the new cells are plain dicts; the writer wants NotebookNodes
            nbformat.validate(nb)
            nbformat.write(nb, path)
            print(f"{rel}: launch cells written")
    if args.check:
        if stale:
            print(f"{stale} notebook(s) need `python tools/launch_cells.py` (then re-execute them)")
            return 1
        print(f"launch cells up to date in {len(paths)} notebook(s) ({repo}@{branch})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
