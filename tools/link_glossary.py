"""Link the first mention of every glossary term in each lesson to docs/glossary.md.

For each notebook, the first time a term of the glossary appears in a markdown cell's prose, it
becomes a link to its entry, e.g. ``cosine similarity`` ->
``[cosine similarity](../docs/glossary.md#cosine-similarity)``. Text inside code spans, fenced code,
headings, existing links, HTML tags, URLs and LaTeX is never touched. A term that a notebook
already links to the glossary is left alone, so running the script twice changes nothing.

Usage (from the repository root)::

    python tools/link_glossary.py --check                 # report what would be linked; exit 1 if anything would
    python tools/link_glossary.py                         # link notebooks/[0-9][0-9]_*.ipynb in place
    python tools/link_glossary.py --check --sample 5 notebooks/04_bi_encoders.ipynb

In Python::

    >>> terms = read_glossary(Path("docs/glossary.md"))
    >>> text, added = link_text("TF-IDF counts words.", terms, "../docs/glossary.md", linked=set())
    >>> text
    '[TF-IDF](../docs/glossary.md#tf-idf) counts words.'

The glossary format it reads: every ``### Term`` heading is an entry; its anchor is the heading's
GitHub slug. Other spellings that should link to the entry go in an HTML comment below the heading,
``<!-- also: sub-word, backbone -->`` (invisible when rendered). A plural ``s``/``es`` is matched
automatically, and a space in a term matches any run of white space (a line break included). Terms
written in capitals only (``PCA``, ``FLAT``) match case-sensitively; all others ignore case. A
mention that uses a word in another sense is kept out with a phrase around it,
``<!-- except: an API **token** -->``: no mention of the entry inside that phrase is linked.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
DEFAULT_GLOSSARY = REPO_DIR / "docs" / "glossary.md"


@dataclass(frozen=True)
class Term:
    """One glossary entry: its heading, its anchor and every spelling that links to it."""

    name: str
    anchor: str
    forms: tuple[str, ...]
    exceptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Link:
    """A link the script adds (or would add): where, to which entry, and the words around it."""

    cell: int
    anchor: str
    text: str
    context: str


def slugify(heading: str) -> str:
    """The anchor GitHub gives a markdown heading.

    >>> slugify("Cosine similarity"), slugify("[CLS] token"), slugify("Recall@k"), slugify("IVF_FLAT")
    ('cosine-similarity', 'cls-token', 'recallk', 'ivf_flat')
    """
    slug = re.sub(r"<[^>]+>", "", heading).strip().lower()  # HTML tags are not part of the text
    slug = re.sub(r"[^\w\- ]", "", slug)  # keep letters, digits, underscores, hyphens and spaces
    return slug.replace(" ", "-")


_HEADING = re.compile(r"^###\s+(.+?)\s*#*\s*$")
_ALSO = re.compile(r"^<!--\s*also:\s*(.*?)\s*-->\s*$")
_EXCEPT = re.compile(r"^<!--\s*except:\s*(.*?)\s*-->\s*$")


def read_glossary(path: Path) -> list[Term]:
    """Every ``### Term`` entry of the glossary, with its anchor and the spellings that link to it."""
    if not path.exists():
        raise FileNotFoundError(f"No glossary at {path}: pass --glossary PATH (docs/glossary.md in the course).")
    entries: list[list] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if heading := _HEADING.match(line):
            name = re.sub(r"<[^>]+>", "", heading.group(1)).strip()
            entries.append([name, slugify(name), [name], []])
        elif (also := _ALSO.match(line.strip())) and entries:
            entries[-1][2] += [form.strip() for form in also.group(1).split(",") if form.strip()]
        elif (exception := _EXCEPT.match(line.strip())) and entries:
            entries[-1][3].append(exception.group(1))
    if not entries:
        raise ValueError(f"{path} has no '### Term' headings: is it the course glossary?")
    anchors = [anchor for _, anchor, _, _ in entries]
    duplicates = sorted({a for a in anchors if anchors.count(a) > 1})
    if duplicates:
        raise ValueError(f"{path}: several headings give the same anchor {duplicates}; rename one of them.")
    owner: dict[str, str] = {}
    for name, _, forms, _ in entries:
        for form in forms:
            other = owner.setdefault(form.lower(), name)
            if other != name:
                raise ValueError(f"{path}: '{form}' is listed under both '{other}' and '{name}'; keep it in one entry.")
    return [Term(name, anchor, tuple(dict.fromkeys(forms)), tuple(exceptions))
            for name, anchor, forms, exceptions in entries]


