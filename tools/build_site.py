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
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import html
import io
import posixpath
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import matplotlib
import nbformat
from bs4 import BeautifulSoup
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.mathtext import MathTextParser
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

ROOT = Path(__file__).resolve().parents[1]
LESSON_GLOB = "notebooks/[0-9][0-9]_*.ipynb"
SOLUTION_GLOBS = ("solutions/[0-9][0-9]_*.ipynb", "notebooks/solutions/[0-9][0-9]_*.ipynb")
DOCS_GLOB = "docs/*.md"
COPY_LIMIT = 1_000_000  # linked repository files bigger than this are not copied into the site
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


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


# ---------------------------------------------------------------------------------------- math
class MathRenderer:
    """Draws TeX formulas with matplotlib's mathtext into SVG files under assets/math/.

    >>> import tempfile; m = MathRenderer(Path(tempfile.mkdtemp()))
    >>> m.html(r"\\cos(u, v)", display=False, root="../")  # doctest: +ELLIPSIS
    '<img class="site-math" src="../assets/math/....svg" alt="\\\\cos(u, v)" style="height:...em;vertical-align:...em" />'
    """

    SIZE = 20.0  # points; the picture is scaled to the text with em units, so this only sets precision
    RC = {"mathtext.fontset": "cm", "svg.fonttype": "path", "svg.hashsalt": "course-site"}

    def __init__(self, out: Path):
        self.folder = out / "assets" / "math"
        self.parser = MathTextParser("path")
        self.font = FontProperties(size=self.SIZE)
        self.drawn: dict[str, tuple[str, float, float]] = {}
        self.failed: list[str] = []

    @staticmethod
    def to_mathtext(tex: str) -> str:
        """Rewrite the TeX that mathtext lacks into what it has (same look, or close to it)."""
        tex = " ".join(tex.split())
        tex = re.sub(r"\\[lr]Vert", r"\\Vert", tex)
        tex = re.sub(r"\\[lr]vert", "|", tex)
        tex = re.sub(r"\\[Bb]ig+[lr]?(?![a-zA-Z])", "", tex)  # fixed-size delimiters: plain ones instead
        tex = re.sub(r"\\texttt\{([^{}]*)\}", lambda m: r"\mathtt{" + m.group(1).replace('"', "''") + "}", tex)
        return tex

    def draw(self, tex: str, display: bool = False) -> tuple[str, float, float]:
        """The SVG file name, height and depth (in em) of one formula; raises ValueError if mathtext cannot read it."""
        text = f"${self.to_mathtext(tex)}$"
        if display:  # TeX sets fractions full size in displayed formulas; mathtext needs to be told
            text = re.sub(r"\\frac(?![a-zA-Z])", r"\\dfrac", text)
        if text not in self.drawn:
            with matplotlib.rc_context(self.RC):
                width, height, depth, _, _ = self.parser.parse(text, dpi=72, prop=self.font)
                figure = Figure(figsize=(width / 72, height / 72))
                figure.text(0, depth / height, text, fontproperties=self.font)
                svg = io.StringIO()
                figure.savefig(svg, format="svg", transparent=True, metadata={"Date": None})
            name = hashlib.sha1(text.encode()).hexdigest()[:16] + ".svg"
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / name).write_text(svg.getvalue())
            self.drawn[text] = (name, height / self.SIZE, depth / self.SIZE)
        return self.drawn[text]

    def html(self, tex: str, display: bool, root: str) -> str:
        """An <img> of the formula (XHTML, so that nbconvert can still parse headings), or its TeX source."""
        rows = aligned_rows(tex)
        if rows is not None:
            return self.table(rows, root)
        try:
            name, height, depth = self.draw(tex, display)
        except ValueError:
            self.failed.append(tex)
            source = html.escape(f"$${tex}$$" if display else f"${tex}$")
            return f'<code class="site-math-source">{source}</code>'
        alt = html.escape(" ".join(tex.split()))
        img = (f'<img class="site-math" src="{root}assets/math/{name}" alt="{alt}" '
               f'style="height:{height:.3f}em;vertical-align:{-depth:.3f}em" />')
        return f'<span class="site-math-display">{img}</span>' if display else img

    def table(self, rows: list[list[str]], root: str) -> str:
        """An aligned environment as a table: columns alternate right and left aligned, as in TeX."""
        lines = []
        for row in rows:
            cells = "".join(f'<td class="{"site-right" if i % 2 == 0 else "site-left"}">'
                            f'{self.html(cell, False, root) if cell.strip() else ""}</td>' for i, cell in enumerate(row))
            lines.append(f"<tr>{cells}</tr>")
        return f'<table class="site-math-rows">{"".join(lines)}</table>'


