"""Execute book chapters top to bottom in a fresh kernel and save them with their outputs.

    python tools/execute_book.py                 # every chapter in book/
    python tools/execute_book.py book/03_relu.ipynb

The committed outputs must be exactly what execution produces: this is the only way chapters are
saved. Progress bars are switched off (TQDM_DISABLE=1), widget state is dropped (the HTML book shows
each interactive figure's kernel-free fallback instead), and per-cell timing metadata is removed so
re-executing an unchanged chapter leaves `git diff` empty apart from ignored cells.
Prints each chapter's wall time.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def clean(notebook: nbformat.NotebookNode) -> None:
    """Drop metadata that changes from run to run or that the book must not ship."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)


def execute(path: Path, timeout: int = 600) -> float:
    """Execute ``path`` in place and return the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    os.environ["TQDM_DISABLE"] = "1"
    start = time.perf_counter()
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        record_timing=False, store_widget_state=False,
    )
    client.execute()
    elapsed = time.perf_counter() - start
    clean(notebook)
    nbformat.write(notebook, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "book").glob("*.ipynb"))
    total = 0.0
    for path in paths:
        seconds = execute(path.resolve())
        total += seconds
        print(f"{path.name:40s} {seconds:6.1f} s", flush=True)
    print(f"{'total':40s} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
