"""The offline settings are written once, in tools/course_env.py; the Makefile and binder/start, which
cannot import Python, spell them out again and must set exactly the same names and values."""

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import colab_setup  # noqa: E402
import course_env  # noqa: E402

#: What binder/start sets beyond the course's settings: Binder's one CPU, for BLAS and OpenMP.
BINDER_ONLY = {"OMP_NUM_THREADS": "2"}


def export_lines(text: str, pattern: str, form: str) -> list[re.Match]:
    """The match of ``pattern`` on each line of ``text`` that starts with ``export``; a line that does
    not match raises ValueError, naming the ``form`` expected."""
    matches = []
    for line in text.splitlines():
        if line.startswith("export "):
            match = re.fullmatch(pattern, line)
            if match is None:
                raise ValueError(f"an export line of another form than {form}: {line!r}")
            matches.append(match)
    return matches


def makefile_exports(text: str) -> dict[str, str]:
    """``{name: value}`` of every ``export NAME ?= value`` line of a Makefile whose value names no
    make variable (paths such as ``$(CURDIR)/generated`` are not settings); another ``export`` line raises."""
    matches = export_lines(text, r"export (\w+) \?= (.+)", "`export NAME ?= value`")
    return {m[1]: m[2] for m in matches if "$" not in m[2]}


def shell_defaults(text: str) -> dict[str, str]:
    """``{name: value}`` of every ``export NAME="${NAME:-value}"`` line of a shell script (the value a
    caller's own setting overrides); another ``export`` line raises."""
    matches = export_lines(text, r'export (\w+)="\$\{\1:-([^}"]*)\}"', '`export NAME="${NAME:-value}"`')
    return {m[1]: m[2] for m in matches}


def test_the_makefile_exports_exactly_the_offline_settings():
    assert makefile_exports((ROOT / "Makefile").read_text()) == course_env.OFFLINE


def test_binder_start_sets_exactly_the_offline_settings():
    assert shell_defaults((ROOT / "binder" / "start").read_text()) == {**course_env.OFFLINE, **BINDER_ONLY}


@pytest.mark.parametrize("good, bad", [
    ("export PYTHONHASHSEED ?= 0", "export PYTHONHASHSEED ?= 1"),                  # another value
    ("export TOKENIZERS_PARALLELISM ?= false", "export TOKENIZERS_PARALLELISM ?= no"),
    ("export HF_HUB_OFFLINE ?= 1\n", ""),                                         # a setting dropped
    ("export HF_DATASETS_OFFLINE ?= 1", "export HF_DATASET_OFFLINE ?= 1"),         # a misspelt name
])
def test_a_wrong_makefile_setting_is_caught(good, bad):
    text = (ROOT / "Makefile").read_text()
    assert good in text
    assert makefile_exports(text.replace(good, bad)) != course_env.OFFLINE


@pytest.mark.parametrize("good, bad", [
    ('export PYTHONHASHSEED="${PYTHONHASHSEED:-0}"', 'export PYTHONHASHSEED="${PYTHONHASHSEED:-1}"'),
    ('export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}"\n', ""),
])
def test_a_wrong_binder_setting_is_caught(good, bad):
    text = (ROOT / "binder" / "start").read_text()
    assert good in text
    assert shell_defaults(text.replace(good, bad)) != {**course_env.OFFLINE, **BINDER_ONLY}


@pytest.mark.parametrize("line", [
    'export HF_HUB_OFFLINE="${TRANSFORMERS_OFFLINE:-1}"',  # the default of another variable
    "export HF_HUB_OFFLINE=1",                              # no default: a caller could not override it
])
def test_a_binder_line_of_another_form_is_refused(line):
    with pytest.raises(ValueError):
        shell_defaults(line)


def test_a_makefile_line_of_another_form_is_refused():
    with pytest.raises(ValueError):
        makefile_exports("export HF_HUB_OFFLINE := 1")


def test_colab_sets_the_settings_that_change_what_a_lesson_prints():
    assert colab_setup.ENVIRONMENT == course_env.PRINT_SETTINGS
    assert course_env.PRINT_SETTINGS.items() <= course_env.OFFLINE.items()
    assert "HF_HUB_OFFLINE" not in colab_setup.ENVIRONMENT  # Colab downloads the STS benchmark from the hub


