"""The notebooks are stored as a learner should find them and as nbval can check them on any CPU.

- executed top to bottom from a fresh kernel (execution counts 1..n), with no error stored;
- no float noise in a compared output (a number like 8.6e-08 prints differently on another CPU: print
  the claim, e.g. "largest difference < 1e-5: True", and assert it);
- most cells compared: a cell tagged ``nbval-ignore-output`` (a timing, a UMAP layout number) is the
  exception, and what it shows is asserted, in the cell itself or in a code cell shortly after it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from prose_numbers import NOTEBOOKS, ROOT, printed_text

FLOAT_NOISE = re.compile(r"\d[eE]-(0[6-9]|[1-9]\d)\b")
#: At least this share of a notebook's code cells is compared by nbval.
COMPARED_SHARE = 0.75
#: What a cell that is not compared shows is asserted in it or in one of this many code cells after it.
ASSERTED_WITHIN = 3


def code_cells(path: Path) -> list[dict]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def not_compared(cell: dict) -> bool:
    return "nbval-ignore-output" in tags(cell) or "nbval-skip" in tags(cell)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_executed_in_order_without_errors(path):
    cells = code_cells(path)
    assert [c.get("execution_count") for c in cells] == list(range(1, len(cells) + 1)), (
        f"{path.name}: re-run it top to bottom from a fresh kernel (make execute NOTEBOOKS={path.relative_to(ROOT)})")
    errors = [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name} stores {len(errors)} error output(s)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_compared_outputs_print_no_float_noise(path):
    noisy = [i for i, c in enumerate(code_cells(path)) if not not_compared(c) and FLOAT_NOISE.search(printed_text(c))]
    assert not noisy, f"{path.name}: code cells {noisy} print numbers of 1e-6 or smaller, which differ between CPUs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_most_cells_compared_and_the_rest_asserted(path):
    cells = code_cells(path)
    tagged = [c for c in cells if not_compared(c)]
    assert len(tagged) <= (1 - COMPARED_SHARE) * len(cells), (
        f"{path.name}: {len(tagged)} of {len(cells)} code cells are not compared")
    unchecked = []
    for k, cell in enumerate(cells):
        if not_compared(cell):
            after = "".join("".join(c["source"]) for c in cells[k + 1:k + 1 + ASSERTED_WITHIN])
            if "assert" not in "".join(cell["source"]) + after:
                unchecked.append(k)
    assert not unchecked, (f"{path.name}: code cells {unchecked} are not compared and nothing asserts what they "
                           "show (assert it in the cell or the next few)")


@pytest.mark.parametrize("text, noise", [("8.6e-08", True), ("1e-07", True), ("2.5e-06", True), ("1e-05", False),
                                         ("0.001", False), ("< 1e-5: True", False)])
def test_the_noise_pattern(text, noise):
    assert bool(FLOAT_NOISE.search(text)) is noise
