"""The HTML of the site's pages: notebooks through nbconvert's lab template (offline), Markdown pages,
widgets as static HTML, the index, and the site's own stylesheet.

Used by ``tools/build_site.py``::

    exporter = notebook_exporter(math)
    body, widgets = render_notebook(root, page, exporter, nav)
"""

from __future__ import annotations

import copy
import html
from pathlib import Path

import jinja2
import nbformat
from nbconvert import HTMLExporter

from site_math import MathRenderer, markdown_to_html
from site_pages import Page, first_heading, read_notebook, same_number, strip_markdown

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


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
