"""The exercises' right answers, read from the solution notebooks: the tests accept what learners are shown."""

import ast
import json
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


def solution_code(lesson: str, *names: str, **context) -> dict:
    """The functions and classes ``names`` of ``solutions/<lesson>_*_solutions.ipynb``, defined over ``context``.

    Only their ``def``/``class`` statements run (and the UPPER_CASE constants of their cells), not the
    cells' other code, so ``context`` supplies what the notebook computed before (a model, a tokenizer)::

        answers = solution_code("05", "cosent_by_hand", torch=torch)
        answers["cosent_by_hand"](cosines, labels)
    """
    (path,) = SOLUTIONS.glob(f"{lesson}_*_solutions.ipynb")
    namespace, found = dict(context), {}
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        body = ast.parse("".join(cell["source"])).body if cell["cell_type"] == "code" else []
        wanted = [node for node in body if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names]
        constants = [node for node in body if isinstance(node, ast.Assign) and wanted
                     and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)]
        if wanted:
            exec(compile(ast.Module(constants + wanted, type_ignores=[]), str(path), "exec"), namespace)
            found.update({node.name: namespace[node.name] for node in wanted})
    missing = sorted(set(names) - set(found))
    assert not missing, f"{path.name} defines no {missing}"
    return found