def aligned_rows(tex: str) -> list[list[str]] | None:
    """The rows and cells of an aligned/align/gathered environment, or None for any other formula.

    >>> aligned_rows(r"\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}")
    [[' a ', '= b '], [' c ', '= d ']]
    """
    found = re.fullmatch(r"\s*\\begin\{(aligned|align\*?|gathered|split)\}(.*)\\end\{\1\}\s*", tex, flags=re.DOTALL)
    if not found:
        return None
    rows = [row for row in re.split(r"\\\\", found.group(2)) if row.strip()]
    return [row.split("&") for row in rows]


class SiteRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, with formulas drawn by MathRenderer instead of left to MathJax."""

    def __init__(self, math: MathRenderer, root: str, **kwargs):
        super().__init__(**kwargs)
        self.math, self.root = math, root

    def block_math(self, body: str) -> str:
        return self.math.html(body, display=True, root=self.root)

    def inline_math(self, body: str) -> str:
        return self.math.html(body, display=False, root=self.root)

    def latex_environment(self, name: str, body: str) -> str:
        return self.math.html(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True, root=self.root)


# ------------------------------------------------------------------------------------- widgets
def static_widgets(nb: nbformat.NotebookNode) -> int:
    """Replace every widget output by static HTML drawn from the saved widget state; return how many.

    Also drops the saved state, so that the template loads no widget manager from a CDN.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    count = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                continue
            model = view.get("model_id")
            if model in state:
                body = render_widget(model, state)
                if any(state[m]["model_name"] in INTERACTIVE for m in widget_models(model, state)):
                    body += ('<p class="site-widget-note">A snapshot of an interactive widget: open the notebook '
                             "in JupyterLab to use it.</p>")
            else:  # the notebook was saved without this widget's state: keep the plain-text fallback
                body = f"<pre>{html.escape(str(output['data'].get('text/plain', '')))}</pre>"
            output["data"] = {"text/html": f'<div class="site-widget">{body}</div>'}
            count += 1
    nb.metadata.pop("widgets", None)
    return count


INTERACTIVE = {"IntSliderModel", "FloatSliderModel", "IntRangeSliderModel", "FloatRangeSliderModel",
               "DropdownModel", "ButtonModel", "CheckboxModel", "TextModel", "ToggleButtonsModel"}


def widget_models(model: str, state: dict) -> list[str]:
    """A widget's model id and those of all the widgets inside it."""
    children = [c.removeprefix("IPY_MODEL_") for c in state.get(model, {}).get("state", {}).get("children", [])]
    return [model] + [m for child in children for m in widget_models(child, state)]


def render_widget(model: str, state: dict) -> str:
    """Static HTML for one widget model (and its children) from its saved state."""
    entry = state[model]
    name, values = entry["model_name"], entry["state"]
    label = html.escape(str(values.get("description", "")))
    if name in ("HBoxModel", "VBoxModel", "BoxModel", "GridBoxModel"):
        children = "".join(render_widget(c.removeprefix("IPY_MODEL_"), state) for c in values.get("children", [])
                           if c.removeprefix("IPY_MODEL_") in state)
        return f'<div class="site-widget-{"hbox" if name == "HBoxModel" else "vbox"}">{children}</div>'
    if name == "HTMLModel":
        return f'<span class="site-widget-html">{values.get("value", "")}</span>'
    if name == "LabelModel":
        return f"<span>{html.escape(str(values.get('value', '')))}</span>"
    if name in ("FloatProgressModel", "IntProgressModel"):
        return (f'<progress class="site-widget-progress {values.get("bar_style", "")}" '
                f'max="{values.get("max", 100)}" value="{values.get("value", 0)}"></progress>')
    if name in ("IntSliderModel", "FloatSliderModel"):
        return (f'<label class="site-widget-slider">{label} <input type="range" disabled min="{values.get("min")}" '
                f'max="{values.get("max")}" step="{values.get("step")}" value="{values.get("value")}"> '
                f'{html.escape(str(values.get("value")))}</label>')
    if name == "ImageModel":
        data = next((b["data"] for b in entry.get("buffers", []) if b.get("path") == ["value"]), None)
        if data is None:
            return '<span class="site-widget-missing">[image not saved]</span>'
        size = "".join(f' {k}="{html.escape(str(values[k]))}"' for k in ("width", "height") if values.get(k))
        return f'<img src="data:image/{values.get("format", "png")};base64,{data}" alt="widget image"{size} />'
    value = values.get("value", "")
    return f'<span class="site-widget-other">{label} {html.escape(str(value))}</span>'


