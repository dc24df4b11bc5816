"""Tests of tools/link_glossary.py on small synthetic notebooks, and of docs/glossary.md against the lessons.

Run: .venv/bin/python -m pytest tests/test_link_glossary.py -p no:cacheprovider
"""

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("link_glossary", REPO / "tools" / "link_glossary.py")
lg = importlib.util.module_from_spec(spec)
sys.modules["link_glossary"] = lg  # dataclasses look their module up while the file runs
spec.loader.exec_module(lg)

GLOSSARY = """# Glossary

<a id="cls-token"></a>
### [CLS] token
<!-- also: [CLS] -->

The first token.

### Cosine similarity
<!-- also: cosine -->

An angle.

### PCA

A projection.

### Pooling
<!-- also: mean pooling -->

Many vectors to one.

### TF-IDF
<!-- also: IDF -->

Weighted counts.

### Token
<!-- except: an API **token** -->

A piece of text.
"""
TARGET = "../docs/glossary.md"


def notebook(*cells):
    """A minimal nbformat-4 notebook; a cell is ("markdown" | "code", source)."""
    return {"cells": [{"cell_type": kind, "id": f"c{i}", "metadata": {}, "source": src.splitlines(keepends=True),
                       **({"execution_count": None, "outputs": []} if kind == "code" else {})}
                      for i, (kind, src) in enumerate(cells)],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def text_of(nb, index):
    return "".join(nb["cells"][index]["source"])


@pytest.fixture
def terms(tmp_path):
    path = tmp_path / "glossary.md"
    path.write_text(GLOSSARY, encoding="utf-8")
    return lg.read_glossary(path)


def test_slugs_follow_github():
    assert lg.slugify("Cosine similarity") == "cosine-similarity"
    assert lg.slugify("[CLS] token") == "cls-token"
    assert lg.slugify("Recall@k") == "recallk"
    assert lg.slugify("IVF_FLAT") == "ivf_flat"
    assert lg.slugify("Pearson and Spearman correlation") == "pearson-and-spearman-correlation"
    assert lg.slugify("all-MiniLM-L6-v2") == "all-minilm-l6-v2"


def test_reads_entries_aliases_and_exceptions(terms):
    by_name = {t.name: t for t in terms}
    assert list(by_name) == ["[CLS] token", "Cosine similarity", "PCA", "Pooling", "TF-IDF", "Token"]
    assert by_name["Pooling"].forms == ("Pooling", "mean pooling") and by_name["Pooling"].anchor == "pooling"
    assert by_name["Token"].exceptions == ("an API **token**",)


def test_links_first_mention_only_outside_code_headings_links_and_math(terms):
    nb = notebook(
        ("markdown", "# Cosine similarity and TF-IDF\n\nWe compare `cosine similarity` in code."),
        ("code", "cosine_similarity = 1  # cosine similarity of TF-IDF vectors"),
        ("markdown", "The cosine\nsimilarity of two TF-IDF vectors; again cosine similarity.\n"
                     "Math $\\text{PCA}(x)$ and $$PCA$$, a [link about PCA](https://x.org) and "
                     "https://example.org/PCA.\n\n```\nPCA in a fence\n```\nThen PCA here."),
        ("markdown", "Mean pooling beats the [CLS] token; pca is not PCA, and an IDF alone."),
        ("markdown", "Send an API **token**, then each token counts."),
    )
    nb, links, broken = lg.link_notebook(nb, terms, TARGET)

    assert text_of(nb, 0) == "# Cosine similarity and TF-IDF\n\nWe compare `cosine similarity` in code."
    assert text_of(nb, 1) == "cosine_similarity = 1  # cosine similarity of TF-IDF vectors"
    assert text_of(nb, 2) == (
        "The [cosine\nsimilarity](../docs/glossary.md#cosine-similarity) of two "
        "[TF-IDF](../docs/glossary.md#tf-idf) vectors; again cosine similarity.\n"
        "Math $\\text{PCA}(x)$ and $$PCA$$, a [link about PCA](https://x.org) and "
        "https://example.org/PCA.\n\n```\nPCA in a fence\n```\nThen [PCA](../docs/glossary.md#pca) here.")
    # the longest form wins at a position; an IDF inside TF-IDF is not a mention; capitals match by case;
    # TF-IDF is linked already, so its alias IDF is not linked again
    assert text_of(nb, 3) == ("[Mean pooling](../docs/glossary.md#pooling) beats the "
                              "[\\[CLS\\] token](../docs/glossary.md#cls-token); pca is not PCA, and an IDF alone.")
    assert text_of(nb, 4) == "Send an API **token**, then each [token](../docs/glossary.md#token) counts."
    assert [(link.cell, link.anchor) for link in links] == [
        (2, "cosine-similarity"), (2, "tf-idf"), (2, "pca"), (3, "pooling"), (3, "cls-token"), (4, "token")]
    assert broken == set()


def test_a_second_run_changes_nothing(terms):
    nb = notebook(("markdown", "TF-IDF and cosine similarity, then the [CLS] token and PCA.\n"),
                  ("markdown", "More TF-IDF, PCA and mean pooling."))
    once, first_links, _ = lg.link_notebook(nb, terms, TARGET)
    dumped = lg.dump_notebook(once)
    twice, second_links, broken = lg.link_notebook(json.loads(dumped), terms, TARGET)
    assert len(first_links) == 5 and second_links == [] and broken == set()
    assert lg.dump_notebook(twice) == dumped


def test_a_term_linked_by_hand_is_left_alone_and_broken_links_are_reported(terms):
    nb = notebook(("markdown", "See [TF-IDF](../docs/glossary.md#tf-idf) and [old](../docs/glossary.md#gone).\n"),
                  ("markdown", "TF-IDF again; PCA once."))
    nb, links, broken = lg.link_notebook(nb, terms, TARGET)
    assert [link.anchor for link in links] == ["pca"]
    assert text_of(nb, 1) == "TF-IDF again; [PCA](../docs/glossary.md#pca) once."
    assert broken == {"gone"}


def test_command_line_check_then_link_then_check(tmp_path, capsys):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "glossary.md").write_text(GLOSSARY, encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    path = tmp_path / "notebooks" / "01_demo.ipynb"
    nb = notebook(("markdown", "# Title\n\nTF-IDF weights words — naïvely."), ("code", "print('TF-IDF')"))
    original = lg.dump_notebook(nb)
    path.write_text(original, encoding="utf-8")
    args = ["--glossary", str(tmp_path / "docs" / "glossary.md"), str(path)]

    assert lg.main(["--check", *args]) == 1  # something to link: --check fails and writes nothing
    assert path.read_text(encoding="utf-8") == original
    assert "would add 1 glossary link(s)" in capsys.readouterr().out

    assert lg.main(args) == 0
    linked = path.read_text(encoding="utf-8")
    assert "[TF-IDF](../docs/glossary.md#tf-idf) weights words — naïvely." in json.loads(linked)["cells"][0]["source"][2]
    assert linked.endswith("}\n") and '\n "cells": [\n' in linked  # Jupyter's layout: indent 1, UTF-8 kept
    assert json.loads(linked)["cells"][1] == json.loads(original)["cells"][1]  # code cells untouched

    assert lg.main(["--check", *args]) == 0  # nothing left to do


def test_glossary_mistakes_are_refused(tmp_path):
    twice = tmp_path / "twice.md"
    twice.write_text("### Token\n\n### token\n", encoding="utf-8")
    with pytest.raises(ValueError, match="same anchor"):
        lg.read_glossary(twice)
    shared = tmp_path / "shared.md"
    shared.write_text("### Pooling\n<!-- also: mean -->\n\n### Mean\n", encoding="utf-8")
    with pytest.raises(ValueError, match="both"):
        lg.read_glossary(shared)
    with pytest.raises(FileNotFoundError, match="--glossary"):
        lg.read_glossary(tmp_path / "missing.md")


# The course's own glossary, checked against the lessons.

LESSONS = {path.name[:2]: path for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))}
SEEN_IN = re.compile(r"\[lesson (\d\d)\]\(\.\./notebooks/([^)]+\.ipynb)\)")


