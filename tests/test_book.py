"""Checks on the book's sources: table of contents, Colab links, set-up cells, exercises, facts."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_every_toc_entry_exists_and_every_chapter_is_listed():
    files = toc_files()
    for entry in files:
        assert any((ROOT / f"{entry}{suffix}").exists() for suffix in (".ipynb", ".md")), entry
    listed = {f"{entry}.ipynb" for entry in files}
    assert {c.relative_to(ROOT).as_posix() for c in CHAPTERS} <= listed


def test_colab_links_agree_with_config():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "sync_badges.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_chapter_shape(chapter):
    notebook = json.loads(chapter.read_text())
    cells = notebook["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    first_code = "".join(code[0]["source"])
    assert "google.colab" in first_code and "FULL_SCALE" in first_code, "first code cell must be the set-up cell"
    assert "torch" not in re.sub(r"#.*", "", first_code.split("%pip")[1].split("\n")[0]), "set-up must never install torch"
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "Exercises" in text and text.count("<details") >= 2, "2-4 exercises with hidden solutions"
    assert "widgets" not in notebook["metadata"], "widget state must be stripped (tools/execute_book.py)"
    for cell in code:
        assert cell.get("execution_count") is not None, "chapters are committed executed"
        source = "".join(cell["source"])
        long_defs = re.findall(r"^def \w+\(.*?(?=^\S|\Z)", source, flags=re.S | re.M)
        assert all(d.count("\n") <= 6 for d in long_defs), "functions longer than a few lines belong in alexnet_core"


WRONG_CLAIMS = [
    (r"winn\w+[^.]{0,60}16\.4\s*%", "the winning top-5 test error is 15.3%, not 16.4%"),
    (r"pretrained\s*=\s*True(?![^.]{0,80}(gone|removed|deprecated|no longer))", "pretrained=True is deprecated (torchvision 0.13+); use weights="),
]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_no_common_tutorial_errors(chapter):
    text = "".join("".join(c["source"]) for c in json.loads(chapter.read_text())["cells"] if c["cell_type"] == "markdown")
    for pattern, why in WRONG_CLAIMS:
        assert not re.search(pattern, text, flags=re.I), why


BEING_REWRITTEN: set[str] = set()


def _chapter_param(chapter: Path):
    if chapter.name in BEING_REWRITTEN:  # being rewritten for issue 14
        return pytest.param(chapter, marks=pytest.mark.xfail(strict=False, reason="being rewritten for issue 14"))
    return chapter


@pytest.mark.parametrize("chapter", [_chapter_param(c) for c in CHAPTERS], ids=lambda p: p.name)
def test_code_cells_read_clean(chapter):
    """What the HTML reader sees: lines within the 88-column code block, no test plumbing."""
    problems = []
    for number, cell in enumerate(json.loads(chapter.read_text())["cells"]):
        if cell["cell_type"] != "code":
            continue
        for line in "".join(cell["source"]).split("\n"):
            if len(line) > 88:
                problems.append(f"cell {number}: {len(line)} columns: {line[:60]}…")
            if "NBVAL_" in line:
                problems.append(f"cell {number}: an nbval marker in the source (use the cell's tags): {line}")
            if "plt.close" in line:
                problems.append(f"cell {number}: plt.close (end the cell with the figure instead)")
    assert not problems, "\n".join(problems)


def test_ram_check_says_when_it_cannot_measure(recwarn):
    """A chapter whose kernel memory cannot be read is reported, not silently passed."""
    import importlib.util
    import types

    spec = importlib.util.spec_from_file_location("book_conftest", ROOT / "book" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    item = types.SimpleNamespace(nodeid="book/99_x.ipynb::Cell 0", parent=types.SimpleNamespace(kernel=None))
    module.pytest_runtest_teardown(item, None)
    assert module.UNMEASURED == {"book/99_x.ipynb": "no local kernel process id"}
    assert any("peak RAM not measured" in str(w.message) for w in recwarn)
    lines = []
    module.pytest_terminal_summary(types.SimpleNamespace(write_line=lines.append, section=lines.append))
    assert any("NOT measured" in line for line in lines)
