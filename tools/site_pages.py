"""The pages of the course site: which files become pages, their titles, navigation and links.

Used by ``tools/build_site.py`` (see its docstring for the site's layout)::

    pages = find_pages(root)                       # lessons, solutions, docs/*.md, in site order
    nav = nav_html(pages[0], pages)                # previous / index / next links of a page
    rewrite_links(soup, page, page.out, site, root, out, report)
"""

from __future__ import annotations

import html
import posixpath
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
from bs4 import BeautifulSoup

LESSON_GLOB = "notebooks/[0-9][0-9]_*.ipynb"
SOLUTION_GLOBS = ("solutions/[0-9][0-9]_*.ipynb", "notebooks/solutions/[0-9][0-9]_*.ipynb")
DOCS_GLOB = "docs/*.md"
COPY_LIMIT = 1_000_000  # linked repository files bigger than this are not copied into the site


# --------------------------------------------------------------------------------------- pages
@dataclass
class Page:
    """One page of the site: `src` is its path in the repository, `out` its path in the site."""

    src: str
    kind: str  # "lesson", "solution", "doc" or "linked" (a Markdown or notebook file a page links to)
    title: str = ""
    learn: list[str] = field(default_factory=list)  # the "What you will learn" bullets (Markdown)
    time: str = ""
    soup: BeautifulSoup | None = None
    nb: nbformat.NotebookNode | None = None

    @property
    def out(self) -> str:
        return str(Path(self.src).with_suffix(".html").as_posix())

    @property
    def root(self) -> str:
        """The relative path from this page back to the site's root, e.g. "../"."""
        return "../" * self.out.count("/")


def find_pages(root: Path) -> list[Page]:
    """The lessons, their solutions (if any) and docs/*.md, in site order."""
    pages = [Page(p.relative_to(root).as_posix(), "lesson") for p in sorted(root.glob(LESSON_GLOB))]
    pages += [Page(p.relative_to(root).as_posix(), "solution") for g in SOLUTION_GLOBS for p in sorted(root.glob(g))]
    pages += [Page(p.relative_to(root).as_posix(), "doc") for p in sorted(root.glob(DOCS_GLOB))]
    if not any(p.kind == "lesson" for p in pages):
        sys.exit(f"No lessons found under {root / LESSON_GLOB}: run this from the course folder.")
    return pages


def first_heading(markdown: str) -> str:
    """The text of the first `# ` heading of a Markdown text, or ""."""
    found = re.search(r"^#\s+(.+?)\s*#*\s*$", markdown, flags=re.MULTILINE)
    return found.group(1) if found else ""


def lesson_summary(first_cell: str) -> tuple[list[str], str]:
    """The "What you will learn" bullets and the "Time" line of a lesson's first cell.

    >>> lesson_summary("**What you will learn**\\n- a;\\n- b, over\\n  two lines.\\n\\n**Time:** 10 minutes.")
    (['a', 'b, over two lines'], '10 minutes')
    """
    bullets: list[str] = []
    found = re.search(r"\*\*What you will learn\*\*:?\s*\n((?:[-*] .*\n?(?:[ \t]+\S.*\n?)*)+)", first_cell)
    if found:
        for item in re.split(r"^[-*] ", found.group(1), flags=re.MULTILINE)[1:]:
            bullets.append(" ".join(item.split()).rstrip(";.,"))
    time_line = re.search(r"\*\*Time(?::\*\*|\*\*:)\s*(.+)", first_cell)
    # the first clause only: "about 40 minutes to read; the notebook runs in ..." -> "about 40 minutes to read"
    time_text = re.split(r"[;.(]", time_line.group(1))[0].strip() if time_line else ""
    return bullets, time_text


