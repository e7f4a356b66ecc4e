"""Interactive figures that work three ways: live in Jupyter/Colab, and without a kernel in the HTML book.

An :class:`InteractiveFigure` is one cell output carrying two views of the same figure:

* ``application/vnd.jupyter.widget-view+json`` — live ipywidgets controls whose Python callback
  redraws the figure (Jupyter, JupyterLab, Colab);
* ``text/html`` — a self-contained fallback: the figure pre-rendered for every combination of a
  few control values, with HTML controls and a few lines of inline JavaScript that swap frames. It
  needs no kernel, no CDN and no widget JavaScript.

Jupyter front ends prefer the widget view; the HTML book is configured (``_config.yml``,
``nb_mime_priority_overrides``) to skip widget views and show the fallback.

Build one with :func:`interactive_figure` from a ``render(**values) -> Figure`` function and a dict
of control values.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
from typing import Any, Callable, Mapping, Sequence

from matplotlib.figure import Figure

from .viz import figure_to_png

__all__ = [
    "InteractiveFigure",
    "interactive_figure",
    "static_html",
    "MAX_STATIC_FRAMES",
]

MAX_STATIC_FRAMES = (
    64  # every frame is a PNG inside the notebook: keep the fallback small
)

Render = Callable[..., Figure]


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _png_maker(render: Render, dpi: int) -> Callable[..., bytes]:
    """Return ``render`` turned into a function giving PNG bytes, remembering what it drew."""
    if getattr(render, "_is_png_maker", False):
        return render
    drawn: dict[tuple, bytes] = {}

    def draw(**values: Any) -> bytes:
        key = tuple(sorted((k, repr(v)) for k, v in values.items()))
        if key not in drawn:
            drawn[key] = figure_to_png(render(**values), dpi=dpi)
        return drawn[key]

    draw._is_png_maker = True  # type: ignore[attr-defined]
    return draw


def _check_controls(
    controls: Mapping[str, Sequence[Any]], name: str
) -> dict[str, list[Any]]:
    if not isinstance(controls, Mapping) or not controls:
        raise ValueError(
            f"{name} must be a non-empty dict of control name -> list of values, got {controls!r}"
        )
    checked = {}
    for key, values in controls.items():
        values = list(values)
        if not values:
            raise ValueError(f"{name}[{key!r}] must list at least one value, got none")
        checked[key] = values
    return checked


def static_html(
    render: Render,
    controls: Mapping[str, Sequence[Any]],
    *,
    title: str = "",
    defaults: Mapping[str, Any] | None = None,
    dpi: int = 72,
) -> str:
    """Return a self-contained HTML figure with one control per entry of ``controls``.

    Every combination of the control values is rendered once (at most ``MAX_STATIC_FRAMES``);
    moving a control swaps in the matching pre-rendered PNG with inline JavaScript, no kernel.
    Numbers get a range slider, anything else a drop-down.
    """
    controls = _check_controls(controls, "controls")
    combos = list(itertools.product(*controls.values()))
    if len(combos) > MAX_STATIC_FRAMES:
        raise ValueError(
            f"controls must give at most {MAX_STATIC_FRAMES} combinations for the static figure, got {len(combos)}; "
            f"pass fewer values (static_controls=...)"
        )
    draw = _png_maker(render, dpi)
    frames = {}
    for combo in combos:
        key = ",".join(
            str(controls[name].index(value)) for name, value in zip(controls, combo)
        )
        png = draw(**dict(zip(controls, combo)))
        frames[key] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    start = [
        controls[n].index(defaults[n])
        if defaults and n in defaults and defaults[n] in controls[n]
        else 0
        for n in controls
    ]
    ident = (
        "anb-"
        + hashlib.sha1((title + json.dumps(sorted(frames))).encode()).hexdigest()[:10]
    )
    return _page(ident, title, controls, frames, start)


def _control_html(
    ident: str, index: int, name: str, values: list[Any], start: int
) -> str:
    labels = [_format(v) for v in values]
    numeric = all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
    )
    if numeric and len(values) > 1:
        widget = (
            f'<input type="range" min="0" max="{len(values) - 1}" step="1" value="{start}" '
            f'data-control="{index}" aria-label="{html.escape(name)}">'
            f"<output>{html.escape(labels[start])}</output>"
        )
    else:
        options = "".join(
            f'<option value="{i}"{" selected" if i == start else ""}>{html.escape(label)}</option>'
            for i, label in enumerate(labels)
        )
        widget = f'<select data-control="{index}" aria-label="{html.escape(name)}">{options}</select>'
    return f'<label style="margin-right:1.2em;white-space:nowrap">{html.escape(name)} {widget}</label>'


def _page(
    ident: str,
    title: str,
    controls: dict[str, list[Any]],
    frames: dict[str, str],
    start: list[int],
) -> str:
    rows = "".join(
        _control_html(ident, i, n, v, start[i])
        for i, (n, v) in enumerate(controls.items())
    )
    labels = json.dumps([[_format(v) for v in values] for values in controls.values()])
    first = frames[",".join(map(str, start))]
    heading = (
        f'<div style="font-weight:600;margin-bottom:.3em">{html.escape(title)}</div>'
        if title
        else ""
    )
    note = '<div style="font-size:.8em;color:#666">Pre-computed frames: runs without a kernel. Open the notebook (Colab/Jupyter) for the live version.</div>'
    return (
        f'<div class="anb-interactive" id="{ident}" data-frames="{len(frames)}">{heading}'
        f'<div class="anb-controls" style="margin-bottom:.4em">{rows}</div>'
        f'<img class="anb-frame" alt="{html.escape(title or "interactive figure")}" src="{first}" style="max-width:100%">{note}'
        f"<script>(function(){{var root=document.getElementById({json.dumps(ident)});"
        f"var frames={json.dumps(frames)};var labels={labels};"
        f"var inputs=root.querySelectorAll('[data-control]');"
        f"function update(){{var key=[];inputs.forEach(function(el){{key.push(el.value);"
        f"var out=el.parentNode.querySelector('output');if(out){{out.textContent=labels[+el.dataset.control][+el.value];}}}});"
        f"root.querySelector('img.anb-frame').src=frames[key.join(',')];}}"
        f"inputs.forEach(function(el){{el.addEventListener('input',update);el.addEventListener('change',update);}});}})();</script></div>"
    )


class InteractiveFigure:
    """One output with a live ipywidgets view and a kernel-free HTML fallback (see the module docstring)."""

    def __init__(self, widget: Any, fallback_html: str, title: str) -> None:
        self.widget = widget
        self.fallback_html = fallback_html
        self.title = title

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> dict[str, Any]:
        bundle = dict(
            self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        )
        bundle["text/html"] = self.fallback_html
        bundle["text/plain"] = f"InteractiveFigure({self.title!r})"
        return bundle

    def __repr__(self) -> str:
        return f"InteractiveFigure({self.title!r})"


def _live_widget(
    draw: Callable[..., bytes],
    controls: dict[str, list[Any]],
    defaults: Mapping[str, Any],
    run_button: bool,
) -> Any:
    import ipywidgets as widgets  # lazy: only interactive figures need ipywidgets

    inputs = {}
    for name, values in controls.items():
        value = defaults.get(name, values[0])
        numeric = all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
        )
        if numeric and len(values) > 1:
            inputs[name] = widgets.SelectionSlider(
                options=[(_format(v), v) for v in values],
                value=value,
                description=name,
                continuous_update=False,
            )
        else:
            inputs[name] = widgets.Dropdown(
                options=[(_format(v), v) for v in values], value=value, description=name
            )
    image = widgets.Image(format="png")
    status = widgets.Label()

    def redraw(*_: Any) -> None:
        status.value = "computing…"
        image.value = draw(**{n: w.value for n, w in inputs.items()})
        status.value = ""

    children = list(inputs.values())
    if run_button:
        button = widgets.Button(description="Run", button_style="primary")
        button.on_click(redraw)
        children.append(button)
    else:
        for control in inputs.values():
            control.observe(redraw, names="value")
    redraw()
    return widgets.VBox(
        [
            widgets.HBox(children, layout=widgets.Layout(flex_flow="row wrap")),
            status,
            image,
        ]
    )


def interactive_figure(
    render: Render,
    controls: Mapping[str, Sequence[Any]],
    *,
    title: str = "",
    defaults: Mapping[str, Any] | None = None,
    static_controls: Mapping[str, Sequence[Any]] | None = None,
    run_button: bool = False,
    dpi: int = 72,
) -> InteractiveFigure:
    """Return an :class:`InteractiveFigure` of ``render(**values)`` driven by ``controls``.

    ``controls`` maps each keyword of ``render`` to the values the live widget offers;
    ``static_controls`` (default: the same) are the fewer values pre-rendered for the HTML book.
    ``run_button=True`` recomputes only when the reader presses Run (for slow renders such as a
    training run); otherwise every control change redraws.
    """
    if not callable(render):
        raise TypeError(
            f"render must be a function returning a matplotlib Figure, got {type(render).__name__}"
        )
    controls = _check_controls(controls, "controls")
    static = (
        _check_controls(static_controls, "static_controls")
        if static_controls is not None
        else controls
    )
    if set(static) != set(controls):
        raise ValueError(
            f"static_controls must have the same names as controls ({sorted(controls)}), got {sorted(static)}"
        )
    defaults = dict(defaults or {})
    for name, value in defaults.items():
        if name not in controls or value not in controls[name]:
            raise ValueError(
                f"defaults[{name!r}] must be one of the values in controls[{name!r}], got {value!r}"
            )
    draw = _png_maker(
        render, dpi
    )  # shared, so the live view reuses the frames already drawn
    fallback = static_html(draw, static, title=title, defaults=defaults, dpi=dpi)
    live = _live_widget(draw, controls, defaults, run_button)
    return InteractiveFigure(live, fallback, title)
