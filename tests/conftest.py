"""Shared fixtures: the real packaged models, loaded once per test session."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def minilm():
    from embedding_course import models

    return models.load_sentence_transformer("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def stsb_required():
    """STS-B is not committed; CI points STSB_DIR at ../shared/data/stsbenchmark, so there it must be found."""
    from embedding_course import data

    if not data.stsb_available():
        if os.environ.get("CI"):
            pytest.fail(f"CI must find the STS benchmark: STSB_DIR={os.environ.get('STSB_DIR')!r}")
        pytest.skip("STS benchmark not available: set STSB_DIR to run these tests")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, which the browser tests (site, workshop) drive through playwright."""
    import shutil

    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Debian's chromium is not installed: `apt-get install chromium` (`make browser` does).")
    return path
