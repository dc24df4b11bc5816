"""Build the course's static site: every executed lesson and every page of docs/ as HTML, offline.

    python tools/build_site.py               # writes site/ (what `make site` runs)
    python tools/build_site.py --out /tmp/s  # somewhere else

It renders the outputs stored in the notebooks and never executes or changes a notebook: run
`make execute` first if a lesson has no outputs. The site needs no network to build or to read:

- lessons go through nbconvert's HTMLExporter with the JupyterLab ("lab") template, minus the
  scripts that template loads from CDNs (require.js, MathJax, mermaid, the widget manager);
- formulas ($...$ and $$...$$) are drawn at build time with matplotlib's mathtext into small SVG
  files (assets/math/), so no MathJax is needed; a formula mathtext cannot read is shown as TeX
  source and listed in the build report;
- ipywidgets outputs (tqdm progress bars, the 3-D viewer of lesson 07) become static HTML drawn
  from the widget state saved in the notebook: the last picture, the sliders where they were left.
  Moving them needs a running kernel, so the page says so;
- images on other hosts (launch badges) are replaced by their alt text: the page requests nothing
  from the network, and the badge's link still works for a reader who is online.

Layout: site/index.html, site/notebooks/NN_name.html (and notebooks/solutions/ when it exists),
site/docs/name.html, site/assets/. Links between pages are rewritten (`../docs/glossary.md#term`
becomes `../docs/glossary.html#term`, `04_bi_encoders.ipynb` becomes `04_bi_encoders.html`); a
Markdown file that a page links to is rendered too, other linked files of the repository are copied.

This file builds the site; the pieces are beside it: ``site_pages.py`` (which files are pages,
titles, navigation, links), ``site_math.py`` (Markdown with formulas drawn as SVG) and
``site_html.py`` (notebook and Markdown pages, widgets, the index, the site's templates and CSS).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from site_html import SITE_CSS, index_html, notebook_exporter, render_markdown_page, render_notebook
from site_math import MathRenderer, markdown_inline
from site_pages import (Page, add_heading_aliases, course_title, find_pages, first_heading, linked_pages, nav_html,
                        read_notebook, remote_resources, replace_external_images, rewrite_links, strip_markdown)

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------------- build
def write_assets(out: Path, exporter: HTMLExporter) -> None:
    """JupyterLab's stylesheets (from nbconvert's lab template, images inlined) once for all pages, and ours."""
    env = exporter.environment
    lab = "\n".join(env.loader.get_source(env, name)[0] for name in ("static/index.css", "static/theme-light.css"))
    (out / "assets").mkdir(parents=True, exist_ok=True)
    (out / "assets" / "lab.css").write_text(lab, encoding="utf-8")
    (out / "assets" / "site.css").write_text(SITE_CSS, encoding="utf-8")


def render_pages(root: Path, pages: list[Page], exporter: HTMLExporter, math: MathRenderer, report: dict) -> None:
    """Render every page into page.soup, adding the Markdown files and notebooks they link to (README.md, ...)."""
    for page in pages:  # titles first: the navigation of each page names its neighbours
        if page.src.endswith(".ipynb"):
            page.nb = read_notebook(root, page)
        else:
            page.title = strip_markdown(first_heading((root / page.src).read_text(encoding="utf-8"))) or Path(page.src).stem
    queue, known = list(pages), {p.src for p in pages}
    while queue:
        page = queue.pop(0)
        nav = nav_html(page, pages)
        if page.src.endswith(".ipynb"):
            text, widgets = render_notebook(root, page, exporter, nav)
            report["widgets"] += widgets
        else:
            text = render_markdown_page(root, page, math, nav)
        page.soup = BeautifulSoup(text, features="html.parser")
        new = linked_pages(page, root, known)
        pages += new
        queue += new


def write_page(soup: BeautifulSoup, path: str, out: Path, report: dict) -> None:
    """Make a page load nothing from the network, check that it does not, and write it."""
    report["external_images"] += replace_external_images(soup)
    remote = remote_resources(soup)
    if remote:
        sys.exit(f"{path} would load {remote[:3]} from the network: the site must work offline.")
    (out / path).parent.mkdir(parents=True, exist_ok=True)
    (out / path).write_text(str(soup), encoding="utf-8")


def build(root: Path, out: Path) -> dict:
    """Render the whole site into `out` (replaced only once the build succeeded); return a report of what was done."""
    started = time.perf_counter()
    if out.exists() and any(out.iterdir()) and not (out / "assets" / "site.css").exists():
        sys.exit(f"Refusing to empty {out}: it holds files and no site built by this script. Give another --out.")
    final, out = out, out.parent / f".{out.name}.building"  # build beside it: a failed build leaves the old site
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    math = MathRenderer(out)
    exporter = notebook_exporter(math)
    write_assets(out, exporter)
    report = {"broken": [], "copied": set(), "widgets": 0, "external_images": 0}

    pages = find_pages(root)
    render_pages(root, pages, exporter, math, report)
    site = {p.src: p for p in pages}
    for page in pages:
        add_heading_aliases(page.soup)
        rewrite_links(page.soup, page, page.out, site, root, out, report)
        write_page(page.soup, page.out, out, report)

    def inline(markdown: str, lesson: Page) -> str:  # a bullet of a lesson, its links made to work from the index
        soup = BeautifulSoup(markdown_inline(markdown, math), features="html.parser")
        rewrite_links(soup, lesson, "index.html", site, root, out, report)
        return str(soup)

    index = index_html(pages, course_title(root), inline)
    write_page(BeautifulSoup(index, features="html.parser"), "index.html", out, report)

    shutil.rmtree(final, ignore_errors=True)
    out.rename(final)
    files = [f for f in final.rglob("*") if f.is_file()]
    report.update(pages=len(pages) + 1, lessons=sum(p.kind == "lesson" for p in pages),
                  formulas=len(math.drawn), math_failed=math.failed, files=len(files),
                  bytes=sum(f.stat().st_size for f in files), seconds=time.perf_counter() - started)
    return report


def print_report(report: dict, out: Path) -> None:
    """Print what :func:`build` returned: pages, sizes, formulas, widgets, and warnings about formulas and links."""
    print(f"Built {report['pages']} pages ({report['lessons']} lessons) in {out}: {report['files']} files, "
          f"{report['bytes'] / 1e6:.1f} MB, in {report['seconds']:.1f} s.")
    print(f"  {report['formulas']} formulas drawn, {report['widgets']} widget outputs made static, "
          f"{report['external_images']} remote images replaced by their alt text, {len(report['copied'])} linked files copied.")
    for tex in report["math_failed"]:
        print(f"  warning: mathtext cannot draw this formula, shown as TeX source: {tex!r}")
    broken = sorted(set(report["broken"]))
    for link in broken[:20]:
        print(f"  warning: link to a file that is not in the repository or the site: {link}")
    if len(broken) > 20:
        print(f"  ... and {len(broken) - 20} more such links")
    print(f"Open {out / 'index.html'} in a browser (no server or network needed).")


def main(argv: list[str] | None = None) -> None:
    """The command line: ``main(["--out", "/tmp/s"])`` builds the site there and prints the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="site", help="folder to write the site into (emptied first; default: site)")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    print_report(build(ROOT, out), out)


if __name__ == "__main__":
    main()
