"""Tests for alexnet_core.viz: each picture is drawn from the data it is given."""

import matplotlib

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
    images = [ax for ax in figure.axes if ax.images]
    assert len(images) == 96
    assert "GPU 1" in figure.axes[0].get_title(loc="left") and any("GPU 2" in ax.get_title(loc="left") for ax in figure.axes)
    # first drawn kernel equals kernel 0 normalised on its own
    drawn = images[0].images[0].get_array()
    np.testing.assert_allclose(drawn, viz.to_display_image(weight[0], normalise=True).numpy(), rtol=1e-6)


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


def test_neighbours_and_rows_and_diagram():
    assert isinstance(viz.neighbours_figure(torch.rand(2, 3, 8, 8), torch.rand(2, 3, 3, 8, 8)), Figure)
    assert len(viz.image_row([torch.rand(3, 8, 8)] * 3, ["a", "b", "c"]).axes) == 3
    assert isinstance(viz.two_tower_diagram(), Figure)


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
