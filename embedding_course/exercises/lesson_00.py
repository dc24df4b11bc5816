"""The checks of lesson 00 · Start here: the map of the course and an environment check."""

from __future__ import annotations

import json
from pathlib import Path

from .core import Wrong, content_words, exercise, model_or_default, nonempty_text, number


@exercise("00.1", "the longest vectors", "model_name", "dim")
def check_longest_vectors(model_name, dim):
    """The catalog's model with the longest vectors, and their length.

    >>> exercises.check_longest_vectors("glove-6B-50d", 50)                   # doctest: +SKIP
    """
    from .. import models

    table = models.catalog()
    if not isinstance(model_name, str):
        raise Wrong(f"model_name should be a model's name (a string), not {type(model_name).__name__}.")
    if model_name not in table.index:
        raise Wrong(f"{model_name!r} is not a name in the catalog; the names are the index of "
                    f"models.catalog(): {', '.join(table.index)}.")
    dims = table["dim"]
    if dims.isna()[model_name]:
        raise Wrong(f"{model_name} has no vector length in the catalog: it is a tokenizer and makes no vectors.")
    if dims[model_name] < dims.max():
        raise Wrong(f"{model_name} makes vectors of {dims[model_name]} numbers; another model of the catalog "
                    "makes longer ones (sort the table by its dim column).")
    if number(dim, "dim") != dims[model_name]:
        raise Wrong(f"right model, but its vectors do not have {dim} numbers: read its dim column.")
    return f"{model_name} makes the longest vectors of the catalog: {dims[model_name]} numbers per text."


@exercise("00.2", "same meaning, other words", "same_a", "same_b", "other")
def check_same_meaning(same_a, same_b, other, model=None):
    """Two sentences that mean the same in different words must be each other's closest of the three.

    >>> exercises.check_same_meaning("The shop is closed.", "The store is not open.",
    ...                              "Penguins cannot fly.", model)                # doctest: +SKIP
    """
    same_a, same_b, other = (nonempty_text(s, n) for s, n in [(same_a, "same_a"), (same_b, "same_b"), (other, "other")])
    if len({same_a.lower(), same_b.lower(), other.lower()}) < 3:
        raise Wrong("two of your sentences are the same text: write three different sentences.")
    words_a, words_b = content_words(same_a), content_words(same_b)
    shared = words_a & words_b
    if words_a and words_b and len(shared) > min(len(words_a), len(words_b)) / 2:
        raise Wrong(f"same_a and same_b share most of their content words ({', '.join(sorted(shared))}): "
                    "say the same thing in other words, so that only the meaning is shared.")
    vectors = model_or_default(model).encode([same_a, same_b, other], normalize_embeddings=True)
    pair, a_other, b_other = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2]), float(vectors[1] @ vectors[2])
    if pair <= max(a_other, b_other):
        closer = "same_a" if a_other >= b_other else "same_b"
        raise Wrong(f"the model finds `other` closer to {closer} ({max(a_other, b_other):.2f}) than same_a is to "
                    f"same_b ({pair:.2f}). Do they really mean the same, and is `other` about something else?")
    sharing = f"{len(shared)} content word(s) in common" if shared else "no content word in common"
    return (f"cosine(same_a, same_b) = {pair:.2f}, above their cosines with `other` ({a_other:.2f} and {b_other:.2f}), "
            f"with {sharing}.")


def _relative_file(folder: Path, answer, name: str) -> Path:
    if not isinstance(answer, (str, Path)):
        raise Wrong(f"{name} should be a file name (a string), not {type(answer).__name__}.")
    path = Path(answer)
    path = path if path.is_absolute() else folder / path
    if not path.exists():
        raise Wrong(f"there is no {answer} in the model's folder: list what is there with "
                    "sorted(p.relative_to(folder) for p in folder.rglob('*')), folder = models.model_path(...).")
    if path.is_dir():
        raise Wrong(f"{answer} is a folder: give the file inside it that answers the question.")
    return path


@exercise("00.3", "inside the model's folder", "weights_file", "pooling_file")
def check_model_files(weights_file, pooling_file):
    """Which file of all-MiniLM-L6-v2's folder holds the weights, and which sets the pooling.

    >>> exercises.check_model_files("model.safetensors", "modules.json")      # doctest: +SKIP
    """
    from .. import models

    folder = models.model_path("all-MiniLM-L6-v2")
    weights = _relative_file(folder, weights_file, "weights_file")
    largest = max((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    if weights != largest:
        raise Wrong(f"{weights.name} holds {weights.stat().st_size / 1e3:.0f} kB; the weights of a model with 22 million "
                    "parameters take far more room. Compare the files' sizes (Path.stat().st_size).")
    pooling = _relative_file(folder, pooling_file, "pooling_file")
    try:
        settings = json.loads(pooling.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Wrong(f"{pooling.name} is not a settings file (JSON): open the small files and read them.") from None
    if not (isinstance(settings, dict) and any(key.startswith("pooling_mode") for key in settings)):
        if pooling.name == "modules.json":
            raise Wrong("modules.json lists the model's modules in order, and where each one's settings are: "
                        "follow its entry for the Pooling module to the file that sets the pooling mode.")
        raise Wrong(f"{pooling.relative_to(folder)} does not say how token vectors are pooled: look for a file "
                    "whose settings start with pooling_mode.")
    mode = [key.removeprefix("pooling_mode_") for key, on in settings.items() if key.startswith("pooling_mode") and on is True]
    return (f"{weights.relative_to(folder)} holds the weights ({weights.stat().st_size / 1e6:.0f} MB), and "
            f"{pooling.relative_to(folder)} sets the pooling ({', '.join(mode)}).")