# ----------------------------------------------------------------------------------- rendering
TEMPLATE = """
{%- extends 'index.html.j2' -%}
{# The lab template, minus everything it would fetch from a CDN: the site is read offline. #}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block notebook_css -%}
<link rel="stylesheet" href="{{ resources.site_root }}assets/lab.css">
<link rel="stylesheet" href="{{ resources.site_root }}assets/site.css">
{%- endblock notebook_css -%}
{%- block body_header -%}{{ super() }}{{ resources.site_nav }}{%- endblock body_header -%}
{%- block body_footer -%}{{ resources.site_nav }}{{ super() }}{%- endblock body_footer -%}
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
<link rel="stylesheet" href="{root}assets/lab.css">
<link rel="stylesheet" href="{root}assets/site.css">
</head>
<body class="jp-Notebook" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<main>
{nav}
<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown site-page">
{body}
</div>
{nav}
</main>
</body>
</html>
"""

SITE_CSS = """
/* Additions to JupyterLab's own styles (lab.css) for the course site. */
main { max-width: 1100px; margin: 0 auto; padding: 0 1rem 2rem; }
.site-nav { display: flex; justify-content: space-between; gap: 1rem; margin: 1rem 0;
  padding: .6rem .8rem; border: 1px solid var(--jp-border-color2); border-radius: 4px;
  font-family: var(--jp-ui-font-family); font-size: var(--jp-ui-font-size1); }
.site-nav a { text-decoration: none; color: var(--jp-brand-color1); }
.site-nav span { flex: 1; }
.site-nav .site-next { text-align: right; }
.site-nav .site-up { text-align: center; }
a.anchor-link { display: none; margin-left: .3em; text-decoration: none; }
h1:hover > a.anchor-link, h2:hover > a.anchor-link, h3:hover > a.anchor-link, h4:hover > a.anchor-link { display: inline; }
.jp-InputArea, .jp-InputArea-editor { overflow: hidden; }
.jp-Collapser { display: none; }
.cm-editor.cm-s-jupyter .highlight pre { padding: var(--jp-code-padding) 4px; margin: 0;
  font-family: inherit; font-size: inherit; line-height: inherit; color: inherit; }
.jp-OutputArea-output pre { line-height: inherit; font-family: inherit; }
.jp-RenderedText pre { color: var(--jp-content-font-color1); font-size: var(--jp-code-font-size); }
.site-page { padding: 0 .5rem; }
img.site-math { display: inline; margin: 0; max-width: none; }
.site-math-display { display: block; text-align: center; margin: .6em 0; }
table.site-math-rows { margin: .6em auto; border: none; }
table.site-math-rows tr, table.site-math-rows tr:nth-child(odd) { background: none; }
table.site-math-rows td { border: none; padding: .15em .2em; }
table.site-math-rows td.site-right { text-align: right; }
table.site-math-rows td.site-left { text-align: left; }
code.site-math-source { color: #a00; }
.site-widget-hbox { display: flex; gap: .8em; align-items: center; flex-wrap: wrap; }
.site-widget-vbox { display: flex; flex-direction: column; gap: .4em; align-items: flex-start; }
.site-widget-progress { width: 18em; }
.site-widget-note { font-size: var(--jp-ui-font-size1); color: var(--jp-ui-font-color2); }
.site-external-image { border: 1px solid var(--jp-border-color2); border-radius: 3px; padding: 0 .3em; }
.site-lessons { list-style: none; padding-left: 0; }
.site-lessons > li { margin: 0 0 1em; }
.site-lessons .site-learn { margin: .2em 0 0; }
.site-lessons .site-time, .site-lessons .site-more { color: var(--jp-ui-font-color2); font-size: .9em; }
"""


def make_exporter() -> HTMLExporter:
    """nbconvert's HTML exporter with the lab template and the site's offline template on top."""
    exporter = HTMLExporter(template_name="lab", embed_images=True,
                            extra_loaders=[jinja2.DictLoader({"site.html.j2": TEMPLATE})])
    exporter.template_file = "site.html.j2"
    return exporter


def markdown_to_html(source: str, math: MathRenderer, root: str, path: str = "", attachments=None) -> str:
    """Markdown to HTML as nbconvert renders a Markdown cell (same parser, anchors and code colours)."""
    renderer = SiteRenderer(math, root, escape=False, attachments=attachments or {}, embed_images=True, path=path)
    return MarkdownWithMath(renderer=renderer).render(source)


