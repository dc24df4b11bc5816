"""`make lab` for real: a headless Chromium opens JupyterLab with the token, runs lesson 00's
environment check, and the test reads the check's output from the page; then it runs lesson 07's hover map
in the same JupyterLab and points at a dot."""

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from .conftest import ROOT, free_port, no_network_env

LESSON = "notebooks/00_start_here.ipynb"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def quiet_lab_settings(folder: Path) -> Path:
    """A learner's JupyterLab settings for a test: no autosave (the lesson stays as stored). The news pop-up
    is left to `make lab`'s own overrides, which the test checks."""
    settings = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        # Render every cell (JupyterLab 4 otherwise renders only the cells in view).
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, values in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return folder


def lab_defaults(url: str, plugin: str) -> dict:
    """The defaults JupyterLab serves for a plugin's settings (its schema with overrides.json applied)."""
    import urllib.request

    base, token = url.split("/lab/")[0], url.split("token=")[1]
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the lab is local: never via a proxy
    with direct.open(f"{base}/lab/api/settings/{plugin}?token={token}", timeout=30) as reply:
        schema = json.load(reply)["schema"]
    return {name: spec.get("default") for name, spec in schema["properties"].items()}


def run_command(page, command: str) -> None:
    page.evaluate(f"() => {{ window.jupyterapp.commands.execute('{command}'); }}")


def wait_for_url(log: Path, seconds: float = 120) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = re.search(r"(http://127\.0\.0\.1:\d+/lab\S*\?token=\w+)", log.read_text(errors="replace"))
        if found:
            return found.group(1)
        time.sleep(1)
    raise AssertionError("make lab printed no URL with a token:\n" + log.read_text(errors="replace")[-3000:])


def hover_map_in_lab(page, url: str) -> str:
    """Run a notebook that draws lesson 07's hover map (plotting.hover_map_3d) in the open JupyterLab, point at
    one dot and return the text the map shows. A cell's own output is trusted, so its script must run."""
    import nbformat

    path = ROOT / "generated" / "lab-check" / "hover_map.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from embedding_course.plotting import hover_map_3d\n"
        "hover_map_3d([[0, 0, 0], [1, 0, 0], [0, 1, 0]], ['first text', 'second text', 'third text'], ['a', 'b', 'a'])")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    page.goto(url.replace(LESSON, path.relative_to(ROOT).as_posix()))
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=90_000)
    page.wait_for_selector(".jp-StatusBar-Widget:has-text('| Idle')", timeout=120_000)
    run_command(page, "notebook:run-all-cells")
    canvas = page.locator("[data-hover-map] canvas")
    canvas.wait_for(state="visible", timeout=60_000)
    x, y = page.evaluate("() => document.querySelector('[data-hover-map]').hoverMap.point(1)")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    return page.locator("[data-hover-map] .hm-tip").inner_text()


def test_make_lab_runs_the_environment_check_in_a_browser(tmp_path, chromium):
    from playwright.sync_api import sync_playwright

    port, log = free_port(), tmp_path / "lab.log"
    stored = (ROOT / LESSON).read_bytes()
    config = tmp_path / "config"  # lets the test drive JupyterLab's commands from the page
    config.mkdir()
    (config / "jupyter_lab_config.json").write_text(json.dumps({"LabApp": {"expose_app_in_browser": True}}))
    env = no_network_env(JUPYTERLAB_SETTINGS_DIR=str(quiet_lab_settings(tmp_path / "settings")),
                         JUPYTER_CONFIG_DIR=str(config))
    server = subprocess.Popen(["make", "lab", f"PORT={port}"], cwd=ROOT, env=env, stdout=open(log, "w"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = wait_for_url(log)
        news = lab_defaults(url, "@jupyterlab/apputils-extension:notification")
        assert url.startswith(f"http://127.0.0.1:{port}/lab/tree/{LESSON}?token=")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=90_000)
            page.wait_for_selector(".jp-StatusBar-Widget:has-text('| Idle')", timeout=120_000)  # the kernel is up
            asked_about_news = page.get_by_text("official Jupyter news").count()
            # Clear the stored outputs, so what we read below can only come from this run. The commands are
            # started, not awaited: their promises settle on JupyterLab's schedule, not the test's.
            run_command(page, "notebook:clear-all-cell-outputs")
            page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea-output').length === 0", timeout=30_000)
            run_command(page, "notebook:run-all-cells")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-OutputArea-output')].some(o => o.innerText.includes('checks passed'))",
                timeout=180_000)
            check_cell = page.locator(".jp-CodeCell", has_text="check.check_environment()").first
            check_cell.scroll_into_view_if_needed()
            table = check_cell.locator(".jp-OutputArea-output").inner_text()
            summary = page.locator(".jp-CodeCell", has_text="checks passed").first.locator(".jp-OutputArea-output").inner_text()
            screenshots = ROOT / "generated" / "screenshots"
            screenshots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshots / "make-lab-lesson-00.png"))
            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
            hover_tip = hover_map_in_lab(page, url)
            browser.close()
        assert table.count("verified") == 6, table
        assert "False" not in table and "STS benchmark" in table
        assert errors == 0
        assert news["fetchNews"] == "false" and news["checkForUpdates"] is False, news  # make lab's overrides.json
        assert asked_about_news == 0, "JupyterLab asked about Jupyter news on the first screen"
        assert re.search(r"\d+ checks passed", summary), summary
        assert hover_tip == "b\nsecond text", f"lesson 07's hover map did not show the text in JupyterLab: {hover_tip!r}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # stop the server (and make) by process id
        server.wait(timeout=30)
    assert (ROOT / LESSON).read_bytes() == stored, "the browser session must not change the stored lesson"
