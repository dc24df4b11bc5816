"""The static site in a real browser: headless Debian chromium opens every page that the index leads to.

Run by `make test-site`, which builds the site first. For every lesson it checks that the page
renders (its h1 is the lesson's title), shows as many figures as the notebook has image outputs,
each one decoded, and shows no error output; for every page, that nothing fails to load, that the
console stays free of errors and that no request leaves the machine; and that the links between
pages (the index, previous/next, glossary links) all lead to a page and an anchor that exist.
What is expected is read from the notebooks themselves, not from the site.
"""

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]

LESSONS = sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted(ROOT.glob("solutions/[0-9][0-9]_*.ipynb")) + sorted(ROOT.glob("notebooks/solutions/[0-9][0-9]_*.ipynb"))
DOCS = sorted(ROOT.glob("docs/*.md"))
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = ROOT / "generated" / "screenshots" / "site-index.png"

# What the browser reads from each page once it has loaded (images included).
READ_PAGE = """() => {
  const shown = img => img.complete && img.naturalWidth > 0;
  const figures = [...document.querySelectorAll('.jp-RenderedImage img, .jp-RenderedSVG svg')]
    .filter(e => !e.parentElement.closest('svg'));
  const widgetImages = [...document.querySelectorAll('.site-widget img')];
  const math = [...document.querySelectorAll('img.site-math')];
  const h1 = document.querySelector('h1');
  return {
    h1: h1 ? h1.innerText.replace('¶', '').trim() : null,
    h1Visible: h1 ? h1.getBoundingClientRect().height > 0 : false,
    figures: figures.length,
    figuresNotShown: figures.filter(e => e.tagName === 'IMG' ? !shown(e) : e.getBoundingClientRect().width === 0).length,
    widgets: document.querySelectorAll('.site-widget').length,
    widgetImages: widgetImages.length,
    widgetImagesNotShown: widgetImages.filter(i => !shown(i)).length,
    math: math.length,
    mathNotShown: math.filter(i => !shown(i)).map(i => i.alt),
    mathAsSource: [...document.querySelectorAll('code.site-math-source')].map(e => e.innerText),
    stderr: [...document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')].map(e => e.innerText),
    unrenderedWidgets: document.querySelectorAll('script[type^="application/vnd.jupyter.widget"]').length,
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    links: [...document.querySelectorAll('a[href]')].map(a => ({
      url: a.href, nav: a.closest('nav.site-nav') ? a.innerText.trim() : null})),
  };
}"""


def site_path(source: Path) -> str:
    """Where the site puts a notebook or Markdown page: notebooks/01_x.ipynb -> notebooks/01_x.html."""
    return source.relative_to(ROOT).with_suffix(".html").as_posix()


