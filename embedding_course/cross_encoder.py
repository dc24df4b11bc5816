"""The course's cross-encoder: trained in lesson 03 from the MiniLM backbone, reused by lesson 08 to rerank.

A cross-encoder reads two texts *together* (``[CLS] a [SEP] b [SEP]``) and a small head on top of
the [CLS] vector turns them into one relevance score. No pretrained cross-encoder can be had
offline, so the course trains its own: the all-MiniLM-L6-v2 backbone, a new one-output head, and a
fixed recipe (:data:`STSB_2500`) that learns in about a minute on two CPU cores.

>>> from embedding_course import cross_encoder
>>> model = cross_encoder.load_or_train()        # the saved model if complete, else ~1 min of training  # doctest: +SKIP
>>> model.predict([("A man is playing a guitar.", "Someone plays the guitar.")]).shape               # doctest: +SKIP
(1,)

The model is saved under ``generated_dir("cross-encoder", recipe.name)``, written to a temporary
folder first and renamed into place, so a half-written model is never taken for a whole one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .models import model_path
from .paths import generated_dir
from .quiet import hidden_progress_bars, quiet_transformers_logs
from .runtime import seed_everything, trim_freed_memory
from .validate import is_whole_number

#: Written last into a saved model's folder: the recipe it was trained with. No file, no model.
RECIPE_FILE = "course_recipe.json"


@dataclass(frozen=True)
class Recipe:
    """How the course's cross-encoder is trained: the data (the first ``train_pairs`` STS-B train pairs,
    label = human score / 5) and the hyperparameters. Its ``name`` is the folder the model is saved in."""

    name: str = "minilm-stsb-2500"
    base_model: str = "all-MiniLM-L6-v2"
    train_pairs: int = 2500
    epochs: int = 1
    lr: float = 1e-4
    batch_size: int = 16  # 32 trains as well but needs ~300 MB more memory at its peak
    max_length: int = 64
    freeze_word_embeddings: bool = True
    seed: int = 42
    #: For a model trained on pairs of your own (``load_or_train(recipe, pairs=...)``): their fingerprint, so
    #: that a saved model is reused only for the very pairs it was trained on. Empty for STS-B.
    pairs_sha256: str = field(default="", repr=False)

    def __post_init__(self):
        # Checked here, before anything is trained or saved: epochs=0 would save an untrained model,
        # and a name like "../x" would put it outside generated/cross-encoder.
        if not isinstance(self.name, str) or not self.name or self.name.startswith(".") or any(c in self.name for c in "/\\"):
            raise ValueError(f"Recipe name {self.name!r} must be a plain folder name (letters, digits, '-'), "
                             "e.g. 'minilm-stsb-2500': the model is saved in generated/cross-encoder/<name>")
        for field in ("train_pairs", "epochs", "batch_size", "max_length"):
            value = getattr(self, field)
            if not is_whole_number(value):
                raise ValueError(f"Recipe {field} must be a whole number of at least 1, not {value!r}")
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) or not 0 < self.lr < 1:
            raise ValueError(f"Recipe lr must be a learning rate between 0 and 1 (the course uses 1e-4), not {self.lr!r}")
        if not isinstance(self.pairs_sha256, str) or any(c not in "0123456789abcdef" for c in self.pairs_sha256):
            raise ValueError(f"Recipe pairs_sha256 must be pairs_fingerprint(pairs) or '', not {self.pairs_sha256!r}")
        if not is_whole_number(self.seed, 0, 2**32 - 1):
            raise ValueError(f"Recipe seed must be a whole number from 0 to 2**32 - 1, not {self.seed!r}")

    def hyperparameters(self) -> dict:
        """The keyword arguments of :func:`train_cross_encoder` this recipe fixes."""
        return {k: v for k, v in asdict(self).items() if k not in ("name", "train_pairs", "pairs_sha256")}


#: The recipe lesson 03 trains and lesson 08 loads: 157 steps, about a minute on 2 idle cores;
#: STS-B test Spearman 0.744 (measured; the bi-encoder all-MiniLM-L6-v2 scores 0.820).
STSB_2500 = Recipe()


def stsb_training_pairs(n: int = 2500) -> list[tuple[str, str, float]]:
    """The first ``n`` pairs of the STS-B train split as ``(sentence1, sentence2, label)``.

    The label is the mean human similarity (0-5) divided by 5, so it lies in [0, 1]: the target of a
    binary cross-entropy loss on the cross-encoder's one output.
    """
    from .data import stsb

    if not is_whole_number(n):
        # head(-5) would return all but the last 5 pairs, without a word
        raise ValueError(f"n must be a whole number of pairs of at least 1 (the course uses 2500), not {n!r}")
    train = stsb("train")
    if n > len(train):
        raise ValueError(f"STS-B train has {len(train)} pairs, fewer than the {n} asked for")
    train = train.head(n)
    return list(zip(train["sentence1"], train["sentence2"], (train["score"] / 5).astype(float)))


def pairs_fingerprint(train_pairs) -> str:
    """A short SHA-256 of ``(text_a, text_b, label)`` pairs, in order: equal pairs, equal fingerprint.

    >>> pairs_fingerprint([("a", "b", 1.0)]) == pairs_fingerprint([("a", "b", 1)])
    True
    """
    digest = hashlib.sha256()
    for a, b, label in _check_pairs(train_pairs):
        digest.update(json.dumps([a, b, round(label, 6)]).encode("utf-8") + b"\n")
    return digest.hexdigest()[:16]


def model_dir(recipe: Recipe = STSB_2500) -> Path:
    """Where the model of ``recipe`` is saved (the folder may not exist yet)."""
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a cross_encoder.Recipe (e.g. cross_encoder.STSB_2500), not {type(recipe).__name__}")
    return generated_dir("cross-encoder") / recipe.name


def _check_pairs(train_pairs) -> list[tuple[str, str, float]]:
    if train_pairs is None or isinstance(train_pairs, str):
        raise TypeError(f"train_pairs must be a list of (text_a, text_b, label) triples, not {type(train_pairs).__name__}")
    pairs = [tuple(p) for p in train_pairs]
    if not pairs:
        raise ValueError("train_pairs is empty: pass (text_a, text_b, label) triples")
    for k, pair in enumerate(pairs):
        if len(pair) != 3 or not isinstance(pair[0], str) or not isinstance(pair[1], str):
            raise TypeError(f"train_pairs[{k}] must be (text_a: str, text_b: str, label: float), got {pair!r}")
        try:
            float(pair[2])
        except (TypeError, ValueError):
            raise TypeError(f"train_pairs[{k}] has label {pair[2]!r}: labels must be numbers in [0, 1] "
                            "(e.g. score / 5)") from None
        if not 0.0 <= float(pair[2]) <= 1.0:
            raise ValueError(f"train_pairs[{k}] has label {pair[2]}: labels must lie in [0, 1] (e.g. score / 5)")
    return [(a, b, float(label)) for a, b, label in pairs]


def new_cross_encoder(base_model: str = "all-MiniLM-L6-v2", max_length: int = 64):
    """A ``CrossEncoder`` on the CPU: the packaged backbone plus a new, untrained one-output head."""
    from sentence_transformers.cross_encoder import CrossEncoder

    path = model_path(base_model)  # checks the weights' SHA-256 before anything reads them
    if not (path / "config.json").is_file():
        raise ValueError(f"{base_model} is not a transformer: a cross-encoder starts from all-MiniLM-L6-v2 "
                         "or all-mpnet-base-v2")
    # MPNet's table has 514 rows for 512 tokens (two are offsets), so 512 is the bound for both models.
    positions = min(512, json.loads((path / "config.json").read_text(encoding="utf-8")).get("max_position_embeddings", 512))
    if not is_whole_number(max_length, 1, positions):
        # Longer than the position table, a long pair would fail deep in torch ("index out of range in self").
        raise ValueError(f"max_length must be a whole number of tokens from 1 to {positions} (what {base_model} "
                         f"has positions for; the course uses 64), not {max_length!r}")
    with hidden_progress_bars(), quiet_transformers_logs():
        # The loaders warn that the head is new ("MISSING ... newly initialized"): that is the point here.
        return CrossEncoder(str(path), num_labels=1, max_length=max_length, device="cpu", local_files_only=True)


def training_callbacks(show_progress: bool = True) -> list:
    """Callbacks for a lesson's trainer: hand freed memory back after each step (see
    :func:`runtime.trim_freed_memory`) and, if asked, show a tqdm.auto bar (a widget in a notebook)."""
    if not isinstance(show_progress, bool):
        raise TypeError(f"show_progress must be True or False (show a progress bar or not), not {show_progress!r}")
    from tqdm.auto import tqdm
    from transformers import TrainerCallback

    class StepCallback(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.bar = tqdm(total=state.max_steps, desc="training steps", unit="step") if show_progress else None

        def on_step_end(self, args, state, control, **kwargs):
            trim_freed_memory()
            if self.bar is not None:
                self.bar.update(1)

        def on_train_end(self, args, state, control, **kwargs):
            if self.bar is not None:
                self.bar.close()

    return [StepCallback()]


def scratch_dir() -> Path:
    """The folder a trainer is given for its checkpoints; with ``save_strategy="no"`` nothing is written there."""
    return generated_dir("cross-encoder", ".trainer")


def train_cross_encoder(train_pairs: Sequence[tuple[str, str, float]], output_dir: str | Path | None = None, *,
                        base_model: str = "all-MiniLM-L6-v2", epochs: int = 1, lr: float = 1e-4,
                        batch_size: int = 16, max_length: int = 64, freeze_word_embeddings: bool = True,
                        seed: int = 42, show_progress: bool = True, recipe: Recipe | None = None):
    """Lesson 03's ``fit_cross_encoder`` on a new cross-encoder, checked, seeded, timed and saved.

    The training itself is lesson 03's (``CrossEncoderTrainer`` with ``BinaryCrossEntropyLoss``); this wrapper
    checks the pairs and the recipe before anything is loaded, seeds the new head, stores the time spent as
    ``model.train_seconds`` and, if ``output_dir`` is given, saves the model with a :data:`RECIPE_FILE` that
    records ``recipe`` (or the arguments).
    """
    pairs = _check_pairs(train_pairs)
    given = {"base_model": base_model, "epochs": epochs, "lr": lr, "batch_size": batch_size, "max_length": max_length,
             "freeze_word_embeddings": freeze_word_embeddings, "seed": seed}
    if recipe is None:
        # Made now, so that its checks run before the imports, loading and training (epochs=0 would save
        # an untrained model; a folder name starting with "." is refused before, not after, training).
        name = Path(output_dir).name if output_dir is not None else Recipe.name
        planned = Recipe(name=name, train_pairs=len(pairs), **given)
    if recipe is not None and (recipe.hyperparameters() != given or recipe.train_pairs != len(pairs)):
        raise ValueError(f"the arguments {given} (and {len(pairs)} pairs) differ from {recipe}: "
                         "the saved recipe would not describe the model")

    from .lessons.l03_transformers_and_cross_encoders import fit_cross_encoder

    seed_everything(seed)  # the new head's initial weights come from torch's global generator
    model = new_cross_encoder(base_model, max_length)
    with quiet_transformers_logs():  # the trainer's info lines are noise here
        start = time.perf_counter()
        fit_cross_encoder(model, pairs, scratch_dir(), epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                          freeze_word_embeddings=freeze_word_embeddings, callbacks=training_callbacks(show_progress))
        model.train_seconds = time.perf_counter() - start
    if output_dir is not None:
        save(model, output_dir, recipe if recipe is not None else planned)
    return model


def save(model, output_dir: str | Path, recipe: Recipe) -> Path:
    """Save ``model`` to ``output_dir`` atomically: into a temporary sibling folder, then renamed into place.

    The recipe file is written last, so a folder without it is an interrupted save, never a model.
    """
    if not callable(getattr(model, "save_pretrained", None)):
        raise TypeError(f"model must be a CrossEncoder (from train_cross_encoder or load), not {type(model).__name__}: "
                        "nothing was written")
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a cross_encoder.Recipe that describes the model, not {type(recipe).__name__}: "
                        "nothing was written")
    target = Path(output_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    with hidden_progress_bars():  # transformers 5 shows a bar for writing one weights file
        model.save_pretrained(str(staging))
    info = {"recipe": asdict(recipe), "train_seconds": round(getattr(model, "train_seconds", float("nan")), 1)}
    (staging / RECIPE_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        target.rename(old)  # a rename cannot replace a non-empty folder: move the old one aside first
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return target


def saved_recipe(folder: str | Path) -> Recipe | None:
    """The recipe a complete saved model was trained with, or None (no folder, or an interrupted save)."""
    path = Path(folder) / RECIPE_FILE
    if not path.exists():
        return None
    try:
        return Recipe(**json.loads(path.read_text(encoding="utf-8"))["recipe"])
    except (ValueError, KeyError, TypeError):
        return None


def load(folder: str | Path):
    """Load a cross-encoder saved by :func:`save` (on the CPU, no hub)."""
    from sentence_transformers.cross_encoder import CrossEncoder

    folder = Path(folder)
    if saved_recipe(folder) is None:
        raise FileNotFoundError(f"{folder} holds no complete cross-encoder (its {RECIPE_FILE} is missing): "
                                "train it with cross_encoder.load_or_train()")
    with hidden_progress_bars(), quiet_transformers_logs():
        model = CrossEncoder(str(folder), device="cpu", local_files_only=True)
    model.model.eval()
    # how long the saved model took to train, as recorded when it was saved
    model.train_seconds = json.loads((folder / RECIPE_FILE).read_text(encoding="utf-8")).get("train_seconds")
    return model


def load_or_train(recipe: Recipe = STSB_2500, *, pairs=None, retrain: bool = False, show_progress: bool = False):
    """The cross-encoder of ``recipe``: loaded from :func:`model_dir` if a complete model trained with the
    same recipe (and the same ``pairs``) is there, else trained and saved first.

    Without ``pairs`` it trains on the first ``recipe.train_pairs`` STS-B pairs (about a minute for
    :data:`STSB_2500`; needs ``data.stsb``). With ``pairs`` (``(text_a, text_b, label)`` triples, labels in
    [0, 1]) it trains on those: the recipe's ``train_pairs`` and ``pairs_sha256`` are set from them, so a
    saved model is reused only for the same pairs. ``retrain=True`` always trains anew.

    >>> model = load_or_train(Recipe(name="my-reranker", max_length=128), pairs=my_pairs)  # doctest: +SKIP
    """
    if pairs is not None:
        pairs = _check_pairs(pairs)
        recipe = replace(recipe, train_pairs=len(pairs), pairs_sha256=pairs_fingerprint(pairs))
    folder = model_dir(recipe)
    if not retrain and saved_recipe(folder) == recipe:
        return load(folder)
    if pairs is None:
        pairs = stsb_training_pairs(recipe.train_pairs)
    return train_cross_encoder(pairs, folder, show_progress=show_progress, recipe=recipe, **recipe.hyperparameters())