def test_the_shell_lines_set_the_closed_network_in_bash():
    lines = subprocess.run([sys.executable, str(ROOT / "tools" / "course_env.py"), "--shell", "--closed-network"],
                           capture_output=True, text=True, check=True).stdout
    shown = subprocess.run(["bash", "-c", 'eval "$1" && env -0', "course-env", lines], env={"PATH": os.defpath},
                           capture_output=True, text=True, check=True).stdout
    environment = dict(item.split("=", 1) for item in shown.split("\0") if item)
    port = int(environment["HTTP_PROXY"].rsplit(":", 1)[1])
    expected = course_env.closed_network(port)
    assert {k: environment.get(k) for k in expected} == expected
    assert course_env.OFFLINE.items() <= expected.items()


def test_the_closed_network_refuses_a_request_to_another_host():
    env = course_env.closed_network()
    handler = urllib.request.ProxyHandler({"http": env["http_proxy"], "https": env["https_proxy"]})
    with pytest.raises(urllib.error.URLError):
        urllib.request.build_opener(handler).open("https://pypi.org/simple/", timeout=10)


def test_a_free_port_can_be_listened_on():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", course_env.free_port()))


def test_read_pins_reads_name_version_pairs_and_refuses_an_unpinned_line(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("# a comment\nPyYAML==6.0.2  # inline\n\nhuggingface_hub==0.30.0\n")
    assert course_env.read_pins(path) == {"pyyaml": "6.0.2", "huggingface-hub": "0.30.0"}
    path.write_text("numpy>=2\n")
    with pytest.raises(ValueError):
        course_env.read_pins(path)


def test_an_unknown_kernel_path_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown kernel path 'avx512': use native, avx2, generic"):
        course_env.kernel_path("avx512")
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "course_env.py"), "--shell", "--kernel-path", "avx9000"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "unknown kernel path 'avx9000'" in run.stderr and run.stdout == ""


def test_make_test_refuses_an_unknown_kernel_path_before_running_anything():
    # -o: the environment counts as installed, so make goes straight to the recipe
    run = subprocess.run(["make", "-s", "-o", ".venv/.installed", "test-notebooks", "KERNELS=avx9000"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "unknown kernel path 'avx9000'" in run.stderr
    assert "nbval" not in run.stdout + run.stderr  # pytest never started


# What each library reports it uses, in a Python started as `make test KERNELS=...` starts one; for numba,
# also which vector registers a compiled dot product uses: zmm (AVX-512), ymm (AVX, AVX2) or neither.
REPORT_KERNELS = """
import numba, numpy, threadpoolctl, torch
blas = {i["internal_api"]: i.get("architecture") for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"}
@numba.njit(fastmath=True)
def dot(a, b):
    total = 0.0
    for i in range(a.shape[0]):
        total += a[i] * b[i]
    return total
ones = numpy.ones(1000, dtype=numpy.float32)
dot(ones, ones)
asm = next(iter(dot.inspect_asm().values()))
registers = "zmm" if "zmm" in asm else "ymm" if "ymm" in asm else "xmm"
print(torch.backends.cpu.get_cpu_capability(), numba.config.CPU_NAME, registers, blas.get("openblas"))
"""


@pytest.mark.slow
@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the forced kernel paths are x86-64 ones")
@pytest.mark.parametrize("path, torch_kernels, numba_cpu, numba_registers, openblas", [
    ("avx2", "AVX2", "haswell", "ymm", "Haswell"),  # with only NUMBA_CPU_NAME set, numba used zmm here
    ("generic", "DEFAULT", "generic", "xmm", "Nehalem"),
])
def test_a_kernel_path_reaches_torch_numba_and_openblas(path, torch_kernels, numba_cpu, numba_registers, openblas):
    lines = subprocess.run([sys.executable, str(ROOT / "tools" / "course_env.py"), "--shell", "--kernel-path", path],
                           capture_output=True, text=True, check=True).stdout
    env = {k: v for k, v in os.environ.items() if k not in course_env.KERNEL_PATHS[path]}
    shown = subprocess.run(["bash", "-c", 'eval "$1" && exec "$2" -c "$3"', "kernels", lines, sys.executable,
                            REPORT_KERNELS], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert shown[:3] == [torch_kernels, numba_cpu, numba_registers]
    if shown[3] != "None":  # numpy's OpenBLAS (a numpy built on another BLAS reports None)
        assert shown[3] == openblas