def notebook_exporter(math: MathRenderer) -> HTMLExporter:
    """The exporter, with Markdown cells rendered by SiteRenderer (formulas as pictures)."""
    exporter = make_exporter()

    @jinja2.pass_context
    def markdown2html(context, source):
        cell = context.get("cell", {})
        resources = context.get("resources", {})
        return markdown_to_html(source, math, resources.get("site_root", ""),
                                resources.get("metadata", {}).get("path", ""), cell.get("attachments", {}))

    exporter.register_filter("markdown2html", markdown2html)
    return exporter


def render_notebook(root: Path, page: Page, exporter: HTMLExporter, nav: str) -> tuple[str, int]:
    """The HTML of one notebook page, and how many widget outputs were made static. The file is only read."""
    nb = copy.deepcopy(page.nb or read_notebook(root, page))
    widgets = static_widgets(nb)
    nb.metadata["title"] = page.title
    resources = {"metadata": {"name": Path(page.src).stem, "path": str((root / page.src).parent)},
                 "site_root": page.root, "site_nav": nav}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body, widgets


def render_markdown_page(root: Path, page: Page, math: MathRenderer, nav: str) -> str:
    """The HTML of one Markdown page (docs/*.md and Markdown files the pages link to)."""
    source = (root / page.src).read_text(encoding="utf-8")
    page.title = strip_markdown(first_heading(source)) or Path(page.src).stem
    body = markdown_to_html(source, math, page.root, str((root / page.src).parent))
    return PAGE.format(title=html.escape(page.title), root=page.root, nav=nav, body=body)


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
    return html.escape(page.title) if page else ""


def same_number(a: Page, b: Page) -> bool:
    return Path(a.src).name[:3] == Path(b.src).name[:3]


def relative(from_out: str, to_out: str) -> str:
    """The relative URL from one site page to another: relative("notebooks/a.html", "docs/b.html") == "../docs/b.html"."""
    return posixpath.relpath(to_out, posixpath.dirname(from_out) or ".")


def index_html(pages: list[Page], title: str, inline) -> str:
    """The navigation page: one entry per lesson (title, what you learn, time; solutions if any), then the guides.

    `inline(markdown, lesson)` renders one bullet of a lesson's "What you will learn" list as inline HTML.
    """
    items = []
    for lesson in (p for p in pages if p.kind == "lesson"):
        first = inline(lesson.learn[0], lesson) if lesson.learn else ""
        rest = "".join(f"<li>{inline(b, lesson)}</li>" for b in lesson.learn[1:])
        more = f'<details class="site-more"><summary>and {len(lesson.learn) - 1} more</summary><ul>{rest}</ul></details>' if rest else ""
        solution = next((p for p in pages if p.kind == "solution" and same_number(p, lesson)), None)
        extra = f' · <a href="{solution.out}">solutions</a>' if solution else ""
        time_text = f'<span class="site-time">· {html.escape(lesson.time)}</span>' if lesson.time else ""
        items.append(f'<li><a href="{lesson.out}"><strong>{html.escape(lesson.title)}</strong></a>{extra}<br>'
                     f'<span class="site-learn">You learn {first}.</span> {time_text}{more}</li>')
    guides = "".join(f'<li><a href="{p.out}">{html.escape(p.title)}</a></li>' for p in pages if p.kind == "doc")
    body = (f"<h1>{html.escape(title)}</h1>\n<p>The lessons as they ran, with every output and figure: read them here, "
            "or open the notebooks in JupyterLab (<code>make lab</code>) to run them.</p>\n"
            f'<h2>Lessons</h2>\n<ol class="site-lessons">{"".join(items)}</ol>\n'
            + (f"<h2>Guides</h2>\n<ul>{guides}</ul>\n" if guides else ""))
    return PAGE.format(title=html.escape(title), root="", nav="", body=body)


def markdown_inline(text: str, math: MathRenderer, root: str = "") -> str:
    """One line of Markdown as inline HTML (no surrounding <p>)."""
    return re.sub(r"^<p>|</p>\s*$", "", markdown_to_html(text, math, root).strip())


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


# ---------------------------------------------------------------------------------------- build
def course_title(root: Path) -> str:
    readme = root / "README.md"
    title = strip_markdown(first_heading(readme.read_text(encoding="utf-8"))) if readme.exists() else ""
    return title or "The course"


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="site", help="folder to write the site into (emptied first; default: site)")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    print_report(build(ROOT, out), out)


if __name__ == "__main__":
    main()
