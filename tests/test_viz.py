"""Tests for alexnet_core.viz: each picture is drawn from the data it is given."""

import matplotlib
import matplotlib.colors

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from alexnet_core import viz


def pixels(figure):
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba())


def test_figure_to_png_is_a_png_and_deterministic():
    a = viz.figure_to_png(viz.activation_functions())
    b = viz.figure_to_png(viz.activation_functions())
    assert a[:8] == b"\x89PNG\r\n\x1a\n" and a == b


def test_to_display_image_normalises_each_image():
    image = torch.tensor([-1.0, 0.0, 3.0]).view(3, 1, 1).expand(3, 2, 2)
    shown = viz.to_display_image(image, normalise=True)
    assert shown.shape == (2, 2, 3)
    torch.testing.assert_close(shown[0, 0], torch.tensor([0.0, 0.25, 1.0]))


def test_filter_grid_two_towers_draws_all_kernels():
    weight = torch.randn(96, 3, 11, 11)
    figure = viz.filter_grid(weight, towers=2)
    panels = [ax for ax in figure.axes if ax.images]
    assert len(panels) == 2  # one mosaic per tower
    assert "GPU 1" in panels[0].get_title(loc="left") and "GPU 2" in panels[1].get_title(loc="left")
    # 48 kernels per tower in 8 columns: 6 rows of 11 pixels, 1-pixel gaps
    first, second = (ax.images[0].get_array() for ax in panels)
    assert first.shape == (6 * 12 - 1, 8 * 12 - 1, 3)
    # each tile is its kernel normalised on its own: kernel 0, kernel 9 (row 1, column 1), kernel 48
    np.testing.assert_allclose(first[:11, :11], viz.to_display_image(weight[0], normalise=True).numpy(), rtol=1e-6)
    np.testing.assert_allclose(first[12:23, 12:23], viz.to_display_image(weight[9], normalise=True).numpy(), rtol=1e-6)
    np.testing.assert_allclose(second[:11, :11], viz.to_display_image(weight[48], normalise=True).numpy(), rtol=1e-6)
    assert (first[11, :] == 1).all()  # the gap is white


def test_kernel_mosaic_leaves_unused_tiles_blank():
    from alexnet_core.viz.images import kernel_mosaic

    mosaic = kernel_mosaic(torch.randn(5, 3, 3, 3), columns=4)
    assert mosaic.shape == (2 * 4 - 1, 4 * 4 - 1, 3)
    assert (mosaic[4:, 4:] == 1).all()  # row 1 holds one kernel, the rest is background


def test_different_data_gives_different_pictures():
    torch.manual_seed(0)
    a = pixels(viz.activation_grid(torch.rand(4, 8, 8)))
    b = pixels(viz.activation_grid(torch.rand(4, 8, 8)))
    assert a.shape == b.shape and not np.array_equal(a, b)


def test_training_curves_plots_each_history():
    figure = viz.training_curves({"relu": {"epoch": [1, 2], "train_error": [0.5, 0.2]}, "tanh": {"train_error": [0.6, 0.4]}}, target=0.25)
    lines = figure.axes[0].get_lines()
    assert [list(line.get_ydata()) for line in lines[:2]] == [[0.5, 0.2], [0.6, 0.4]]
    assert list(lines[2].get_ydata()) == [0.25, 0.25]


def _shown(ax):
    return ax.images[0].get_array()


def test_neighbours_figure_shows_each_query_then_its_neighbours():
    queries, neighbours = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 3, 8, 8)
    figure = viz.neighbours_figure(queries, neighbours)
    axes = np.array(figure.axes).reshape(2, 4)
    np.testing.assert_allclose(_shown(axes[1, 0]), viz.to_display_image(queries[1]).numpy())
    np.testing.assert_allclose(_shown(axes[0, 3]), viz.to_display_image(neighbours[0, 2]).numpy())
    row = viz.image_row([torch.rand(3, 8, 8)] * 3, ["a", "b", "c"])
    assert [ax.get_title() for ax in row.axes] == ["a", "b", "c"]