def lesson_text(number):
    nb = json.loads(LESSONS[number].read_text(encoding="utf-8"))
    return "\n".join("".join(cell["source"]) for cell in nb["cells"])


def entries():
    """(heading, line before it, the entry's text) for every ### entry of docs/glossary.md."""
    lines = (REPO / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("### ")]
    return [(lines[i][4:], lines[i - 1], "\n".join(lines[i:j])) for i, j in zip(starts, starts[1:] + [len(lines)])]


def test_course_glossary_is_alphabetical_with_stable_anchors():
    terms = lg.read_glossary(REPO / "docs" / "glossary.md")
    assert 40 <= len(terms) <= 80
    names = [t.name for t in terms]
    key = [re.sub(r"^\W+", "", name).lower() for name in names]
    assert key == sorted(key), "entries must stay in alphabetical order"
    for heading, before, _ in entries():
        assert before == f'<a id="{lg.slugify(heading)}"></a>', f"{heading}: the line before must be its anchor"


def test_course_glossary_says_where_each_term_is_seen_and_the_lessons_use_it():
    terms = {t.name: t for t in lg.read_glossary(REPO / "docs" / "glossary.md")}
    for heading, _, text in entries():
        seen = SEEN_IN.findall(text)
        assert seen, f"{heading}: no 'Seen in' lesson"
        patterns = [lg.form_pattern(form) for form in terms[heading].forms]
        for number, file in seen:
            assert file == LESSONS[number].name, f"{heading}: lesson {number} is {LESSONS[number].name}, not {file}"
            assert any(p.search(lesson_text(number)) for p in patterns), f"{heading}: lesson {number} never uses it"
    every_lesson = "\n".join(lesson_text(n) for n in LESSONS)
    for term in terms.values():  # a heading may be a descriptive name; every other spelling must be in use
        for form in term.forms[1:]:
            assert lg.form_pattern(form).search(every_lesson), f"'{form}' ({term.name}) is used by no lesson"


def test_docs_links_and_named_files_exist():
    """Every relative link in the glossary and the instructor guide leads to a file (and anchor) that exists,
    and every course script the guide names (`tools/....py`) is there."""
    anchors = {t.anchor for t in lg.read_glossary(REPO / "docs" / "glossary.md")}
    for doc in ["glossary.md", "instructor-guide.md"]:
        text = (REPO / "docs" / doc).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+://", target) or target.startswith("#"):
                continue
            path, _, anchor = target.partition("#")
            assert (REPO / "docs" / path).resolve().exists(), f"{doc}: {target} does not exist"
            if path.endswith("glossary.md") and anchor:
                assert anchor in anchors, f"{doc}: {target} has no entry"
        for script in re.findall(r"`(?:\S*python \S*)?(tools/[\w/]+\.py)", text):
            assert (REPO / script).exists(), f"{doc} names {script}, which does not exist"