def form_pattern(form: str) -> re.Pattern:
    """The pattern that finds a glossary form in text: as a whole word, not inside a longer word or a
    hyphenated compound ("encoder" does not match in "bi-encoder"), with an optional plural; case-blind
    unless the form is an acronym."""
    plural = r"(?:s|es)?" if form[-1].isalnum() else ""
    flags = 0 if form.upper() == form and any(ch.isalpha() for ch in form) else re.IGNORECASE
    words = r"\s+".join(re.escape(word) for word in form.split())
    return re.compile(r"(?<![\w\-])" + words + plural + r"(?![\w\-])", flags)


# Parts of a markdown cell where no link may go. Order matters only for overlapping kinds.
_PROTECTED = [
    re.compile(r"^ {0,3}(```|~~~).*?(^ {0,3}\1[^\n]*$|\Z)", re.MULTILINE | re.DOTALL),  # fenced code
    re.compile(r"^ {0,3}#{1,6}(\s.*)?$", re.MULTILINE),  # ATX headings
    re.compile(r"<!--.*?-->", re.DOTALL),  # HTML comments
    re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL),  # code spans, any number of backticks
    re.compile(r"\$\$.*?\$\$", re.DOTALL),  # display math
    re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.DOTALL),  # LaTeX environments
    re.compile(r"(?<![\\$])\$(?=\S)(?:\\.|[^$\\])+?(?<=\S)\$(?!\d)"),  # inline math $...$ (not "$5")
    re.compile(r"!?\[(?:\\.|[^\[\]\\]|\[(?:\\.|[^\[\]\\])*\])*\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"),  # links, images
    re.compile(r"!?\[(?:\\.|[^\[\]\\])*\]\[[^\]]*\]"),  # reference links
    re.compile(r"^ {0,3}\[[^\]]+\]:.*$", re.MULTILINE),  # link reference definitions
    re.compile(r"<[A-Za-z/!][^>\n]*>"),  # HTML tags and autolinks
    re.compile(r"(?:https?|ftp)://[^\s)>\]]+|www\.[^\s)>\]]+"),  # bare URLs
]
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)")


