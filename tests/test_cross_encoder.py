"""The course's cross-encoder: real training (a few steps on real pairs), atomic save, reload, cache reuse.

Training here is deliberately tiny (2 steps): these tests check the mechanics (what is saved, what is
loaded, when the cache is reused), not the quality; lesson 03 measures the quality of the full recipe.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from embedding_course import cross_encoder, data
from embedding_course.paths import generated_dir


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty generated/ folder for this test only."""
    monkeypatch.setenv("EMBEDDING_COURSE_CACHE", str(tmp_path / "generated"))
    return tmp_path / "generated"


@pytest.fixture(scope="module")
def tiny_pairs():
    """8 real labelled pairs from the course's own data (paraphrases near 1, unrelated near 0)."""
    pairs = data.course_pairs()
    chosen = pairs[pairs["kind"].isin(["paraphrase", "unrelated"])].groupby("kind").head(4)
    return list(zip(chosen["sentence1"], chosen["sentence2"], chosen["score"]))


QUERIES = [("A man is playing a guitar.", "Someone plays the guitar."),
           ("A man is playing a guitar.", "The stock market fell sharply today."),
           ("Cats sleep a lot.", "Cats spend much of the day asleep.")]


@pytest.mark.slow
def test_train_saves_a_model_that_loads_and_scores_the_same(cache, tiny_pairs):
    folder = generated_dir("cross-encoder") / "tiny"
    model = cross_encoder.train_cross_encoder(tiny_pairs, folder, batch_size=4, show_progress=False)
    assert model.train_seconds > 0
    assert (folder / "model.safetensors").exists() and (folder / cross_encoder.RECIPE_FILE).exists()
    assert not [p for p in folder.parent.iterdir() if ".partial" in p.name or ".old" in p.name]  # no leftovers

    recipe = cross_encoder.saved_recipe(folder)
    assert recipe.train_pairs == 8 and recipe.batch_size == 4 and recipe.name == "tiny"

    loaded = cross_encoder.load(folder)
    scores = loaded.predict(QUERIES)
    assert scores.shape == (3,) and np.isfinite(scores).all()
    assert ((scores > 0) & (scores < 1)).all()  # one output through a sigmoid
    np.testing.assert_allclose(scores, model.predict(QUERIES), atol=1e-5)


@pytest.mark.slow
def test_frozen_word_embeddings_do_not_move_but_the_layers_do(cache, tiny_pairs):
    base = cross_encoder.new_cross_encoder()
    trained = cross_encoder.train_cross_encoder(tiny_pairs, batch_size=4, lr=1e-3, show_progress=False)
    words = lambda m: m.model.get_input_embeddings().weight.detach().numpy()  # noqa: E731
    head = lambda m: m.model.bert.encoder.layer[-1].output.dense.weight.detach().numpy()  # noqa: E731
    np.testing.assert_array_equal(words(base), words(trained))
    assert np.abs(head(base) - head(trained)).max() > 1e-4


@pytest.mark.slow
def test_the_package_trains_with_lesson_03s_own_function(cache, tiny_pairs, monkeypatch):
    """The training is taught in lesson 03 (fit_cross_encoder); the package only seeds, times and caches around it,
    so the model lesson 08 loads is trained by the code the learner read."""
    from embedding_course.lessons import l03_transformers_and_cross_encoders as lesson

    calls = []
    taught = lesson.fit_cross_encoder

    def spy(model, pairs, scratch, **settings):
        calls.append(settings)
        return taught(model, pairs, scratch, **settings)

    monkeypatch.setattr(lesson, "fit_cross_encoder", spy)
    model = cross_encoder.train_cross_encoder(tiny_pairs, batch_size=4, lr=1e-3, show_progress=False)
    assert len(calls) == 1 and calls[0]["batch_size"] == 4 and calls[0]["lr"] == 1e-3
    assert not model.model.training  # handed back in evaluation mode: predict() is deterministic


@pytest.mark.slow
def test_load_or_train_reuses_a_complete_model_and_retrains_when_the_recipe_changes(cache, stsb_required):
    recipe = cross_encoder.Recipe(name="tiny-stsb", train_pairs=8, batch_size=4)
    first = cross_encoder.load_or_train(recipe)
    assert hasattr(first, "train_seconds")  # trained
    recipe_file = cross_encoder.model_dir(recipe) / cross_encoder.RECIPE_FILE
    written = recipe_file.stat().st_mtime_ns

    second = cross_encoder.load_or_train(recipe)
    assert recipe_file.stat().st_mtime_ns == written  # loaded, not trained
    assert second.train_seconds == round(first.train_seconds, 1)  # the time recorded when it was trained
    np.testing.assert_allclose(second.predict(QUERIES), first.predict(QUERIES), atol=1e-5)

    changed = cross_encoder.Recipe(name="tiny-stsb", train_pairs=8, batch_size=4, seed=7)
    cross_encoder.load_or_train(changed)
    assert recipe_file.stat().st_mtime_ns != written  # same folder, other recipe: trained again and replaced
    assert cross_encoder.saved_recipe(cross_encoder.model_dir(recipe)) == changed
    assert json.loads(recipe_file.read_text())["recipe"]["seed"] == 7