def read_notebook(root: Path, page: Page) -> nbformat.NotebookNode:
    """Read a notebook, check that it was executed, and fill in the page's title and summary.

    A lesson without outputs stops the build; any other notebook (solutions) is shown as it is, with a warning.
    """
    nb = nbformat.read(root / page.src, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    if code and not any(c.outputs for c in code):
        if page.kind == "lesson":
            sys.exit(f"{page.src} has no stored outputs: run `make execute` (or run it in JupyterLab and save) first.")
        print(f"warning: {page.src} has no stored outputs: its page shows the code only")
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    page.title = strip_markdown(first_heading(first)) or Path(page.src).stem
    page.learn, page.time = lesson_summary(first)
    if page.kind == "lesson" and not page.learn:
        print(f"warning: {page.src}: no '**What you will learn**' list in the first cell; the index shows no summary")
    return nb


def strip_markdown(text: str) -> str:
    """Plain text from a one-line Markdown title: no emphasis, code marks or links."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`]", "", text).strip()




def course_title(root: Path) -> str:
    """The course's title: the first heading of README.md (or "The course")."""
    readme = root / "README.md"
    title = strip_markdown(first_heading(readme.read_text(encoding="utf-8"))) if readme.exists() else ""
    return title or "The course"




# ----------------------------------------------------------------------------------- navigation
def nav_html(page: Page, pages: list[Page]) -> str:
    """Previous / index / next links for a page (lessons among lessons, solutions among solutions)."""
    same = [p for p in pages if p.kind == page.kind and page.kind in ("lesson", "solution")]

    def link(target: Page | None, text: str) -> str:
        return f'<a href="{relative(page.out, target.out)}">{text}</a>' if target else ""

    i = same.index(page) if page in same else -1
    before = same[i - 1] if i > 0 else None
    after = same[i + 1] if 0 <= i < len(same) - 1 else None
    up = f'<a href="{page.root}index.html">Index</a>'
    if page.kind == "solution":
        lesson = next((p for p in pages if p.kind == "lesson" and same_number(p, page)), None)
        up += f" · {link(lesson, 'the lesson')}" if lesson else ""
    return (f'<nav class="site-nav"><span class="site-prev">{link(before, "← " + label(before)) if before else ""}</span>'
            f'<span class="site-up">{up}</span>'
            f'<span class="site-next">{link(after, label(after) + " →") if after else ""}</span></nav>')


def label(page: Page | None) -> str:
    """A page's title as HTML text for a navigation link ("" for no page)."""
    return html.escape(page.title) if page else ""


def same_number(a: Page, b: Page) -> bool:
    """Whether two pages belong to the same lesson number (``04_...`` and ``04_..._solutions``)."""
    return Path(a.src).name[:3] == Path(b.src).name[:3]


def relative(from_out: str, to_out: str) -> str:
    """The relative URL from one site page to another: relative("notebooks/a.html", "docs/b.html") == "../docs/b.html"."""
    return posixpath.relpath(to_out, posixpath.dirname(from_out) or ".")



# ------------------------------------------------------------------------------ links, offline
def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading: github_slug("Cosine similarity (cos)") == "cosine-similarity-cos"."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def add_heading_aliases(soup: BeautifulSoup) -> None:
    """Let both anchor styles reach a heading: nbconvert's ("Mean-pooling") and GitHub's ("mean-pooling")."""
    taken = {tag["id"] for tag in soup.find_all(id=True)}
    for heading in soup.find_all(re.compile(r"^h[1-6]$")):
        slug = github_slug(heading.get_text().rstrip("¶"))
        if slug and slug not in taken:
            heading.insert(0, soup.new_tag("span", id=slug, attrs={"class": "site-alias"}))
            taken.add(slug)


def link_target(page: Page, href: str) -> tuple[str, str] | None:
    """The repository path and #fragment a relative link points at, or None for other links."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("#", "/", "mailto:", "data:")) or not parts.path:
        return None
    path = posixpath.normpath(posixpath.join(posixpath.dirname(page.src), parts.path))
    return path, parts.fragment


def linked_pages(page: Page, root: Path, known: set[str]) -> list[Page]:
    """Markdown files and notebooks of the repository that this page links to and the site does not have yet."""
    found = []
    for a in page.soup.find_all("a", href=True):
        target = link_target(page, a["href"])
        if target and target[0] not in known and target[0].endswith((".md", ".ipynb")) and (root / target[0]).is_file():
            known.add(target[0])
            found.append(Page(target[0], "linked"))
    return found


def rewrite_links(soup: BeautifulSoup, page: Page, at: str, site: dict[str, Page], root: Path, out: Path,
                  report: dict) -> None:
    """Point links written in `page` (now shown at site path `at`) at site pages; copy other linked repository
    files; note links that lead nowhere."""
    for a in soup.find_all("a", href=True):
        target = link_target(page, a["href"])
        if target is None or a.find_parent("nav", class_="site-nav"):  # the navigation links are site links already
            continue
        path, fragment = target
        anchor = f"#{fragment}" if fragment else ""
        if path in site:
            a["href"] = relative(at, site[path].out) + anchor
        elif path.startswith("..") or not (root / path).exists():
            report["broken"].append(f"{page.src}: {a['href']}")
        elif (root / path).is_file() and (root / path).stat().st_size <= COPY_LIMIT:
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / path, out / path)
            a["href"] = relative(at, path) + anchor
            report["copied"].add(path)
        else:
            report["broken"].append(f"{page.src}: {a['href']} (a folder or a big file: not in the site)")


def replace_external_images(soup: BeautifulSoup) -> int:
    """Replace images from other hosts (launch badges) by their alt text, so the page loads nothing remote."""
    count = 0
    for img in soup.find_all("img", src=re.compile(r"^(https?:)?//")):
        span = soup.new_tag("span", attrs={"class": "site-external-image", "title": img["src"]})
        span.string = img.get("alt") or "image"
        img.replace_with(span)
        count += 1
    return count


def remote_resources(soup: BeautifulSoup) -> list[str]:
    """Everything a page would fetch from the network by itself (must be empty)."""
    found = [t.get("src") for t in soup.find_all(["script", "img", "iframe", "video", "audio", "source"], src=True)]
    found += [t.get("href") for t in soup.find_all("link", href=True)]
    found += re.findall(r"""(?:import\(|url\()\s*["']?((?:https?:)?//[^"')\s]+)""", str(soup))
    return [u for u in found if u and re.match(r"^(https?:)?//", u)]
