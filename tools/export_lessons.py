"""Save the code a lesson teaches as a module that later lessons, checks, tools and tests import.

A lesson's code cell whose first line is ``#@save`` is copied, without that line, into a generated
module ``embedding_course/lessons/lNN_<name>.py`` (lesson ``notebooks/NN_<name>.ipynb``), in cell
order. The learner reads the code in the lesson; everything else imports it from there, so it is
written once (d2l's ``#@save``). Never edit a generated module: change the cell and re-export.

    python tools/export_lessons.py          # write the modules (make export)
    python tools/export_lessons.py --check  # exit 1 if a module is stale or a saved cell is unfit (make test)

A saved cell may hold imports, functions, classes and constants only, and may use no name from
other cells: the module must import on its own.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import json
import symtable
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "#@save"
#: What a saved cell may hold at its top level: no statement that computes a lesson's state.
ALLOWED = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)


def module_name(notebook: Path) -> str:
    """``notebooks/06_milvus.ipynb`` -> ``l06_milvus``."""
    return "l" + notebook.stem


def code_cells(notebook: Path) -> list[str]:
    """The sources of the notebook's code cells, in order."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def saved_cells(notebook: Path) -> list[str]:
    """The sources of the notebook's ``#@save`` cells, marker line removed, in order."""
    return [s.split("\n", 1)[1].strip("\n") if "\n" in s else "" for s in code_cells(notebook)
            if s.split("\n", 1)[0].strip() == MARKER]


def render(notebook: Path) -> str:
    """The text of the module generated from ``notebook``: the imports its saved cells need, then the cells."""
    relative = (notebook.relative_to(ROOT) if notebook.is_relative_to(ROOT) else notebook).as_posix()
    cells = saved_cells(notebook)
    header = (f"# Generated from {relative} by tools/export_lessons.py: do not edit.\n"
              f"# Change the lesson's #@save cells instead, then run `make export`.\n"
              f'"""Code taught in {relative}, for later lessons, checks and tools to import."""\n')
    imports = notebook_imports(notebook)
    needed = sorted({imports[name] for name in undefined_names("\n\n".join(cells)) if name in imports})
    return header + "".join(f"\n{line}" for line in needed) + "\n" * bool(needed) + "".join(f"\n\n{c}\n" for c in cells)


def notebook_imports(notebook: Path) -> dict[str, str]:
    """Each name the notebook's import statements bind -> the statement importing just that name."""
    found = {}
    for source in code_cells(notebook):
        # IPython's %magic and !shell lines are no Python
        python = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.parse(python).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    single = type(node)(names=[alias], module=getattr(node, "module", None), level=getattr(node, "level", 0))
                    found[(alias.asname or alias.name).split(".")[0]] = ast.unparse(single)
    return found


def undefined_names(source: str) -> set[str]:
    """Names the code uses but neither defines, imports nor finds among the builtins."""
    top = symtable.symtable(source, "<saved cells>", "exec")
    defined = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()} | set(dir(builtins))
    return _used_globals(top) - defined


def problems(source: str, where: str) -> list[str]:
    """What makes a generated module unfit: top-level statements that are not definitions, undefined names."""
    found = [f"{where}, line {node.lineno}: a saved cell may hold imports, functions, classes and constants, "
             f"not `{ast.unparse(node)[:60]}`" for node in ast.parse(source).body
             if not isinstance(node, ALLOWED) and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    for name in sorted(undefined_names(source)):
        found.append(f"{where}: `{name}` is not defined in the saved cells; pass it as an argument "
                     f"or save the cell that defines it")
    return found


def _used_globals(table: symtable.SymbolTable) -> set[str]:
    names = {s.get_name() for s in table.get_symbols() if s.is_referenced() and (s.is_global() or table.get_type() == "module")}
    for child in table.get_children():
        names |= _used_globals(child)
    return names


def export(notebooks: list[Path], out: Path, check: bool) -> list[str]:
    """Write (or, with ``check``, compare) one module per notebook with saved cells; return what is wrong."""
    wrong, expected = [], {}
    for notebook in notebooks:
        if saved_cells(notebook):
            expected[out / f"{module_name(notebook)}.py"] = render(notebook)
    for path, text in expected.items():
        wrong += problems(text, path.name)
        if check and (not path.exists() or path.read_text(encoding="utf-8") != text):
            wrong.append(f"{path.relative_to(out.parent.parent)} is stale: run `make export`")
        elif not check:
            path.write_text(text, encoding="utf-8")
    for path in sorted(out.glob("l[0-9]*.py")):
        if path not in expected:
            wrong.append(f"{path.name} has no lesson with #@save cells: delete it")
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a generated module is stale; write nothing")
    args = parser.parse_args(argv)
    wrong = export(sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ROOT / "embedding_course" / "lessons", args.check)
    for line in wrong:
        print(line, file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
