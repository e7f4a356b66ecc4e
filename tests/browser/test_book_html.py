"""The built HTML book in a real browser: every page in the table of contents.

Run alone with `pytest -m browser tests/browser` after `jupyter-book build . -W --keep-going`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, SCREENSHOTS

pytestmark = pytest.mark.browser


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]
    return [f for f in files if (ROOT / f"{f}.ipynb").exists() or (ROOT / f"{f}.md").exists()]


def repository() -> tuple[str, str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    return config["url"].removeprefix("https://github.com/").rstrip("/"), config["branch"]


ALL_IMAGES_LOADED = """() => Array.from(document.images).every(img => img.complete)"""
BROKEN_IMAGES = """() => Array.from(document.images).filter(img => img.naturalWidth === 0).map(img => img.src.slice(0, 120))"""


@pytest.mark.parametrize("entry", toc_pages())
def test_page_loads_cleanly(page, book_server, entry):
    page.goto(f"{book_server}/{entry}.html", wait_until="load")
    page.evaluate("() => document.querySelectorAll('img').forEach(img => img.loading = 'eager')")
    page.wait_for_function(ALL_IMAGES_LOADED, timeout=30_000)
    assert page.evaluate(BROKEN_IMAGES) == [], "every figure image loads"
    main = page.inner_text("main")
    assert len(main.strip()) > 200, "page is not blank"
    assert "Traceback" not in main and "Error" not in page.title()
    if page.locator("main .math").count():
        page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0", timeout=30_000)
        assert page.locator("main mjx-container").count() > 0, "math is rendered by MathJax"
    local_failures = [url for url in page.failed_requests if "127.0.0.1" in url]
    assert local_failures == [], "no failed requests to the local server"
    assert page.console_errors == [], "no console errors"
    name = entry.replace("/", "_")
    if name in ("book_index", "book_02_architecture", "book_04_lrn", "book_07_augmentation"):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


NOTEBOOK_CHAPTERS = [p for p in toc_pages() if (ROOT / f"{p}.ipynb").exists()]


@pytest.mark.parametrize("entry", NOTEBOOK_CHAPTERS)
def test_colab_links_point_at_this_chapter(page, book_server, entry):
    owner_repo, branch = repository()
    expected = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{entry}.ipynb"
    page.goto(f"{book_server}/{entry}.html", wait_until="domcontentloaded")
    links = page.eval_on_selector_all("a[href*='colab.research.google.com']", "els => els.map(e => e.href)")
    assert links, "the chapter has a Colab badge or launch button"
    assert set(links) == {expected}, links


CHANGE_FIRST_CONTROL = """(root) => {
  const control = root.querySelector('[data-control]');
  const image = root.querySelector('img.anb-frame');
  const before = image.src;
  const count = control.tagName === 'SELECT' ? control.options.length : Number(control.max) + 1;
  control.value = String((Number(control.value) + 1) % count);
  control.dispatchEvent(new Event('input', {bubbles: true}));
  control.dispatchEvent(new Event('change', {bubbles: true}));
  return [count, before !== image.src, image.naturalWidth];
}"""


@pytest.mark.parametrize("entry", NOTEBOOK_CHAPTERS)
def test_kernel_free_figures_respond(page, book_server, entry):
    page.goto(f"{book_server}/{entry}.html", wait_until="load")
    figures = page.locator(".anb-interactive")
    assert figures.count() >= 1, "every chapter has at least one interactive figure"
    for index in range(figures.count()):
        figure = figures.nth(index)
        figure.scroll_into_view_if_needed()
        count, changed, width = figure.evaluate(CHANGE_FIRST_CONTROL)
        if count > 1:
            assert changed, f"figure {index}: moving the control did not change the picture"
        assert width > 0
    assert page.console_errors == []
    if entry.endswith(("04_lrn", "07_augmentation")):
        figures.first.screenshot(path=str(SCREENSHOTS / f"{Path(entry).name}_interactive.png"))