@pytest.mark.slow
def test_load_or_train_on_own_pairs_reuses_the_model_only_for_the_same_pairs(cache, tiny_pairs):
    recipe = cross_encoder.Recipe(name="tiny-own", batch_size=4)
    cross_encoder.load_or_train(recipe, pairs=tiny_pairs)
    folder = cross_encoder.model_dir(recipe)
    saved = cross_encoder.saved_recipe(folder)
    assert saved.train_pairs == len(tiny_pairs) and saved.pairs_sha256 == cross_encoder.pairs_fingerprint(tiny_pairs)
    written = (folder / cross_encoder.RECIPE_FILE).stat().st_mtime_ns

    cross_encoder.load_or_train(recipe, pairs=tiny_pairs)
    assert (folder / cross_encoder.RECIPE_FILE).stat().st_mtime_ns == written  # the same pairs: loaded

    flipped = tiny_pairs[:-1] + [(*tiny_pairs[-1][:2], 1 - tiny_pairs[-1][2])]  # one label changed
    cross_encoder.load_or_train(recipe, pairs=flipped)
    assert (folder / cross_encoder.RECIPE_FILE).stat().st_mtime_ns != written  # other pairs: trained again
    assert cross_encoder.saved_recipe(folder).pairs_sha256 == cross_encoder.pairs_fingerprint(flipped)


def test_pairs_fingerprint_changes_with_any_text_label_or_order():
    pairs = [("a question", "a passage", 1.0), ("a question", "another passage", 0.0)]
    same = cross_encoder.pairs_fingerprint(pairs)
    assert same == cross_encoder.pairs_fingerprint([("a question", "a passage", 1), ("a question", "another passage", 0)])
    assert len({same, cross_encoder.pairs_fingerprint(pairs[::-1]),
                cross_encoder.pairs_fingerprint([pairs[0], ("a question", "another passage", 1.0)]),
                cross_encoder.pairs_fingerprint([pairs[0], ("a question", "another passage.", 0.0)])}) == 4
    with pytest.raises(ValueError, match="train_pairs"):
        cross_encoder.pairs_fingerprint([("a", "b", 2.0)])


@pytest.mark.parametrize("bad", ["not hex!", 123, None])
def test_a_recipe_refuses_a_fingerprint_that_is_not_one(bad):
    with pytest.raises(ValueError, match="pairs_sha256"):
        cross_encoder.Recipe(name="x", pairs_sha256=bad)


@pytest.mark.slow
def test_an_interrupted_save_is_not_taken_for_a_model(cache, tiny_pairs):
    folder = cross_encoder.model_dir(cross_encoder.Recipe(name="broken"))
    model = cross_encoder.new_cross_encoder()
    model.save_pretrained(str(folder))  # weights there, but no recipe file: as if the save had stopped
    assert cross_encoder.saved_recipe(folder) is None
    with pytest.raises(FileNotFoundError, match="no complete cross-encoder"):
        cross_encoder.load(folder)


def test_stsb_training_pairs_are_labelled_score_over_5(stsb_required):
    pairs = cross_encoder.stsb_training_pairs(50)
    train = data.stsb("train").head(50)
    assert len(pairs) == 50
    assert pairs[0] == (train["sentence1"][0], train["sentence2"][0], train["score"][0] / 5)
    assert all(0 <= label <= 1 for _, _, label in pairs)


@pytest.mark.parametrize("pairs, error", [([], ValueError), ([("a", "b", 3.0)], ValueError),
                                          ([("a", "b")], TypeError), ([("a", 2, 0.5)], TypeError)])
def test_bad_training_pairs_are_refused_with_a_message(pairs, error):
    with pytest.raises(error, match="train_pairs"):
        cross_encoder.train_cross_encoder(pairs, show_progress=False)


class Saveable:
    """Stands in for a trained model in save(): writes one weights file."""

    train_seconds = 1.0

    def save_pretrained(self, folder):
        Path(folder).mkdir(parents=True)
        (Path(folder) / "model.safetensors").write_bytes(b"weights")


def test_a_saved_recipe_reads_back_as_the_same_recipe(cache):
    """What load_or_train compares to decide whether to train: the recipe written at save time."""
    recipe = cross_encoder.Recipe(name="round-trip", train_pairs=8, lr=3e-5, batch_size=4, seed=7)
    folder = cross_encoder.save(Saveable(), cross_encoder.model_dir(recipe), recipe)
    assert cross_encoder.saved_recipe(folder) == recipe != cross_encoder.STSB_2500
    assert folder == cross_encoder.model_dir(recipe) and folder.name == "round-trip"


def test_a_recipe_is_trained_only_with_its_own_hyperparameters():
    """The arguments of train_cross_encoder must be the recipe's, or the saved recipe would lie: refused at once."""
    recipe = cross_encoder.Recipe(name="tiny", train_pairs=1)
    pairs = [("a", "b", 0.5)]
    with pytest.raises(ValueError, match="differ from"):
        cross_encoder.train_cross_encoder(pairs, recipe=recipe, **{**recipe.hyperparameters(), "epochs": 2})
    with pytest.raises(ValueError, match="differ from"):
        cross_encoder.train_cross_encoder(pairs * 2, recipe=recipe, **recipe.hyperparameters())
