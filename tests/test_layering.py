"""Imports point down (CONTRIBUTING.md's layer table), nothing below the pictures is heavy, and
every module and function stays small.

Walks the AST of every module of ``alexnet_core``: an import of a module in a higher layer fails,
wherever it stands (a function-level import is still an upward dependency), and so does a
module-level import of matplotlib, ipywidgets or marimo below the pictures layer. The table here
must name every module, and so must CONTRIBUTING.md. A module over ``MAX_MODULE_LINES`` lines or a
function (or method) over ``MAX_FUNCTION_LINES`` lines, decorators not counted, fails too
(STYLE.md: "a module stays under ~400 lines; a function does one thing (under ~50 lines)").
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "alexnet_core"
HEAVY = {"matplotlib", "ipywidgets", "marimo"}
PICTURES = 4
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50

# module (dotted, below alexnet_core) -> layer; "lab" sits between training (3) and pictures (4)
LAYERS = {
    "_checks": 1, "lrn": 1, "augment": 1, "lighting": 1, "fused_crops": 1, "_crop_kernel": 1,
    "preprocess": 1,
    "architecture": 2, "model": 2, "split": 2,
    "shapes": 3, "data": 3, "natural": 3, "prepared": 3, "prepared_storage": 3, "prepared_batches": 3,
    "recipe": 3, "history": 3,
    "runtime": 3, "evaluation": 3, "train": 3, "checkpoint": 3, "tensorboard_log": 3, "features": 3,
    "summary": 3,
    "lab": 3.5,
    "viz": 4, "widgets": 4,
    "cli": 5, "cli_data": 5, "cli_distributed": 5, "__main__": 5,
}  # fmt: skip


def _modules() -> dict[str, Path]:
    """Return {dotted name below alexnet_core: path} of every module ('' is __init__)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _layer(name: str) -> float:
    """Return the layer of a module: its own entry, else its subpackage's."""
    if name == "":
        return 3.5  # alexnet_core/__init__: re-exports layers 1-3 and the lab's experiments
    top = name.split(".")[0]
    if name in LAYERS:
        return LAYERS[name]
    if top in LAYERS:
        return LAYERS[top]
    raise KeyError(name)


def _imports(name: str, path: Path) -> list[tuple[str, int, bool]]:
    """Return (imported module, line, at module level) for every import in the file."""
    tree = ast.parse(path.read_text())
    package = ["alexnet_core", *name.split(".")] if name else ["alexnet_core"]
    if path.name != "__init__.py":
        package = package[:-1]
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append((base, node.lineno, id(node) in top_level))
            found += [(f"{base}.{alias.name}", node.lineno, id(node) in top_level) for alias in node.names]
    return found


MODULES = _modules()


def test_every_module_has_a_layer():
    missing = []
    for name in MODULES:
        try:
            _layer(name)
        except KeyError:
            missing.append(name)
    assert not missing, f"modules with no layer in tests/test_layering.py and CONTRIBUTING.md: {missing}"


def test_contributing_names_every_module():
    text = (ROOT / "CONTRIBUTING.md").read_text()
    table = text[text.index("| layer |") :].split("\n\n")[0]
    def named(name: str) -> bool:
        last = name.split(".")[-1]
        package = MODULES[name].name == "__init__.py"
        return f"`{last}/`" in table if package else f"`{last}`" in table

    unnamed = [name for name in MODULES if name and not named(name)]  # "": the package
    assert not unnamed, f"CONTRIBUTING.md's layer table does not name {unnamed}"


@pytest.mark.parametrize("name", list(MODULES), ids=lambda n: n or "__init__")
def test_imports_point_down_and_nothing_heavy_below_the_pictures(name):
    layer = _layer(name)
    problems = []
    for imported, line, top_level in _imports(name, MODULES[name]):
        root = imported.split(".")[0]
        if root in HEAVY and top_level and layer < PICTURES:
            problems.append(f"line {line}: module-level import of {imported} below the pictures layer")
        if root != "alexnet_core" or imported == "alexnet_core":
            continue
        target = imported.removeprefix("alexnet_core.")
        while target and target not in MODULES:  # `from .x import name`: the module is x
            target = target.rpartition(".")[0]
        if target and _layer(target) > layer:
            problems.append(f"line {line}: imports {imported} (layer {_layer(target)}) from layer {layer}")
    assert not problems, "\n".join(problems)


def test_the_walker_sees_an_upward_and_a_heavy_import(tmp_path, monkeypatch):
    """The check itself: a layer-1 module importing the CLI and matplotlib is caught."""
    fake = tmp_path / "lrn.py"
    fake.write_text("import matplotlib.pyplot\n\ndef f():\n    from .cli import main\n")
    found = _imports("lrn", fake)
    assert ("matplotlib.pyplot", 1, True) in found
    assert ("alexnet_core.cli", 4, False) in found and _layer("cli") > _layer("lrn")


def test_import_alexnet_core_pulls_in_no_pictures_or_notebooks():
    code = "import sys, alexnet_core; print(sorted(m for m in {'matplotlib', 'ipywidgets', 'marimo'} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


def _too_long(path: Path) -> list[str]:
    """Return a line for the module itself if it is too long and for each function that is."""
    text = path.read_text()
    problems = []
    if len(text.splitlines()) > MAX_MODULE_LINES:
        problems.append(f"{len(text.splitlines())} lines (at most {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                problems.append(
                    f"line {node.lineno}: {node.name} is {length} lines (at most {MAX_FUNCTION_LINES})"
                )
    return problems


@pytest.mark.parametrize("name", list(MODULES), ids=lambda n: n or "__init__")
def test_modules_and_functions_stay_small(name):
    problems = _too_long(MODULES[name])
    assert not problems, f"{MODULES[name].relative_to(ROOT)}: " + "; ".join(problems)


def test_the_size_check_sees_a_long_module_and_a_long_function(tmp_path):
    fake = tmp_path / "big.py"
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))  # def + 50 = 51 lines
    fake.write_text("def long():\n" + body + "\n" * MAX_MODULE_LINES)
    problems = _too_long(fake)
    assert len(problems) == 2 and "long is 51 lines" in problems[1]
    fake.write_text("def short():\n" + body[: body.rindex("    x")])  # 50 lines: allowed
    assert _too_long(fake) == []
