"""Find numbers in prose that no stored output (or code constant) backs: the prose/output drift check.

A number in a lesson's markdown that describes a measurement must be the number the lesson printed, at
the prose's rounding: "0.74" is backed by an output 0.744, not by 0.75. Numbers that are no measurement
(a model's 384 dimensions, a paper's 65 hours, the 2 cores of the build machine) are listed, each with its
reason, in ``tests/prose_numbers_allowed.toml``.

What counts as a number in prose: digits standing alone, with an optional sign, thousands commas,
decimals, an exponent, and a unit stuck to them (``6.6x``, ``73%``, ``20 s``). Left out: numbers inside a
name (``all-MiniLM-L6-v2``, ``GloVe-50d``, ``int8``), inside code spans, formulas and link targets, whole
numbers up to 20 (counts of lessons, sections, exercises and the like), years, and learning-time estimates
("about 45 minutes to learn", "(15 minutes)").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

CANDIDATE = re.compile(r"(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?(?:e([-−]?\d+))?")
UNIT = re.compile(r"(x|×|%|s|ms|µs|h|GB|MB|KB|GFLOP|k)(?![A-Za-z0-9])")
# Estimates of how long a learner needs: "about 45 minutes to learn", "(15 minutes)", "| 40 min |".
LEARNING_TIME = re.compile(r"(\d+)\s*(?:minutes?|min)\b(?=\s*(?:to (?:learn|read|work)|in all|\)|\|))", re.I)
# Section numbers: "### 4.2 The loss", "section 4.2".
SECTION = re.compile(r"(?:^#+\s*|[Ss]ections? )(\d+(?:\.\d+)?)", re.M)
STRIP = [
    re.compile(r"```.*?```", re.S),   # code blocks
    re.compile(r"`[^`]*`"),           # code spans
    re.compile(r"\$\$.*?\$\$", re.S),  # display formulas
    re.compile(r"\$[^$]*\$"),         # inline formulas
    re.compile(r"\]\([^)]*\)"),       # link targets
    re.compile(r"<[^>]+>"),           # html tags
    re.compile(r"https?://\S+"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),  # dates
    re.compile(r"\b\d+\.\d+\.\d+\b"),      # versions: Milvus Lite 3.2.2
]


@dataclass(frozen=True)
class ProseNumber:
    text: str       # as written, e.g. "0.744" or "1,379"
    value: float    # the value, sign dropped
    decimals: int   # digits after the point
    percent: bool
    context: str


def _value(whole: str, fraction: str | None, exponent: str | None) -> float:
    number = float(whole.replace(",", "") + (fraction or ""))
    return number * 10 ** int(exponent.replace("−", "-")) if exponent else number


def prose_numbers(markdown: str) -> list[ProseNumber]:
    """The numbers of a markdown text that describe something measurable (see the module docstring)."""
    text = markdown
    for pattern in STRIP:
        text = pattern.sub(" ", text)
    skipped = {m.start(1) for pattern in (LEARNING_TIME, SECTION) for m in pattern.finditer(text)}
    found = []
    for match in CANDIDATE.finditer(text):
        whole, fraction, exponent = match.groups()
        start, end = match.span()
        before, after = text[max(0, start - 2):start].rjust(2), text[end:end + 8]
        if start in skipped or before[-1].isalpha() or before[-1] in "_./#^\\":
            continue  # L6, v2: part of a name
        if before[-1] in "-−" and before[0].isalpha():
            continue  # MiniLM-L3-v2 style names, BERT-12
        if after[:1].isalpha() and not UNIT.match(after):
            continue  # 50d, 6B, 3rd
        if re.match(r"[-−][A-Za-z]", after):
            continue  # 384-d, 3-D, 128-token: the size of a thing, not a measurement
        value = _value(whole, fraction, exponent)
        if exponent is None and fraction is None and (value <= 20 or 1900 <= value <= 2100):
            continue
        context = text[max(0, start - 50):end + 30].replace("\n", " ").strip()
        found.append(ProseNumber(match.group(0), value, len(fraction) - 1 if fraction else 0,
                                 after.lstrip(" ").startswith("%"), context))
    return found


def output_numbers(text: str) -> set[float]:
    """Every number printed in ``text`` (outputs or code), sign dropped."""
    numbers = set()
    text = re.sub(r"(?<=\d)_(?=\d{3})", "", text)  # 10_000 in code
    for match in re.finditer(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:[eE]([-+]?\d+))?", text):
        numbers.add(abs(_value(match.group(1), match.group(2), match.group(3))))
    return numbers


def backed(number: ProseNumber, printed: set[float]) -> bool:
    """True when some printed number, rounded as the prose rounds, is the prose's number."""
    candidates = printed | ({100 * p for p in printed} if number.percent else set())
    if number.text.lower().count("e"):
        return any(abs(p - number.value) <= 1e-12 + 1e-9 * number.value for p in candidates)
    scale = 10 ** number.decimals
    target = round(number.value * scale)
    return any(abs(p * scale - target) <= 0.5 + 1e-9 for p in candidates)


ROOT = Path(__file__).resolve().parent.parent
#: Every lesson and solution notebook, in the order make test runs them.
NOTEBOOKS = sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb")) + sorted(ROOT.glob("solutions/[0-9][0-9]_*.ipynb"))


def printed_text(cell: dict) -> str:
    """What a code cell printed: its streams and the plain-text form of its results."""
    return "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                   for o in cell.get("outputs", []))


def notebook_texts(path: Path) -> tuple[list[tuple[int, str]], str]:
    """The markdown cells of a notebook (index, text), and all its outputs and code as one text."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    markdown = [(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "markdown"]
    printed = ["".join(c["source"]) + "\n" + printed_text(c) for c in cells if c["cell_type"] == "code"]
    return markdown, "\n".join(printed)
