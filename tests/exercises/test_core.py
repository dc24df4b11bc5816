"""The checks' common behaviour, and the lessons that call them.

Every check answers an untouched template with "not answered yet" and a wrong call with a message (never
raising). Every exercise cell of a lesson calls a check that exists, and every lesson has a solutions notebook
whose stored outputs say "right"."""

import re
from pathlib import Path

import nbformat
import pytest

from embedding_course import exercises

from .verdicts import unanswered, verdict

REPO = Path(__file__).resolve().parents[2]
LESSONS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


# ---------------------------------------------------------------- every check: the None template
@pytest.mark.parametrize("key", sorted(exercises.REGISTRY))
def test_an_untouched_none_template_is_not_answered_yet(key, capsys):
    check = exercises.REGISTRY[key]
    names = list(check.__wrapped__.__code__.co_varnames[:check.__wrapped__.__code__.co_argcount])
    assert set(check.answers) <= set(names)
    unanswered(capsys, check, **{name: None for name in names})  # the other arguments are never touched


def test_a_wrong_call_is_reported_not_raised(capsys):
    result, printed = verdict(capsys, exercises.check_longest_vectors, "glove-6B-50d")  # one argument missing
    assert result is False and "called the wrong way" in printed


# ---------------------------------------------------------------- the lessons and their solutions
def _exercise_cells(notebook) -> list:
    heading = max(i for i, c in enumerate(notebook.cells) if c.cell_type == "markdown" and "## Exercises" in c.source)
    return notebook.cells[heading:]


def _called_checks(cells) -> set[str]:
    return {name for c in cells if c.cell_type == "code" for name in re.findall(r"exercises\.(check_\w+)\(", c.source)}


def _stream_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def test_there_is_a_lesson_for_every_set_of_checks():
    lessons = {path.name[:2] for path in LESSONS}
    assert {key.split(".")[0] for key in exercises.REGISTRY} <= lessons
    assert len(lessons) == 12


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_every_lesson_ends_with_checked_exercises_and_has_solutions(lesson):
    number = lesson.name[:2]
    cells = _exercise_cells(nbformat.read(lesson, as_version=4))
    called = _called_checks(cells)
    assert called, f"{lesson.name}: no exercise cell calls a check"
    for name in called:
        assert hasattr(exercises, name), f"{lesson.name} calls exercises.{name}, which does not exist"
    keys = {getattr(exercises, name).exercise for name in called}
    assert keys == set(exercises.checks_of(number)), f"{lesson.name}: its exercise cells call {sorted(keys)}"
    assert 2 <= len(keys) <= 4
    intro = cells[0].source
    solutions = REPO / "solutions" / f"{lesson.stem}_solutions.ipynb"
    assert f"../solutions/{solutions.name}" in intro and "minutes" in intro
    for cell in cells:  # stored as a learner gets them: every template unanswered
        if cell.cell_type == "code" and "exercises.check_" in cell.source:
            assert "not answered yet" in _stream_text(cell), cell.source
    assert solutions.exists(), f"{solutions} is missing"
    solved = nbformat.read(solutions, as_version=4).cells
    assert _called_checks(solved) == called
    printed = "".join(_stream_text(c) for c in solved if c.cell_type == "code")
    for key in keys:
        assert re.search(rf"Exercise {re.escape(key)} \([^)]*\): right\.", printed), f"{solutions.name}: {key} not right"
    assert not [o for c in solved for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_solutions_belong_to_lessons():
    stems = {path.stem for path in LESSONS}
    for path in (REPO / "solutions").glob("*.ipynb"):
        assert path.stem.removesuffix("_solutions") in stems, f"{path.name} has no lesson"
