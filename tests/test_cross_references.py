"""Every cross-reference in the lessons, the solutions, the README and the docs points at something that exists.

What is checked, in markdown and code cells alike:

- "Exercise 2", "exercises 1 and 3": the exercise exists (a markdown cell starting ``**Exercise N ·``) in the
  lesson referred to: the current one, unless the words name another ("lesson 04's exercise 2", "exercise 2
  of lesson 04", "lesson 03, exercise 1"; in a docs table, the row's lesson). A solution notebook refers to
  its lesson's exercises.
- "section 4", "sections 7-8", "section 4.2", "§4": a ``## 4.`` heading (``### 4.2`` for 4.2) exists in that
  lesson (a solution notebook's sections are its lesson's).
- "lesson 04", "lessons 02 to 04": a notebook ``notebooks/04_*.ipynb`` exists.
- "cell 12": always an error, since cell numbers shift whenever a cell is added; name a section or an
  exercise instead.
- links to ``../notebooks/NN_*.ipynb``, ``../solutions/...``, ``../docs/x.md#anchor`` and other relative
  paths: the file exists, an ``.md`` anchor is a heading's GitHub slug or an ``<a id>``, and a link whose
  text is "lesson NN" or a path goes where its text says.

In the README and the docs, an exercise or section reference must name its lesson.

Run: .venv/bin/python -m pytest tests/test_cross_references.py -p no:cacheprovider -q
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[1]

NUM = r"\d+(?:\.\d+)?"
SEP = r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s+to\s+|\s*[-–]\s*)"
ITEM = rf"{NUM}(?:'s)?"
#: "1 and 3", "1, 2 or 3", "7-8", "02 to 04"; a bare comma does not continue a list ("lesson 05, 44 steps").
LIST = rf"{ITEM}(?:(?:\s*,\s*{ITEM})*,?\s+(?:and|or)\s+{ITEM}|\s+to\s+{ITEM}|\s*[-–]\s*{ITEM})*"
REFERENCE = re.compile(
    rf"(?<![\w-])(?:(?P<kind>[Ee]xercises?|[Ss]ections?|[Ll]essons?|[Cc]ells?)\s+|(?P<para>§)\s*)(?P<list>{LIST})")
LINK = re.compile(r"\[(?P<text>(?:[^\[\]]|\[[^\]]*\])*)\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
#: "lesson 04's ", "lesson 04, ", "[lesson 04](...)'s " just before a reference: the reference is to lesson 04.
LESSON_BEFORE = re.compile(r"(?:\[)?[Ll]esson\s+(\d+)(?:\]\([^)]*\))?(?:'s|,)?\s+$")
#: " of lesson 04", " in [lesson 04](...)" just after it.
LESSON_AFTER = re.compile(r"^\s+(?:of|in|from)\s+(?:\[)?[Ll]esson\s+(\d+)")
#: A docs table row that starts with the lesson's number ("| 06 | ..." or "| 0:10-0:30 | 06 | ...").
TABLE_ROW_LESSON = re.compile(r"^\|(?:[^|\n]*\|)?\s*(\d\d)\s*\|")
EXERCISE_CELL = re.compile(r"^\*\*Exercise (\d+) ·")
SOLUTION_HEADING = re.compile(r"^## Exercise (\d+) ·", re.M)
SECTION_HEADING = re.compile(r"^## (\d+)\.\s", re.M)
SUBSECTION_HEADING = re.compile(r"^### (\d+\.\d+)\s", re.M)
LESSON_PATH = re.compile(r"^(?:notebooks|solutions)/(\d\d)_[^/]*\.ipynb$")


@dataclass
class Document:
    """A notebook (its cells) or a markdown file (one markdown cell), named by its path in the repository."""

    path: str                                   # posix, relative to the repository root
    cells: list[tuple[str, str]] = field(default_factory=list)  # (cell_type, source)

    @property
    def is_notebook(self) -> bool:
        return self.path.endswith(".ipynb")

    @property
    def lesson(self) -> str | None:
        match = LESSON_PATH.match(self.path)
        return match.group(1) if match else None

    @property
    def is_solution(self) -> bool:
        return self.path.startswith("solutions/")

    def where(self, cell: int, offset: int) -> str:
        if self.is_notebook:
            return f"cell {cell}"
        return f"line {self.cells[cell][1].count(chr(10), 0, offset) + 1}"


def read_document(root: Path, path: str) -> Document:
    text = (root / path).read_text(encoding="utf-8")
    if path.endswith(".ipynb"):
        cells = [(c["cell_type"], "".join(c["source"])) for c in json.loads(text)["cells"]]
        return Document(path, cells)
    return Document(path, [("markdown", text)])


def repository_documents(root: Path = ROOT) -> list[Document]:
    paths = sorted(root.glob("notebooks/[0-9][0-9]_*.ipynb")) + sorted(root.glob("solutions/[0-9][0-9]_*.ipynb"))
    paths += [root / "README.md"] + sorted(root.glob("docs/*.md"))
    return [read_document(root, p.relative_to(root).as_posix()) for p in paths if p.exists()]


def slugify(heading: str) -> str:
    """The anchor GitHub gives a markdown heading (the same rule as tools/link_glossary.py)."""
    slug = re.sub(r"<[^>]+>", "", heading).strip().lower()
    slug = re.sub(r"[^\w\- ]", "", slug)
    return slug.replace(" ", "-")


def markdown_anchors(text: str) -> set[str]:
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    anchors = set(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", text))
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6}\s+(.*?)\s*#*\s*$", text, re.M):
        slug = slugify(heading)
        anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def notebook_anchors(cells: list[tuple[str, str]]) -> set[str]:
    """Jupyter's heading anchors: the heading's text with spaces as hyphens."""
    return {h.strip().replace(" ", "-") for kind, src in cells if kind == "markdown"
            for h in re.findall(r"^#{1,6}\s+(.*)$", src, re.M)}


def expand(numbers: str) -> list[str]:
    """ "7-8" -> ["7", "8"], "02 to 04" -> ["02", "03", "04"], "1 and 3" -> ["1", "3"], "4.2's" -> ["4.2"]."""
    numbers = numbers.replace("'s", "")
    parts = re.split(rf"({SEP})", numbers)
    values, i = [parts[0]], 1
    while i < len(parts):
        separator, value = parts[i], parts[i + 1]
        low = values[-1]
        if re.fullmatch(r"\s*[-–]\s*|\s+to\s+", separator) and low.isdigit() and value.isdigit():
            width = len(low)
            values += [str(n).zfill(width) for n in range(int(low) + 1, int(value) + 1)] or [value]
        else:
            values.append(value)
        i += 2
    return values


class Course:
    """What references can point at: the lessons, their exercises and their sections."""

    def __init__(self, documents: list[Document], root: Path):
        self.root = root
        self.by_path = {d.path: d for d in documents}
        self.lessons = {d.lesson: d for d in documents if d.lesson and not d.is_solution}

    def lesson(self, number: str) -> Document | None:
        return self.lessons.get(number.zfill(2)) if number.isdigit() else None

    @staticmethod
    def exercises(lesson: Document) -> set[str]:
        return {m.group(1) for kind, src in lesson.cells if kind == "markdown" for m in [EXERCISE_CELL.match(src)] if m}

    @staticmethod
    def sections(lesson: Document) -> set[str]:
        text = "\n".join(src for kind, src in lesson.cells if kind == "markdown")
        return set(SECTION_HEADING.findall(text)) | set(SUBSECTION_HEADING.findall(text))

    def exists(self, path: str) -> bool:
        return path in self.by_path or (self.root / path).exists()

    def anchors(self, path: str) -> set[str]:
        document = self.by_path.get(path) or read_document(self.root, path)
        if document.is_notebook:
            return notebook_anchors(document.cells)
        return markdown_anchors(document.cells[0][1])


def check_document(document: Document, course: Course) -> list[str]:
    """Every wrong cross-reference of one document, as "path: cell k: text: why"."""
    problems = []
    for index, (_, source) in enumerate(document.cells):
        for match in REFERENCE.finditer(source):
            why = check_reference(document, source, match, course)
            if why:
                problems.append(f"{document.path}: {document.where(index, match.start())}: "
                                f"{context(source, match.start(), match.end())!r}: {why}")
        for match in LINK.finditer(source):
            why = check_link(document, match.group("text"), match.group("target"), course)
            if why:
                problems.append(f"{document.path}: {document.where(index, match.start())}: "
                                f"{match.group(0)[:120]!r}: {why}")
    return problems


def check(documents: list[Document], root: Path = ROOT) -> list[str]:
    course = Course(documents, root)
    return [problem for document in documents for problem in check_document(document, course)]


def context(source: str, start: int, end: int, width: int = 30) -> str:
    return " ".join(source[max(0, start - width):end + width].split())


def referred_lesson(document: Document, source: str, match: re.Match) -> tuple[str | None, str]:
    """The lesson number a section or exercise reference points at, and how it was decided."""
    before = LESSON_BEFORE.search(source[max(0, match.start() - 120):match.start()])
    if before:
        return before.group(1).zfill(2), "named before it"
    after = LESSON_AFTER.match(source[match.end():match.end() + 60])
    if after:
        return after.group(1).zfill(2), "named after it"
    line = source[source.rfind("\n", 0, match.start()) + 1:]
    row = TABLE_ROW_LESSON.match(line)
    if row and not document.is_notebook:
        return row.group(1), "its table row"
    return document.lesson, "the current lesson"


def check_reference(document: Document, source: str, match: re.Match, course: Course) -> str | None:
    kind = "section" if match.group("para") else match.group("kind").lower().rstrip("s")
    numbers = expand(match.group("list"))
    if kind == "cell":
        return "names a cell by number; cell numbers shift when cells are added: name the section or exercise"
    if kind == "lesson":
        missing = [n for n in numbers if course.lesson(n) is None]
        return f"no lesson {', '.join(missing)} in notebooks/" if missing else None
    if kind == "exercise" and re.match(r"\s*·", source[match.end():]):
        return None  # the exercise's own title: "**Exercise 2 · ..." or "## Exercise 2 · ..."
    number, how = referred_lesson(document, source, match)
    if number is None:
        return f"a {kind} reference that names no lesson: say which (\"lesson 05, {kind} 2\")"
    lesson = course.lesson(number)
    if lesson is None:
        return f"refers to lesson {number}, which does not exist"
    have = course.exercises(lesson) if kind == "exercise" else course.sections(lesson)
    missing = [n for n in numbers if n.lstrip("0") not in have and n not in have]
    if not missing:
        return None
    what = "exercises" if kind == "exercise" else "numbered sections"
    listed = ", ".join(sorted(have, key=lambda s: [int(p) for p in s.split(".")])) or "none"
    return f"lesson {number} ({how}) has no {kind} {', '.join(missing)}; its {what}: {listed}"


def check_link(document: Document, text: str, target: str, course: Course) -> str | None:
    if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):
        return None  # https:, mailto:, data: ...
    path, _, anchor = target.partition("#")
    if path:
        resolved = PurePosixPath(document.path).parent / path
        parts: list[str] = []
        for part in resolved.parts:
            if part == "..":
                if not parts:
                    return "points outside the repository"
                parts.pop()
            elif part != ".":
                parts.append(part)
        relative = "/".join(parts)
    else:
        relative = document.path
    if not course.exists(relative):
        return f"{relative} does not exist"
    if anchor and relative.endswith((".md", ".ipynb")) and anchor not in course.anchors(relative):
        return f"{relative} has no heading or <a id> with the anchor #{anchor}"
    said = re.fullmatch(r"\s*[Ll]esson (\d+)\s*", text)
    if said:
        number = LESSON_PATH.match(relative)
        if not (number and relative.startswith("notebooks/") and number.group(1) == said.group(1).zfill(2)):
            return f"the text says lesson {said.group(1)}, the link goes to {relative}"
    shown = re.fullmatch(r"`?(\.{0,2}/?[\w./-]+\.(?:ipynb|md))`?", text.strip())
    if shown and not relative.endswith(shown.group(1).lstrip("./")):
        return f"the text says {shown.group(1)}, the link goes to {relative}"
    return None


# --- the course itself ---------------------------------------------------------------------------------------

DOCUMENTS = repository_documents()
COURSE = Course(DOCUMENTS, ROOT)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.path)
def test_cross_references_resolve(document):
    problems = check_document(document, COURSE)
    assert not problems, "wrong cross-references (path: cell or line: text: why):\n" + "\n".join(problems)


@pytest.mark.parametrize("number", sorted(COURSE.lessons), ids=lambda n: f"lesson_{n}")
def test_solutions_answer_the_lessons_exercises(number):
    """A solution notebook has one "## Exercise N · Title" per exercise of its lesson, in order, same titles."""
    lesson = COURSE.lessons[number]
    solutions = [d for d in DOCUMENTS if d.is_solution and d.lesson == number]
    assert len(solutions) == 1, f"lesson {number}: expected one solutions notebook, found {len(solutions)}"

    def titles(pattern: re.Pattern, cells) -> list[tuple[str, str]]:
        found = []
        for kind, src in cells:
            if kind == "markdown":
                for m in pattern.finditer(src):
                    title = src[m.end():].split("\n")[0].split("**")[0]
                    found.append((m.group(1), re.sub(r"\W+", " ", title).strip().lower()))
        return found

    in_lesson = titles(re.compile(r"^\*\*Exercise (\d+) ·"), lesson.cells)
    in_solution = titles(SOLUTION_HEADING, solutions[0].cells)
    assert in_lesson, f"lesson {number} has no exercises"
    assert in_solution == in_lesson, f"lesson {number}: the lesson's exercises {in_lesson}, the solutions' {in_solution}"


# --- the checker, on small in-memory documents ----------------------------------------------------------------

def lesson_05(*extra_markdown: str) -> Document:
    return Document("notebooks/05_demo.ipynb", [
        ("markdown", "# 05 · Demo\n\nPrerequisites: lesson 04."),
        ("markdown", "## 1. Setup"),
        ("code", "x = 1  # see section 1"),
        ("markdown", "## 2. The loss\n\n### 2.1 A formula"),
        *[("markdown", text) for text in extra_markdown],
        ("markdown", "## Exercises"),
        ("markdown", "**Exercise 1 · One** (5 minutes). Compare with section 2."),
        ("markdown", "**Exercise 2 · Two** (5 minutes)."),
    ])


LESSON_04 = Document("notebooks/04_other.ipynb", [
    ("markdown", "# 04 · Other\n\n## 1. Only section"),
    ("markdown", "**Exercise 1 · Alone** (5 minutes)."),
])
SOLUTION_05 = Document("solutions/05_demo_solutions.ipynb", [
    ("markdown", "# 05 · solutions\n\nThe exercises of [`notebooks/05_demo.ipynb`](../notebooks/05_demo.ipynb)."),
    ("markdown", "## Exercise 1 · One\n\nAs in section 2.1 of the lesson; exercise 2 builds on it."),
    ("markdown", "## Exercise 2 · Two"),
])
GUIDE = Document("docs/guide.md", [("markdown", "# Guide\n\n## Time per lesson\n\nText.\n")])


def problems_of(*documents: Document) -> list[str]:
    return check([*documents, LESSON_04, SOLUTION_05, GUIDE], root=Path("/nonexistent"))


def test_a_correct_course_has_no_problem():
    assert problems_of(lesson_05("Exercises 1 and 2 use section 2.1; sections 1-2 and lesson 04's exercise 1 too.")) == []


@pytest.mark.parametrize("prose, expected", [
    ("The loss drifts (Exercise 3).", "cell 4: 'The loss drifts (Exercise 3).': lesson 05 (the current lesson) has no exercise 3"),
    ("Exercises 1 and 4 do it.", "has no exercise 4"),
    ("See section 3.", "has no section 3; its numbered sections: 1, 2, 2.1"),
    ("See sections 1-3.", "has no section 3"),
    ("See §7.", "has no section 7"),
    ("See section 2.2's formula.", "has no section 2.2"),
    ("As in lesson 09.", "no lesson 09 in notebooks/"),
    ("Lessons 02 to 04 did it.", "no lesson 02, 03 in notebooks/"),
    ("Lessons 04, 07 and 05 did it.", "no lesson 07 in notebooks/"),
    ("Run cell 12 again.", "names a cell by number"),
    ("Lesson 04's exercise 2 shows it.", "lesson 04 (named before it) has no exercise 2"),
    ("Exercise 2 of lesson 04 shows it.", "lesson 04 (named after it) has no exercise 2"),
    ("See [lesson 04](../notebooks/05_demo.ipynb).", "the text says lesson 04, the link goes to notebooks/05_demo.ipynb"),
    ("See [it](../notebooks/06_missing.ipynb).", "notebooks/06_missing.ipynb does not exist"),
    ("See [the guide](../docs/guide.md#time-per-lessons).", "docs/guide.md has no heading or <a id> with the anchor"),
    ("See [`solutions/05_x.ipynb`](../solutions/05_demo_solutions.ipynb).", "the text says solutions/05_x.ipynb"),
])
def test_the_checker_catches_a_planted_error(prose, expected):
    problems = problems_of(lesson_05(prose))
    assert len(problems) == 1 and expected in problems[0], problems


def test_the_checker_accepts_what_resolves():
    fine = ["Lesson 04's exercise 1 shows it.", "Exercise 1 of lesson 04 shows it.", "Section 1 of lesson 04.",
            "See [the guide](../docs/guide.md#time-per-lesson) and [lesson 04](../notebooks/04_other.ipynb).",
            "See [`solutions/05_demo_solutions.ipynb`](../solutions/05_demo_solutions.ipynb).", "Section 2.1's formula.",
            "See [the setup](#1.-Setup).", "Exercise 2's check and section 2's loss, or sections 1 and 2."]
    assert problems_of(lesson_05(*fine)) == []


def test_solutions_refer_to_their_lessons_sections_and_exercises():
    wrong = Document("solutions/05_demo_solutions.ipynb", [("markdown", "## Exercise 1 · One\n\nSee section 3, exercise 5.")])
    problems = check([lesson_05(), LESSON_04, wrong, GUIDE], root=Path("/nonexistent"))
    assert [p.split("': ", 1)[1] for p in problems] == [
        "lesson 05 (the current lesson) has no section 3; its numbered sections: 1, 2, 2.1",
        "lesson 05 (the current lesson) has no exercise 5; its exercises: 1, 2"]


def test_docs_must_name_the_lesson():
    doc = Document("docs/faq.md", [("markdown", "# FAQ\n\nSee lesson 05,\nexercise 2 and then section 1.\n\n"
                                                "| 04 | [Other](../notebooks/04_other.ipynb) | run sections 1-2 |\n")])
    problems = check([lesson_05(), LESSON_04, SOLUTION_05, doc], root=Path("/nonexistent"))
    assert [(p.split(": ")[1], p.split("': ", 1)[1]) for p in problems] == [
        ("line 4", "a section reference that names no lesson: say which (\"lesson 05, section 2\")"),
        ("line 6", "lesson 04 (its table row) has no section 2; its numbered sections: 1")]


def test_list_expansion():
    assert expand("7-8") == ["7", "8"]
    assert expand("02 to 04") == ["02", "03", "04"]
    assert expand("4's or 6's") == ["4", "6"]
    assert expand("1, 2 and 3") == ["1", "2", "3"]
    assert expand("4.2's") == ["4.2"]
    assert [m.group("list") for m in REFERENCE.finditer("In lesson 05, 44 steps; exercises 1, 2 and 3")] == ["05", "1, 2 and 3"]
