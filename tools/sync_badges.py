"""Rewrite every chapter's Colab badge and Colab install line from `repository` in _config.yml.

    python tools/sync_badges.py          # rewrite in place
    python tools/sync_badges.py --check  # exit 1 if any chapter disagrees with _config.yml

_config.yml's `repository.url` / `repository.branch` is the one place the repository is named.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
BADGE = re.compile(r"https://colab\.research\.google\.com/github/[^)\s\"']+")
INSTALL = re.compile(r"git\+https://github\.com/[^@\s\"']+@[\w.\-/]+")


def expected(chapter: Path) -> tuple[str, str]:
    """Return (colab link, pip install target) for ``chapter`` from _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    owner_repo = config["url"].removeprefix("https://github.com/").rstrip("/")
    path = chapter.relative_to(ROOT).as_posix()
    return (
        f"https://colab.research.google.com/github/{owner_repo}/blob/{config['branch']}/{path}",
        f"git+https://github.com/{owner_repo}@{config['branch']}",
    )


def sync(chapter: Path, check: bool) -> list[str]:
    """Return the problems found in ``chapter`` (and fix them unless ``check``)."""
    notebook = nbformat.read(chapter, as_version=4)
    link, target = expected(chapter)
    problems, changed = [], False
    badge_cells = [c for c in notebook.cells if c.cell_type == "markdown" and BADGE.search(c.source)]
    install_cells = [c for c in notebook.cells if c.cell_type == "code" and INSTALL.search(c.source)]
    if not badge_cells:
        problems.append(f"{chapter.name}: no Colab badge")
    if not install_cells:
        problems.append(f"{chapter.name}: no Colab install line")
    for cells, pattern, value in ((badge_cells, BADGE, link), (install_cells, INSTALL, target)):
        for cell in cells:
            new = pattern.sub(value, cell.source)
            if new != cell.source:
                problems.append(f"{chapter.name}: {pattern.search(cell.source).group(0)} should be {value}")
                cell.source, changed = new, True
    if changed and not check:
        nbformat.write(notebook, chapter)
    return problems


def main(argv: list[str]) -> int:
    check = "--check" in argv
    problems = [p for chapter in sorted((ROOT / "book").glob("*.ipynb")) for p in sync(chapter, check)]
    print("\n".join(problems) or "all chapters agree with _config.yml")
    return 1 if (check and problems) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
