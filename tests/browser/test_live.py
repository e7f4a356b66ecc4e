"""Live kernels in a real browser: ipywidgets in JupyterLab, and the marimo notebook (run and edit)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sys

import pytest

from .conftest import ROOT, SCREENSHOTS, free_port, server_process

pytestmark = pytest.mark.browser

LIVE_CHAPTER = "book/05_dropout.ipynb"  # its first interactive figure (cell 3) has sliders
CELLS_TO_FIRST_FIGURE = 4  # set-up cell, two markdown cells, the figure


@pytest.fixture(scope="module")
def jupyter_url(tmp_path_factory):
    """JupyterLab on a copy of the chapter, so its autosave never touches the repository."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / LIVE_CHAPTER, root / "chapter.ipynb")
    shutil.copytree(ROOT / "book" / "images", root / "images")  # the chapter's badge
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False", "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", f"--ServerApp.root_dir={root}",
    ] + (["--allow-root"] if os.geteuid() == 0 else [])  # CI containers run as root
    with server_process(command, f"http://127.0.0.1:{port}/api?token={token}", timeout=120):
        yield f"http://127.0.0.1:{port}", token


def test_ipywidget_slider_runs_its_python_callback(page, jupyter_url):
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    base, token = jupyter_url
    page.set_default_timeout(120_000)
    page.goto(f"{base}/lab/tree/chapter.ipynb?token={token}")
    try:
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=120_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
        # The status bar says "| Idle" only once the kernel is connected; keys pressed before that can be lost.
        page.wait_for_function("() => /\\|\\s*Idle/.test(document.querySelector('.jp-StatusBar-Widget, #jp-main-statusbar')?.innerText || '')", timeout=120_000)
        slider = page.locator(".jp-OutputArea .widget-slider .noUi-handle").first
        for attempt in range(3):  # a busy CI machine can still drop the first key presses: run again
            # Run the chapter from its first cell to its first interactive figure, as a reader would.
            page.locator(".jp-NotebookPanel .jp-Cell").first.click()
            page.keyboard.press("Escape")  # command mode
            for _ in range(CELLS_TO_FIRST_FIGURE):
                page.keyboard.press("Shift+Enter")
            try:
                slider.wait_for(state="visible", timeout=120_000)
                break
            except PlaywrightTimeoutError:
                if attempt == 2:
                    raise
        image = page.locator(".jp-OutputArea img.widget-image").first
        image.wait_for(state="visible", timeout=120_000)
        before = image.get_attribute("src")
        slider.scroll_into_view_if_needed()
        slider.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(before) => { const img = document.querySelector('.jp-OutputArea img.widget-image'); return img && img.src !== before; }", arg=before, timeout=120_000)
    finally:
        page.screenshot(path=str(SCREENSHOTS / "jupyterlab_live_widget.png"))


@pytest.fixture(scope="module")
def marimo_run_url():
    port = free_port()
    command = [sys.executable, "-m", "marimo", "run", "notebooks/alexnet.py", "--headless", "--host", "127.0.0.1", "--port", str(port), "--no-token"]
    with server_process(command, f"http://127.0.0.1:{port}/", env={"MARIMO_SKIP_UPDATE_CHECK": "1"}):
        yield f"http://127.0.0.1:{port}/"


# Outputs' textContent, not the body's innerText: marimo skips rendering cells out of view (whose
# innerText is then empty), and in edit mode the page also shows every cell's code.
DROPOUT_TEXT = "() => { for (const e of document.querySelectorAll('.output-area')) { const m = e.textContent.match(/paper, test \\(×\\(1−p\\)\\): (\\S+)/); if (m) return m[1]; } return null; }"


def _move_dropout_slider(page):
    page.wait_for_function(DROPOUT_TEXT, timeout=300_000)
    before = page.evaluate(DROPOUT_TEXT)
    slider = page.get_by_role("slider", name=re.compile("^p")).first
    slider.scroll_into_view_if_needed()
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"(before) => ({DROPOUT_TEXT})() !== before", arg=before, timeout=120_000)
    return before, page.evaluate(DROPOUT_TEXT)


def test_marimo_run_control_recomputes(page, marimo_run_url):
    page.goto(marimo_run_url)
    before, after = _move_dropout_slider(page)
    assert before == "0.500" and after != before
    text = page.inner_text("body")
    assert "Traceback" not in text and "An internal error" not in text
    page.screenshot(path=str(SCREENSHOTS / "marimo_run.png"), full_page=False)


def test_marimo_edit_opens_and_reacts(page):
    port = free_port()
    command = [sys.executable, "-m", "marimo", "edit", "notebooks/alexnet.py", "--headless", "--host", "127.0.0.1", "--port", str(port), "--no-token"]
    with server_process(command, f"http://127.0.0.1:{port}/", env={"MARIMO_SKIP_UPDATE_CHECK": "1"}):
        page.goto(f"http://127.0.0.1:{port}/")
        before, after = _move_dropout_slider(page)
        assert after != before
