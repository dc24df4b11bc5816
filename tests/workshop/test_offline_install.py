"""With the wheelhouse built, a fresh clone installs with no network at all and passes lesson 00's check."""

import subprocess
import time

from .conftest import clone_course, no_network_env


def test_fresh_clone_installs_from_the_wheelhouse_with_no_network(tmp_path, wheelhouse):
    course = clone_course(tmp_path / "course")
    env = no_network_env(WHEELHOUSE=str(wheelhouse), EMBEDDING_COURSE_CACHE=str(tmp_path / "generated"))
    start = time.perf_counter()
    install = subprocess.run(["make", "venv"], cwd=course, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    assert "Installing from the wheelhouse" in install.stdout
    size = subprocess.run(["du", "-sh", str(wheelhouse)], capture_output=True, text=True).stdout.split()[0]
    print(f"\noffline install from a {size} wheelhouse: {seconds:.0f} s")

    # Lesson 00's environment check, run the way CI runs lessons: executed and compared by nbval.
    check = subprocess.run(
        [".venv/bin/python", "-m", "pytest", "notebooks/00_start_here.ipynb", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "-p", "no:cacheprovider", "-q"],
        cwd=course, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-3000:]