def stored_title(notebook: dict) -> str:
    """The lesson's title read from the notebook itself (not by the site's code): its first `# ` heading, no marks."""
    first = next("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    found = re.search(r"^#\s+(.+?)\s*$", first, flags=re.MULTILINE)
    return re.sub(r"[*_`]", "", found.group(1)).strip() if found else ""


def expected_outputs(notebook: dict) -> dict:
    """What a page must show, counted in the .ipynb: image outputs, widget outputs, images inside widgets."""
    outputs = [o for c in notebook["cells"] for o in c.get("outputs", [])]
    state = notebook["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})

    def images_in(model: str) -> int:
        entry = state.get(model, {})
        children = [c.removeprefix("IPY_MODEL_") for c in entry.get("state", {}).get("children", [])]
        return (entry.get("model_name") == "ImageModel") + sum(images_in(c) for c in children)

    views = [o["data"]["application/vnd.jupyter.widget-view+json"] for o in outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    return {"figures": sum(any(t in o.get("data", {}) for t in IMAGE_TYPES) for o in outputs),
            "widgets": len(views), "widget_images": sum(images_in(v["model_id"]) for v in views),
            "errors": [o.get("ename") for o in outputs if o["output_type"] == "error"]}


@pytest.fixture(scope="module")
def crawl(chromium, site_url):
    """Open the index, then every page it leads to, in headless chromium; return what each page showed."""
    from playwright.sync_api import sync_playwright

    pages, problems, queue = {}, [], [f"{site_url}/index.html"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        current = {"url": None}
        tab.on("console", lambda m: m.type == "error" and problems.append(f"{current['url']}: console error: {m.text}"))
        tab.on("pageerror", lambda e: problems.append(f"{current['url']}: script error: {e}"))
        tab.on("requestfailed", lambda r: problems.append(f"{current['url']}: failed request {r.url}: {r.failure}"))
        tab.on("response", lambda r: r.status >= 400 and problems.append(f"{current['url']}: HTTP {r.status} for {r.url}"))

        def only_this_machine(route):  # the site must not need the network: refuse and record anything else
            if route.request.url.startswith(site_url):
                route.continue_()
            else:
                problems.append(f"{current['url']}: request off the machine: {route.request.url}")
                route.abort()

        tab.route("**/*", only_this_machine)
        while queue:
            url = queue.pop(0)
            current["url"] = url
            response = tab.goto(url, wait_until="load")
            info = tab.evaluate(READ_PAGE)
            info["status"] = response.status if response else None
            pages[urlsplit(url).path.lstrip("/")] = info
            if url.endswith("/index.html"):
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                tab.screenshot(path=str(SCREENSHOT), full_page=True)
            for link in info["links"]:
                target = urldefrag(link["url"]).url
                if target.startswith(site_url) and target.endswith(".html") and target not in queue \
                        and urlsplit(target).path.lstrip("/") not in pages:
                    queue.append(target)
        browser.close()
    return {"pages": pages, "problems": problems, "site_url": site_url}


def page_of(crawl, source: Path) -> dict:
    path = site_path(source)
    assert path in crawl["pages"], f"{path} is not reachable from the index (pages reached: {sorted(crawl['pages'])})"
    return crawl["pages"][path]


def test_the_lessons_exist():
    assert len(LESSONS) >= 12, f"expected the twelve lessons 00-11 in notebooks/, found {[p.name for p in LESSONS]}"


def test_index_links_every_lesson_and_guide(crawl):
    index = crawl["pages"]["index.html"]
    linked = {urlsplit(link["url"]).path.lstrip("/") for link in index["links"]}
    missing = [site_path(p) for p in LESSONS + SOLUTIONS + DOCS if site_path(p) not in linked]
    assert not missing, f"the index does not link to {missing}"
    assert index["h1"], "the index has no title"


@pytest.mark.parametrize("notebook", LESSONS + SOLUTIONS, ids=lambda p: p.stem)
def test_lesson_renders_with_its_figures_and_no_error(crawl, notebook):
    stored = json.loads(notebook.read_text(encoding="utf-8"))
    expected = expected_outputs(stored)
    page = page_of(crawl, notebook)
    assert page["status"] == 200
    assert page["h1"] == stored_title(stored) and page["h1Visible"], f"title shown: {page['h1']!r}"
    assert not expected["errors"], f"{notebook.name} was saved with error outputs {expected['errors']}"
    assert page["figures"] == expected["figures"], \
        f"{page['figures']} figures on the page, {expected['figures']} image outputs in {notebook.name}"
    assert page["figuresNotShown"] == 0, f"{page['figuresNotShown']} figures did not load"
    assert page["widgets"] == expected["widgets"] and page["unrenderedWidgets"] == 0, \
        f"{page['widgets']} widget snapshots on the page, {expected['widgets']} widget outputs in {notebook.name}"
    assert page["widgetImages"] == expected["widget_images"] and page["widgetImagesNotShown"] == 0, \
        f"{page['widgetImages']} widget images on the page ({page['widgetImagesNotShown']} not shown), {expected['widget_images']} expected"
    errors = [text for text in page["stderr"] if "Traceback" in text or re.search(r"\b\w*(Error|Exception)\b", text)]
    assert not errors, f"error output on the page: {errors[0][:500]}"
    assert not page["mathNotShown"], f"formulas whose picture did not load: {page['mathNotShown']}"
    assert not page["mathAsSource"], f"formulas shown as TeX source (mathtext cannot draw them): {page['mathAsSource']}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.stem)
def test_docs_page_renders(crawl, doc):
    page = page_of(crawl, doc)
    assert page["status"] == 200 and page["h1"] and page["h1Visible"]
    assert not page["mathAsSource"] and not page["mathNotShown"]


def test_pages_load_without_errors_or_network(crawl):
    assert len(crawl["pages"]) >= 1 + len(LESSONS) + len(DOCS)
    assert not crawl["problems"], "\n".join(crawl["problems"][:20])


def test_links_between_pages_lead_to_a_page_and_anchor(crawl):
    """Every link inside the site (index, navigation, glossary links) reaches a page, and its #anchor exists."""
    site_url, broken = crawl["site_url"], []
    for path, page in crawl["pages"].items():
        for link in page["links"]:
            target, fragment = urldefrag(link["url"])
            if not target.startswith(site_url):
                continue
            target_path = urlsplit(target).path.lstrip("/")
            if not target_path.endswith(".html"):  # a file the builder copied (a source file, a data card)
                if not reachable(target):
                    broken.append(f"{path} -> {link['url']} (no such file)")
                continue
            if target_path not in crawl["pages"] or crawl["pages"][target_path]["status"] != 200:
                broken.append(f"{path} -> {link['url']} (no such page)")
            elif fragment and not {fragment, unquote(fragment)} & set(crawl["pages"][target_path]["ids"]):
                broken.append(f"{path} -> {link['url']} (no such anchor)")
    assert not broken, "\n".join(broken[:20])


def reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status == 200
    except urllib.error.URLError:
        return False


def test_lessons_link_to_previous_next_and_index(crawl):
    order = [site_path(p) for p in LESSONS]
    for i, path in enumerate(order):
        nav = {urlsplit(link["url"]).path.lstrip("/") for link in crawl["pages"][path]["links"] if link["nav"] is not None}
        expected = {"index.html"} | ({order[i - 1]} if i > 0 else set()) | ({order[i + 1]} if i + 1 < len(order) else set())
        assert expected <= nav, f"{path}: navigation links {sorted(nav)}, expected {sorted(expected)}"


def stored_hover_maps(notebook: Path) -> list[dict]:
    """The data of every hover map (plotting.hover_map_3d) stored in a notebook's outputs, read from the HTML."""
    outputs = [o for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] for o in c.get("outputs", [])]
    pages = ["".join(o["data"]["text/html"]) for o in outputs if "text/html" in o.get("data", {})]
    return [json.loads(p.split("const data = ", 1)[1].split(";\n", 1)[0].replace("<\\/", "</"))
            for p in pages if "data-hover-map" in p]


def test_lesson_07s_hover_map_shows_each_text_and_turns(chromium, site_url):
    """Point at a dot (or a question's diamond) and its text appears; drag and the map turns; offline."""
    from playwright.sync_api import sync_playwright

    lesson = ROOT / "notebooks" / "07_umap.ipynb"
    [data] = stored_hover_maps(lesson)
    assert len(data["points"]) == 589 and len(data["queries"]) == 4
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{site_url}/{site_path(lesson)}", wait_until="load")
        root = page.locator("[data-hover-map]")
        canvas = root.locator("canvas")
        canvas.scroll_into_view_if_needed()
        assert canvas.is_visible() and root.locator(".hm-nojs").count() == 0, "the map's script did not run"
        where = "([kind, i]) => document.querySelector('[data-hover-map]').hoverMap[kind](i)"
        # Points with no other mark within 3 px, so the pointer can only mean them.
        spots = page.evaluate("""() => { const m = document.querySelector('[data-hover-map]').hoverMap, n = %d;
            const at = [...Array(n).keys()].map(i => m.point(i)).concat([0, 1, 2, 3].map(i => m.query(i)));
            return [...Array(n).keys()].filter(i => at.every((q, j) => j === i || Math.hypot(q[0] - at[i][0], q[1] - at[i][1]) > 3)); }"""
                              % len(data["points"]))
        seen = {}
        for kind, i in [("query", k) for k in range(4)] + [("point", k) for k in spots[:: max(1, len(spots) // 5)][:5]]:
            box = canvas.bounding_box()
            x, y = page.evaluate(where, [kind, i])
            page.mouse.move(box["x"] + x, box["y"] + y)
            seen[(kind, i)] = root.locator(".hm-tip").inner_text()
        box = canvas.bounding_box()
        before = page.evaluate(where, ["point", 0])
        page.mouse.move(box["x"] + 20, box["y"] + 20)
        page.mouse.down()
        page.mouse.move(box["x"] + 120, box["y"] + 60, steps=5)
        page.mouse.up()
        after = page.evaluate(where, ["point", 0])
        browser.close()
    assert not errors, errors
    for (kind, i), tip in seen.items():
        expected = (f"query\n{data['queries'][i]['text']}" if kind == "query"
                    else f"{data['head'][i]}\n{data['text'][i]}")
        assert tip == expected, (kind, i, tip[:200])
    assert len(seen) == 9 and before != after, "dragging did not turn the map"
