"""Markdown to HTML as nbconvert renders it, with formulas drawn at build time into SVG files.

Used by ``tools/build_site.py``::

    math = MathRenderer(out)                          # draws into out/assets/math/
    markdown_to_html("The cosine $\\cos(u, v)$ ...", math, root="../")
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.mathtext import MathTextParser
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath


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



def markdown_to_html(source: str, math: MathRenderer, root: str, path: str = "", attachments=None) -> str:
    """Markdown to HTML as nbconvert renders a Markdown cell (same parser, anchors and code colours)."""
    renderer = SiteRenderer(math, root, escape=False, attachments=attachments or {}, embed_images=True, path=path)
    return MarkdownWithMath(renderer=renderer).render(source)




def markdown_inline(text: str, math: MathRenderer, root: str = "") -> str:
    """One line of Markdown as inline HTML (no surrounding <p>)."""
    return re.sub(r"^<p>|</p>\s*$", "", markdown_to_html(text, math, root).strip())
