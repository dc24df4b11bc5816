"""The lessons' #@save cells and their generated modules (tools/export_lessons.py), and the rule they serve:
a function the course teaches is written once."""

import ast
import importlib
import json
import sys

import nbformat
import numpy as np
import pytest

from prose_numbers import NOTEBOOKS, ROOT

sys.path.insert(0, str(ROOT / "tools"))
import export_lessons  # noqa: E402

LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def write_notebook(path, *sources):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# 99 · A test lesson")]
    notebook.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(notebook, path)
    return path


def test_the_generated_modules_match_the_lessons():
    assert export_lessons.export(LESSONS, ROOT / "embedding_course" / "lessons", check=True) == []


def test_export_writes_a_module_that_imports_what_its_cells_need(tmp_path):
    lesson = write_notebook(tmp_path / "99_test.ipynb", "import numpy as np\nimport re", "x = 1",
                            "#@save\ndef norm(v):\n    return float(np.linalg.norm(v))")
    out = tmp_path / "lessons"
    out.mkdir()
    assert export_lessons.export([lesson], out, check=False) == []
    text = (out / "l99_test.py").read_text()
    assert "import numpy as np" in text and "import re" not in text and "x = 1" not in text
    namespace = {}
    exec(compile(text, "l99_test.py", "exec"), namespace)
    assert namespace["norm"]([3.0, 4.0]) == 5.0
    assert export_lessons.export([lesson], out, check=True) == []


def test_check_reports_a_stale_module_and_an_orphan(tmp_path):
    lesson = write_notebook(tmp_path / "99_test.ipynb", "#@save\nLIMIT = 3")
    out = tmp_path / "embedding_course" / "lessons"
    out.mkdir(parents=True)
    (out / "l99_test.py").write_text("LIMIT = 2\n")
    (out / "l98_gone.py").write_text("")
    wrong = export_lessons.export([lesson], out, check=True)
    assert any("l99_test.py is stale" in w for w in wrong) and any("l98_gone.py" in w for w in wrong)
    assert (out / "l99_test.py").read_text() == "LIMIT = 2\n"  # --check writes nothing


@pytest.mark.parametrize("cell, complaint", [
    ("#@save\ndef top(k):\n    return scores[:k]", "`scores` is not defined"),
    ("#@save\nclass Model:\n    size = DIM", "`DIM` is not defined"),
    ("#@save\nprint('computed at import')", "may hold imports, functions, classes and constants"),
])
def test_a_saved_cell_must_stand_on_its_own(tmp_path, cell, complaint):
    lesson = write_notebook(tmp_path / "99_test.ipynb", "scores = [1, 2]\nDIM = 3", cell)
    out = tmp_path / "lessons"
    out.mkdir()
    assert any(complaint in w for w in export_lessons.export([lesson], out, check=False))


def test_lesson_modules_run_what_the_lessons_teach():
    l01 = importlib.import_module("embedding_course.lessons.l01_sparse_vectors")
    l06 = importlib.import_module("embedding_course.lessons.l06_milvus")
    assert l01.tokenize("Don't stop, A-B 42!") == ["don", "stop", "42"]  # 2+ characters, lower case
    assert l01.cosine(np.array([[1.0, 0.0]]), np.array([[2.0, 0.0], [0.0, 0.0]])).tolist() == [[1.0, 0.0]]
    corpus, queries = np.eye(12)[::-1], np.eye(12)[:2] + 0.1 * np.eye(12)[1:3]
    top = l06.exact_top_k(corpus, queries, k=3)
    assert top.tolist() == [np.argsort(-(corpus @ q), kind="stable")[:3].tolist() for q in queries]
    assert l06.recall_at_10([[1, 2, 3]], [[3, 4, 5]]) == pytest.approx(1 / 3)


def defined_functions(path):
    """(name, is exercise template) of every top-level def and class in a notebook's code."""
    found = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"]) if cell["cell_type"] == "code" else ""
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.parse(code).body if code else []:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                found.append((node.name, "your code" in source))
    return found


def test_no_notebook_writes_a_function_again():
    """A name defined in two notebooks is code written twice, except an exercise template and its solution."""
    where = {}
    for path in NOTEBOOKS:
        for name, template in defined_functions(path):
            where.setdefault(name, []).append((path.stem.split("_")[0], template))
    twice = {name: places for name, places in where.items()
             if len(places) > 1 and not (len(places) == 2 and places[0][0] == places[1][0] and
                                         any(template for _, template in places))}
    assert twice == {}, f"defined in more than one notebook (import it from embedding_course.lessons): {twice}"


def test_each_lesson_defines_a_name_once():
    for path in NOTEBOOKS:
        names = [name for name, _ in defined_functions(path)]
        assert len(names) == len(set(names)), (path.name, sorted({n for n in names if names.count(n) > 1}))
