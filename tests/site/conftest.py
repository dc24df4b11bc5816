"""Fixtures for the site test: the built site, served over HTTP on a free local port, and Debian's chromium.

The site is read from $SITE_DIR (default: site/, which `make site` writes), so the same test can be
pointed at a copy, for instance one broken on purpose to see the test fail:

    SITE_DIR=/tmp/broken-site .venv/bin/python -m pytest tests/site -p no:cacheprovider
"""

import functools
import http.server
import os
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from course_env import free_port  # noqa: E402


@pytest.fixture(scope="session")
def site_dir() -> Path:
    path = Path(os.environ.get("SITE_DIR", ROOT / "site")).resolve()
    if not (path / "index.html").is_file():
        pytest.fail(f"No site at {path}: build it with `make site` (make test-site does).")
    return path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the test reports failed requests itself
        pass


@pytest.fixture(scope="session")
def site_url(site_dir):
    """The site served by Python's http.server on 127.0.0.1 (a free port), as a real web server would."""
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(QuietHandler, directory=str(site_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()
