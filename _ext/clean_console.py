"""Keep the reader's browser console free of errors the book's toolchain would otherwise cause.

1. The theme's colour mode. Without ``default_mode`` the pydata theme starts a first-time reader
   with an empty mode and logs "Got invalid theme mode: . Resetting to auto." as a console error.
   The theme reads it from ``html_context``; this sets that one key after the config is read.

2. Repeated <script> tags.

With this Jupyter Book 1 / Sphinx 7 set, sphinx-thebe's and sphinx-togglebutton's inline config
scripts end up in every page's head twice, and the second `const THEBE_JS_URL = ...` is a JavaScript
error ("Identifier 'THEBE_JS_URL' has already been declared") in the reader's console. After the
build, keep the first of each identical script line in the head and remove the repeats.
"""

from __future__ import annotations

from pathlib import Path


def dedupe_head(html: str) -> str:
    """Return ``html`` with repeated identical one-line <script> tags in its <head> removed."""
    head_end = html.find("</head>")
    if head_end < 0:
        return html
    seen, lines = set(), []
    for line in html[:head_end].splitlines(keepends=True):
        tag = line.strip()
        if tag.startswith("<script") and tag.endswith("</script>"):
            if tag in seen:
                continue
            seen.add(tag)
        lines.append(line)
    return "".join(lines) + html[head_end:]


def _dedupe(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for path in Path(app.outdir).rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        fixed = dedupe_head(text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")


def _default_mode(app, config) -> None:
    config.html_context.setdefault("default_mode", "light")


def setup(app):
    app.connect("config-inited", _default_mode)
    app.connect("build-finished", _dedupe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