def protected_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every region of ``text`` where no link may be added, merged and sorted."""
    spans = sorted((m.start(), m.end()) for pattern in _PROTECTED for m in pattern.finditer(text))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def glossary_anchors_linked(text: str, target: str) -> set[str]:
    """Anchors of the glossary that ``text`` already links to (any link ending in ``glossary.md#anchor``)."""
    name = Path(target).name
    return {url.rsplit("#", 1)[1] for url in _LINK_TARGET.findall(text)
            if "#" in url and url.rsplit("#", 1)[0].endswith(name)}


def _escape_link_text(text: str) -> str:
    return text.replace("[", r"\[").replace("]", r"\]")


def link_text(text: str, terms: list[Term], target: str, linked: set[str]) -> tuple[str, list[tuple[str, str, int]]]:
    """Link in ``text`` the first mention of every term whose anchor is not in ``linked``.

    Returns the new text and, per link added, (anchor, matched words, position in the old text).
    ``linked`` is updated, so calling this on a notebook's cells in order links each term once.
    At a given position the longest matching form wins ("mean pooling" before "pooling"), and a
    mention of an already linked term hides the shorter terms inside it.
    """
    guarded = protected_spans(text)
    free, cursor = [], 0
    for start, end in guarded + [(len(text), len(text))]:
        if cursor < start:
            free.append((cursor, start))
        cursor = max(cursor, end)
    candidates = []
    for term in terms:
        excluded = [(m.start(), m.end()) for phrase in term.exceptions
                    for m in re.finditer(r"\s+".join(map(re.escape, phrase.split())), text)]
        for form in term.forms:
            for m in form_pattern(form).finditer(text):  # the whole text, so the word checks see both sides
                if not any(lo <= m.start() and m.end() <= hi for lo, hi in free):
                    continue  # touches code, a heading, a link or math
                if any(lo <= m.start() and m.end() <= hi for lo, hi in excluded):
                    continue  # the same word in another sense
                candidates.append((m.start(), -(m.end() - m.start()), m.end(), term.anchor))
    candidates.sort()
    taken_until, added = -1, []
    for start, _, end, anchor in candidates:
        if start < taken_until:
            continue  # inside a longer mention already dealt with
        taken_until = end
        if anchor in linked:
            continue
        linked.add(anchor)
        added.append((anchor, text[start:end], start))
    if not added:
        return text, []
    pieces, cursor = [], 0
    for anchor, words, start in sorted(added, key=lambda a: a[2]):
        pieces += [text[cursor:start], f"[{_escape_link_text(words)}]({target}#{anchor})"]
        cursor = start + len(words)
    pieces.append(text[cursor:])
    return "".join(pieces), added


def _cell_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _context(text: str, start: int, words: str, width: int = 40) -> str:
    before = text[max(0, start - width):start].replace("\n", " ")
    after = text[start + len(words):start + len(words) + width].replace("\n", " ")
    return f"...{before}[{words}]{after}..."


def link_notebook(nb: dict, terms: list[Term], target: str) -> tuple[dict, list[Link], set[str]]:
    """Link the first mention of each term in the notebook's markdown cells (changes ``nb`` in place).

    Returns the notebook, the links added, and the glossary anchors the notebook links to that the
    glossary does not have (broken links).
    """
    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "markdown"]
    existing = set().union(*(glossary_anchors_linked(_cell_text(c), target) for c in cells)) if cells else set()
    broken = existing - {t.anchor for t in terms}
    linked, links = set(existing), []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        old = _cell_text(cell)
        new, added = link_text(old, terms, target, linked)
        if not added:
            continue
        cell["source"] = new.splitlines(keepends=True) if isinstance(cell["source"], list) else new
        links += [Link(index, anchor, words, _context(old, start, words)) for anchor, words, start in added]
    return nb, links, broken


def dump_notebook(nb: dict) -> str:
    """The notebook as JSON in the layout Jupyter writes (one-space indent, UTF-8, final newline)."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def default_notebooks() -> list[Path]:
    return sorted((REPO_DIR / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to link (default: notebooks/NN_*.ipynb)")
    parser.add_argument("--glossary", type=Path, default=DEFAULT_GLOSSARY, help="the glossary (default: docs/glossary.md)")
    parser.add_argument("--target", help="link target written into the notebooks "
                        "(default: the glossary's path relative to each notebook, e.g. ../docs/glossary.md)")
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if a notebook would change "
                        "or links to a missing glossary entry")
    parser.add_argument("--sample", type=int, default=3, help="links to show per notebook (default 3)")
    args = parser.parse_args(argv)

    terms = read_glossary(args.glossary)
    notebooks = args.notebooks or default_notebooks()
    if not notebooks:
        print("No notebooks to link: pass their paths.", file=sys.stderr)
        return 2
    changed, broken_any, total = [], False, 0
    for path in notebooks:
        target = args.target or Path(os.path.relpath(args.glossary.resolve(), path.resolve().parent)).as_posix()
        nb, links, broken = link_notebook(json.loads(path.read_text(encoding="utf-8")), terms, target)
        total += len(links)
        verb = "would add" if args.check else "added"
        print(f"{path}: {verb} {len(links)} glossary link(s)")
        for link in links[:args.sample]:
            print(f"    cell {link.cell:>3}  #{link.anchor:<28} {link.context}")
        if broken:
            broken_any = True
            print(f"    links to glossary entries that do not exist: {', '.join(sorted(broken))}")
        if links:
            changed.append(path)
            if not args.check:
                path.write_text(dump_notebook(nb), encoding="utf-8")
    print(f"{len(terms)} glossary terms; {total} link(s) {'to add' if args.check else 'added'} in "
          f"{len(changed)} of {len(notebooks)} notebook(s)")
    if args.check and (changed or broken_any):
        return 1
    return 1 if broken_any else 0


if __name__ == "__main__":
    sys.exit(main())
