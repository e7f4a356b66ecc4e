"""Serve MathJax from the book itself instead of a CDN.

The HTML book must render its math offline (readers on a plane, the browser tests in CI). The
`django-static-mathjax` package on PyPI carries MathJax 3.2.2's files (no Django needed at run
time); this extension points Sphinx's `mathjax_path` at a local copy and copies the `es5` bundle
(the combined TeX/MathML → CHTML component and its fonts) into `_static/mathjax` after the build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

BUNDLE = "tex-mml-chtml.js"


def _source() -> Path:
    import mathjax  # the django-static-mathjax package

    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def _configure(app, config) -> None:
    config.mathjax_path = f"mathjax/{BUNDLE}"


def _copy(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    if not (target / BUNDLE).exists():
        shutil.copytree(_source(), target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map", "sre", "node-main*"))


def setup(app):
    _source()  # fail early with ImportError if the package is missing
    app.connect("config-inited", _configure)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
