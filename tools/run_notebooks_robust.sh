#!/usr/bin/env bash
# Run the notebooks under nbval twice in a row in this checkout, as a learner on a fresh machine would:
#
#   * each run starts from a fresh, empty HOME and a whitelisted environment (env -i): no caches of
#     Hugging Face, torch, matplotlib, numba, IPython or Jupyter, no XDG_*/MPLCONFIGDIR/NUMBA_CACHE_DIR,
#     no PYTHONPATH, nothing of the caller's shell;
#   * every network path is closed: http(s)/all proxies point at a local port where nothing listens,
#     pip has no index, and the Hugging Face libraries are offline (tools/course_env.py's
#     closed_network, as tests/workshop's no_network_env);
#   * both runs share one generated-state folder ($ROBUST_CACHE, emptied before the first run): the
#     first run starts with nothing extracted or trained, the second finds what the first left there
#     (databases, extracted and trained models) and must pass as well. With ROBUST_REUSE=1 the folder
#     is taken as it is, so even the first run is a re-run (CI: one run on what `make test` left).
#
# Usage (`make test-robust` runs it on every notebook; paths are relative to the checkout):
#   tools/run_notebooks_robust.sh                                       # every lesson and solution, twice
#   tools/run_notebooks_robust.sh notebooks/00_start_here.ipynb ...     # only these
# Environment:
#   PYTHON        the course's Python (default: .venv/bin/python)
#   STSB_DIR      the STS benchmark (default: ../shared/data/stsbenchmark, as .ci/run)
#   ROBUST_CACHE  the generated-state folder both runs share (default: generated/robust; emptied first,
#                 so it must be new or one this script made, and never the course's own generated/,
#                 unless ROBUST_REUSE=1)
#   ROBUST_REUSE  1: keep ROBUST_CACHE as it is (it must exist), e.g. generated/ after `make test`
#   ROBUST_RUNS   how many runs in a row (default: 2)
#   ROBUST_KERNELS  the CPU kernel path of each run, one word per run (default: "native" for every run):
#                 native  whatever the math libraries pick on this CPU
#                 avx2    MKL, PyTorch, OpenBLAS and numba forced onto their AVX2 (Haswell) kernels
#                 generic PyTorch's and numba's plain kernels, MKL and OpenBLAS on SSE4.2-era ones
#                 (tools/course_env.py's KERNEL_PATHS; `make test KERNELS=avx2` takes the same names)
#                 A learner's laptop picks its own path; outputs stored on one CPU must hold on all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
[[ $PYTHON = /* ]] || PYTHON=$ROOT/$PYTHON
STSB_DIR=${STSB_DIR:-$(cd .. && pwd)/shared/data/stsbenchmark}
CACHE=${ROBUST_CACHE:-$ROOT/generated/robust}
[[ $CACHE = /* ]] || CACHE=$ROOT/$CACHE  # the lessons run in notebooks/ and solutions/: a relative path would move
RUNS=${ROBUST_RUNS:-2}
# By default what `make test` runs under nbval: the lessons, then their solutions (if there are any).
shopt -s nullglob
if [ $# -gt 0 ]; then notebooks=("$@"); else notebooks=(notebooks/[0-9][0-9]_*.ipynb solutions/[0-9][0-9]_*.ipynb); fi
shopt -u nullglob

read -r -a kernels <<< "${ROBUST_KERNELS:-}"
# NAME=value words (quoted for the shell) that force a kernel path, as tools/course_env.py defines them
# (native: none); eval turns them into an array, so that an empty value stays empty.
kernel_settings() { "$PYTHON" tools/course_env.py --shell --kernel-path "$1" | sed 's/^export //'; }
for kernel in "${kernels[@]}"; do kernel_settings "$kernel" > /dev/null || exit 2; done

# The offline settings and every way out closed, as tools/course_env.py defines them: proxies at a
# local port where nothing listens (the socket that found it is closed again at once).
network=$("$PYTHON" tools/course_env.py --shell --closed-network)
eval "network_env=($(sed 's/^export //' <<< "$network"))"  # NAME=value words for env
closed=$(eval "$network"; echo "$HTTP_PROXY")
closed_port=${closed##*:}

if [ "${ROBUST_REUSE:-0}" = 1 ]; then
    if [ ! -d "$CACHE" ]; then
        echo "ROBUST_REUSE=1 needs the generated state it reuses, but $CACHE is not a folder: run make test first" >&2
        exit 2
    fi
    state="not emptied: reused as it is"
else
    # A learner's own state (fine-tuned models, databases) is never emptied, whatever marker it holds.
    for own in "$ROOT/generated" "${EMBEDDING_COURSE_CACHE:-$ROOT/generated}"; do
        if [ "$(realpath -m "$CACHE")" = "$(realpath -m "$own")" ]; then
            echo "$CACHE is the course's own generated state and would be emptied: set ROBUST_REUSE=1 to run on it as it is" >&2
            exit 2
        fi
    done
    if [ -e "$CACHE" ] && [ ! -e "$CACHE/.made-by-run_notebooks_robust" ]; then
        echo "$CACHE exists and was not made by this script; it would be emptied: choose another ROBUST_CACHE" >&2
        exit 2
    fi
    rm -rf "$CACHE"
    mkdir -p "$CACHE"
    touch "$CACHE/.made-by-run_notebooks_robust"
    state="emptied first"
fi
before=$(sha256sum "${notebooks[@]}")
echo "== ${#notebooks[@]} notebook(s), $RUNS runs; generated state in $CACHE ($state); proxies at $closed (closed)"

summary=()
for run in $(seq 1 "$RUNS"); do
    kernel=${kernels[$((run - 1))]:-native}
    settings=$(kernel_settings "$kernel") || exit 2
    eval "forced=($settings)"
    home=$(mktemp -d "${TMPDIR:-/tmp}/robust-home-$run.XXXXXX")
    if (exec 3<>"/dev/tcp/127.0.0.1/$closed_port") 2>/dev/null; then
        echo "something listens on 127.0.0.1:$closed_port now: cannot close the network through it" >&2
        exit 2
    fi
    # The whole environment of the run: nothing else of the caller's shell gets through (env -i).
    # numba would otherwise keep its compiled functions next to umap's sources in the venv:
    # pointed into the fresh HOME, every run compiles from scratch.
    clean=(env -i
        PATH="$(dirname "$PYTHON"):/usr/local/bin:/usr/bin:/bin" HOME="$home" USER="${USER:-learner}"
        LANG=C.UTF-8 LC_ALL=C.UTF-8 TMPDIR="${TMPDIR:-/tmp}" TERM=dumb
        NUMBA_CACHE_DIR="$home/.cache/numba"
        EMBEDDING_COURSE_CACHE="$CACHE" STSB_DIR="$STSB_DIR"
        "${network_env[@]}"
        "${forced[@]}")
    # Check the way out is closed: a request in that environment must fail at the closed proxy.
    if "${clean[@]}" "$PYTHON" -c 'import urllib.request; urllib.request.urlopen("https://pypi.org/simple/", timeout=10)' 2>/dev/null; then
        echo "a request to pypi.org got through: the network is not closed" >&2
        exit 2
    fi
    echo "== run $run of $RUNS: HOME=$home (empty); a request to pypi.org fails at the closed proxy; kernels: $kernel ${forced[*]}"
    start=$SECONDS
    status=0
    "${clean[@]}" "$PYTHON" -m pytest "${notebooks[@]}" --nbval --nbval-current-env \
        --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 600 -p no:cacheprovider \
        || status=$?
    seconds=$((SECONDS - start))
    left=$(find "$home" -mindepth 1 -maxdepth 2 | sed "s|^$home/||" | sort | tr '\n' ' ')
    rm -rf "$home"
    echo "== run $run: exit $status after ${seconds} s; the run left in its HOME: ${left:-nothing}"
    summary+=("run $run ($kernel kernels): $([ $status -eq 0 ] && echo passed || echo "FAILED (exit $status)") in ${seconds} s")
    [ $status -eq 0 ] || break
done

after=$(sha256sum "${notebooks[@]}")
[ "$before" = "$after" ] || { echo "the notebooks changed during the runs" >&2; status=3; }
echo "== generated state after the runs: $(du -sh "$CACHE" | cut -f1) in $(ls "$CACHE" | tr '\n' ' ')"
printf '== %s\n' "${summary[@]}"
exit $status
