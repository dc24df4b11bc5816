"""Every check has a test that feeds it a wrong answer and asserts its specific message.

The lessons' tests say so with ``rejected(capsys, "<part of the message>", exercises.check_xxx, ...)``. This test
reads those calls in tests/exercises/test_lesson_*.py (without running them) and fails when an exercise of
:data:`exercises.REGISTRY` has none.
"""

import ast
from pathlib import Path

from embedding_course import exercises

LESSON_TESTS = sorted(Path(__file__).parent.glob("test_lesson_*.py"))


def _rejected_calls(source: str) -> list[ast.Call]:
    return [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id == "rejected"]


def rejected_exercises(source: str, where: str = "source") -> set[str]:
    """The exercises whose check ``source`` passes to ``rejected(capsys, "message", exercises.check_xxx, ...)``."""
    keys = set()
    for call in _rejected_calls(source):
        message, check = call.args[1], call.args[2]
        at = f"{where}, line {call.lineno}"
        quoted = isinstance(message, ast.Constant) and isinstance(message.value, str) and len(message.value) >= 10
        assert quoted, f"{at}: rejected(...) should name a part of the check's message (10 characters or more)"
        named = isinstance(check, ast.Attribute) and isinstance(check.value, ast.Name) and check.value.id == "exercises"
        assert named, f"{at}: pass the check as exercises.check_xxx, so that this test sees which check it is"
        keys.add(getattr(exercises, check.attr).exercise)
    return keys


def test_every_registered_check_has_a_rejected_wrong_answer():
    tested = set().union(*(rejected_exercises(path.read_text(encoding="utf-8"), path.name)
                           for path in LESSON_TESTS))
    missing = sorted(set(exercises.REGISTRY) - tested)
    assert not missing, f"no test feeds a wrong answer to exercise(s) {', '.join(missing)}: add a rejected(...) call"


def test_a_check_without_a_rejected_call_is_found():
    source = '''
def test_longest_vectors(capsys):
    accepted(capsys, exercises.check_longest_vectors, "glove-6B-50d", 50)
    rejected(capsys, "another model of the catalog", exercises.check_longest_vectors, "glove-6B-50d", 50)
    unanswered(capsys, exercises.check_model_files, None, None)
'''
    assert rejected_exercises(source) == {"00.1"}  # 00.3 is only called unanswered
