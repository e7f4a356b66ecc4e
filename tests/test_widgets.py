"""Tests for alexnet_core.widgets: the live widget calls back, the static fallback holds every frame."""

import base64
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from alexnet_core import widgets


def render(level=1, colour="red"):
    figure, ax = plt.subplots(figsize=(1, 1))
    ax.bar([0], [level], color=colour)
    ax.set_ylim(0, 4)
    return figure


def test_static_fallback_has_one_distinct_frame_per_combination():
    page = widgets.static_html(render, {"level": [1, 2, 3], "colour": ["red", "blue"]}, title="bars")
    frames = re.findall(r'"(\d,\d)": "data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(frames) == 6
    assert len({data for _, data in frames}) == 6  # every combination drew a different picture
    assert all(base64.b64decode(data)[:4] == b"\x89PNG" for _, data in frames)
    assert 'type="range"' in page and "<select" in page and "<script>" in page
    assert "://" not in page  # nothing fetched from anywhere: no CDN, no URL at all


def test_static_fallback_starts_on_the_defaults_and_is_deterministic():
    a = widgets.static_html(render, {"level": [1, 2, 3]}, defaults={"level": 2})
    b = widgets.static_html(render, {"level": [1, 2, 3]}, defaults={"level": 2})
    assert a == b
    assert 'value="1"' in a  # slider starts at index 1 (level=2)


def test_interactive_figure_bundle_and_live_callback():
    calls = []

    def counting(level=1):
        calls.append(level)
        return render(level)

    figure = widgets.interactive_figure(counting, {"level": [1, 2, 3]}, static_controls={"level": [1, 3]}, title="t")
    bundle = figure._repr_mimebundle_()
    assert bundle["text/plain"] == "InteractiveFigure('t')"
    assert bundle["text/html"].startswith('<div class="anb-interactive"')
    assert "application/vnd.jupyter.widget-view+json" in bundle
    slider = figure.widget.children[0].children[0]
    image = figure.widget.children[2]
    before = image.value
    slider.value = 2  # the Python callback runs and redraws
    assert calls.count(2) == 1 and image.value != before
    slider.value = 3  # already drawn for the static figure: reused, not recomputed
    assert calls.count(3) == 1


def test_run_button_defers_work():
    calls = []

    def counting(level=1):
        calls.append(level)
        return render(level)

    figure = widgets.interactive_figure(counting, {"level": [1, 2]}, run_button=True)
    controls, image = figure.widget.children[0].children, figure.widget.children[2]
    assert 2 in calls  # drawn once for the static fallback
    first, n = image.value, len(calls)  # the default (level 1) is shown at once
    controls[0].value = 2
    assert len(calls) == n and image.value == first  # no redraw until Run is pressed
    controls[1].click()
    frames = dict(re.findall(r'"(\d)": "data:image/png;base64,([A-Za-z0-9+/=]+)"', figure.fallback_html))
    assert image.value == base64.b64decode(frames["1"]) != first  # the click drew level 2


def test_errors():
    with pytest.raises(ValueError, match="controls must be a non-empty dict"):
        widgets.static_html(render, {})
    with pytest.raises(ValueError, match="at most 64 combinations"):
        widgets.static_html(render, {"level": list(range(9)), "colour": list("abcdefgh")})
    with pytest.raises(ValueError, match=r"defaults\['level'\] must be one of"):
        widgets.interactive_figure(render, {"level": [1, 2]}, defaults={"level": 5})
    with pytest.raises(ValueError, match="static_controls must have the same names"):
        widgets.interactive_figure(render, {"level": [1, 2]}, static_controls={"colour": ["red"]})
    with pytest.raises(TypeError, match="render must be a function"):
        widgets.interactive_figure("plot", {"level": [1]})