def _red_arrows(ax):
    return [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None
            and matplotlib.colors.same_color(a.arrow_patch.get_edgecolor(), "crimson")]


def test_two_tower_diagram_draws_two_crossing_arrows_per_connected_layer():
    assert len(_red_arrows(viz.two_tower_diagram().axes[0])) == 2 * 4  # conv3, fc6, fc7, fc8
    assert len(_red_arrows(viz.two_tower_diagram(("fc8",)).axes[0])) == 2
    labels = [t.get_text().split("\n") for t in viz.two_tower_diagram().axes[0].texts if "\n" in t.get_text()]
    assert ["conv1", "48"] in labels and ["fc8", "500"] in labels  # one GPU's half of each layer


def test_crop_window_figure_outlines_the_window_and_shows_that_crop():
    from matplotlib.patches import Rectangle

    image = torch.rand(3, 12, 16)
    figure = viz.crop_window_figure(image, 2, 5, 8, flip=True)
    whole, crop = figure.axes
    box = next(p for p in whole.patches if isinstance(p, Rectangle))
    assert box.get_xy() == (4.5, 1.5) and box.get_width() == box.get_height() == 8
    expected = image[:, 2:10, 5:13].flip(-1)  # the window, mirrored
    np.testing.assert_allclose(_shown(crop), viz.to_display_image(expected).numpy())


def test_lighting_figure_adds_one_shift_to_every_pixel():
    image, shift = torch.full((3, 4, 4), 0.5), torch.tensor([0.1, -0.2, 0.05])
    figure = viz.lighting_figure(image, shift, gain=2.0)
    original, shifted, swatch = figure.axes
    np.testing.assert_allclose(_shown(shifted), viz.to_display_image(image + shift.view(3, 1, 1)).numpy())
    np.testing.assert_allclose(_shown(swatch)[0, 0], (0.5 + 2.0 * shift).numpy(), rtol=1e-6)
    assert "+25.5, -51.0, +12.8" in swatch.get_title()  # the shift in 0-255 units
    assert len(viz.lighting_figure(image, shift, show_original=False).axes) == 2


def test_split_costs_figure_plots_the_bytes_and_parameters_of_the_choice():
    from alexnet_core import split_costs

    figure = viz.split_costs_figure(("conv2", "fc6"))
    costs = split_costs(("conv2", "fc6"))
    towers, traffic, counts = figure.axes
    bars = {t.get_text(): p.get_height() for t, p in zip(traffic.get_xticklabels(), traffic.patches)}
    assert bars["conv2"] == pytest.approx(costs.bytes_by_layer["conv2"] / 1e3)
    assert bars["conv3"] == 0 and bars["fc6"] == pytest.approx(36.864)
    widths = [p.get_width() for p in counts.patches]
    assert widths[2] == pytest.approx(costs.parameters / 1e6)  # "this choice"
    assert len(_red_arrows(towers)) == 4


def test_errors():
    with pytest.raises(ValueError, match="weight must hold RGB kernels"):
        viz.filter_grid(torch.randn(4, 1, 3, 3))
    with pytest.raises(ValueError, match="towers must be 1 or 2"):
        viz.filter_grid(torch.randn(5, 3, 3, 3), towers=2)
    with pytest.raises(ValueError, match="channels must be indices"):
        viz.activation_grid(torch.rand(4, 8, 8), channels=[7])
    with pytest.raises(ValueError, match="metric must be one of"):
        viz.training_curves({"a": {"train_error": [1.0]}}, metric="accuracy")
    with pytest.raises(ValueError, match="titles must have one entry per image"):
        viz.image_row([torch.rand(3, 4, 4)], ["a", "b"])
    with pytest.raises(TypeError, match="figure must be a matplotlib Figure"):
        viz.figure_to_png("figure")


def test_kernel_mosaic_refuses_a_bad_column_count():
    from alexnet_core.viz.images import kernel_mosaic

    with pytest.raises(ValueError, match="columns must be a positive int, got 0"):
        kernel_mosaic(torch.randn(4, 3, 3, 3), columns=0)
