"""Numbers in the lessons' prose, the README and the guides agree with what was measured.

A lesson's markdown may only quote a measured number that its own stored outputs print (at the prose's
rounding); the README, the instructor guide and the glossary may quote the stored outputs of any lesson
or the benchmark results (benchmarks/results.json). Everything else must be in the reviewed allow-list,
tests/prose_numbers_allowed.toml, with the reason it is no measurement.
"""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from prose_numbers import NOTEBOOKS, ROOT, ProseNumber, backed, notebook_texts, output_numbers, prose_numbers

DOCS = ["README.md", "docs/instructor-guide.md", "docs/glossary.md"]
ALLOWED = tomllib.loads((ROOT / "tests/prose_numbers_allowed.toml").read_text(encoding="utf-8"))


def benchmark_numbers() -> set[float]:
    """Every number in benchmarks/results.json, also in the units the docs quote (minutes, MB, ms)."""

    def leaves(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from leaves(value)
        elif isinstance(node, list):
            for value in node:
                yield from leaves(value)
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            yield abs(float(node))

    raw = set(leaves(json.loads((ROOT / "benchmarks/results.json").read_text(encoding="utf-8"))))
    return raw | {n / 60 for n in raw} | {n / 1e6 for n in raw} | {n * 1e3 for n in raw} | {n / 1e3 for n in raw}


def unbacked(numbers: list[ProseNumber], printed: set[float], allowed: dict[str, str]) -> list[str]:
    return [f"{n.text!r} in '...{n.context}...'" for n in numbers if n.text not in allowed and not backed(n, printed)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lesson_prose_quotes_its_outputs(path):
    markdown, printed = notebook_texts(path)
    allowed = ALLOWED["notebooks"].get(path.stem, {})
    problems = unbacked([n for _, text in markdown for n in prose_numbers(text)], output_numbers(printed), allowed)
    assert not problems, (f"{path.name}: numbers in the prose that no stored output prints (at that rounding). "
                          "Compute them into an output, correct them, or add them to tests/prose_numbers_allowed.toml "
                          "with the reason they are no measurement:\n" + "\n".join(problems))


@pytest.mark.parametrize("doc", DOCS)
def test_docs_quote_outputs_or_benchmarks(doc):
    printed = output_numbers("\n".join(notebook_texts(path)[1] for path in NOTEBOOKS)) | benchmark_numbers()
    numbers = prose_numbers((ROOT / doc).read_text(encoding="utf-8"))
    problems = unbacked(numbers, printed, ALLOWED["docs"].get(doc, {}))
    assert not problems, (f"{doc}: numbers that neither a stored lesson output nor benchmarks/results.json backs:\n"
                          + "\n".join(problems))


def test_every_allowed_number_is_still_in_the_prose():
    """An allow-list entry whose number left the prose is stale: remove it, so the list stays short and true."""
    stale = []
    for path in NOTEBOOKS:
        quoted = {n.text for _, text in notebook_texts(path)[0] for n in prose_numbers(text)}
        stale += [f"{path.stem}: {k}" for k in ALLOWED["notebooks"].get(path.stem, {}) if k not in quoted]
    for doc in DOCS:
        quoted = {n.text for n in prose_numbers((ROOT / doc).read_text(encoding="utf-8"))}
        stale += [f"{doc}: {k}" for k in ALLOWED["docs"].get(doc, {}) if k not in quoted]
    assert not stale, "allow-list entries no longer in the prose:\n" + "\n".join(stale)


@pytest.mark.parametrize("prose, printed, ok", [
    ("Spearman 0.744 against 0.820", "0.744 0.820", True),
    ("Spearman 0.74", "0.744", True),          # the prose rounds what was printed
    ("Spearman 0.75", "0.744", False),         # ... but may not round it wrongly
    ("about 35 hours", "~33 hours", False),    # the drift this test exists for
    ("1,379 pairs", "1379 rows", True),
    ("73% of resamples", "0.73", True),
    ("6.6x slower", "6.63", True),
    ("from 0.36-0.77", "0.36 and 0.77", True),
    ("from 0.36-0.77", "0.36 and 0.78", False),
])
def test_the_check_itself(prose, printed, ok):
    numbers = prose_numbers(prose)
    assert numbers, f"no number found in {prose!r}"
    assert all(backed(n, output_numbers(printed)) for n in numbers) is ok


@pytest.mark.parametrize("prose", ["all-MiniLM-L6-v2", "GloVe-50d", "a 384-d vector", "int8 ONNX", "see `top_k=100`",
                                   "about 45 minutes to learn", "(15 minutes)", "### 4.2 The loss", "in 2019",
                                   "[link](https://example.com/123456)", "$x^{128}$", "6 queries"])
def test_what_is_not_a_measurement(prose):
    assert prose_numbers(prose) == []


#: How the lessons' **Time:** lines say how long a run takes, and the median wall time (s) each phrase allows.
RUN_TIME_PHRASES = {"a few seconds": (0, 15), "under a minute": (0, 60), "about a minute": (30, 100),
                    "1-2 minutes": (45, 150), "about 2 minutes": (80, 180)}


@pytest.mark.parametrize("path", sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_time_line_agrees_with_the_benchmark(path):
    """ "The notebook runs in ..." must fit the median wall time `make bench` measured for the lesson."""
    intro = notebook_texts(path)[0][0][1]
    time_line = re.search(r"\*\*Time:?\*\*:?(.*?)(?:\n\n|$)", intro, re.S).group(1).replace("\n", " ")
    said = [phrase for phrase in RUN_TIME_PHRASES if f"runs in {phrase}" in time_line]
    assert len(said) == 1, f"{path.name}: the Time line should say 'runs in' one of {list(RUN_TIME_PHRASES)}: {time_line}"
    lessons = json.loads((ROOT / "benchmarks/results.json").read_text())["sections"]["notebooks"]["result"]["lessons"]
    median = next(lesson["wall_s_median"] for lesson in lessons if lesson["notebook"] == path.name)
    low, high = RUN_TIME_PHRASES[said[0]]
    assert low <= median <= high, f"{path.name} says it runs in {said[0]}, the benchmark's median is {median:.0f} s"
