"""Tests for alexnet_core.pooling (§3.4) against torch's own MaxPool2d, and for its pictures in viz."""

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
from matplotlib.figure import Figure

from alexnet_core import pooling, viz

CASES = [(size, kernel, stride, ceil) for size in (5, 6, 7, 13, 27, 32, 55) for kernel in (1, 2, 3, 4)
         for stride in (1, 2, 3) for ceil in (False, True)]


def test_output_size_matches_torch():
    for size, kernel, stride, ceil in CASES:
        out = torch.nn.MaxPool2d(kernel, stride, ceil_mode=ceil)(torch.zeros(1, 1, size, size))
        assert pooling.pool_output_size(size, kernel, stride, ceil_mode=ceil) == out.shape[-1], (size, kernel, stride, ceil)


@pytest.mark.parametrize("padding", [0, 1])
@pytest.mark.parametrize("ceil", [False, True])
def test_output_size_with_padding_matches_torch(padding, ceil):
    for size in range(3, 20):
        out = torch.nn.MaxPool2d(3, 2, padding=padding, ceil_mode=ceil)(torch.zeros(1, 1, size, size))
        assert pooling.pool_output_size(size, 3, 2, padding=padding, ceil_mode=ceil) == out.shape[-1], size


def test_alexnet_sizes_are_the_same_for_both_poolings():
    for kernel in (2, 3):
        sizes = [55]
        for _ in range(3):
            sizes.append(pooling.pool_output_size(sizes[-1], kernel, 2))
        assert sizes == [55, 27, 13, 6]
    assert [pooling.pool_output_size(s, 3, 2, ceil_mode=True) for s in (32, 16, 8)] == [16, 8, 4]
    assert [pooling.pool_output_size(s, 3, 2) for s in (32, 15)] == [15, 7]


def test_windows_reproduce_torch_max_pool():
    generator = torch.Generator().manual_seed(0)
    for size, kernel, stride, ceil in CASES:
        x = torch.randn(size, size, generator=generator)
        expected = torch.nn.functional.max_pool2d(x[None, None], kernel, stride, ceil_mode=ceil)[0, 0]
        windows = pooling.pool_windows(size, kernel, stride, ceil_mode=ceil)
        naive = torch.tensor([[x[r0:r1, c0:c1].max().item() for c0, c1 in windows] for r0, r1 in windows])
        torch.testing.assert_close(naive, expected, rtol=0, atol=0, msg=f"{(size, kernel, stride, ceil)}")


def test_overlap_and_counts():
    assert pooling.window_overlap(3, 2) == 1 and pooling.window_overlap(2, 2) == 0 and pooling.window_overlap(2, 3) == 0
    counts = pooling.window_counts(7, 3, 2)
    assert counts[2, 2] == 4 and counts[2, 0] == 2 and counts[0, 0] == 1 and counts[6, 6] == 1
    counts = pooling.window_counts(7, 2, 2)
    assert counts.max() == 1 and counts[6].sum() == 0 and counts[:, 6].sum() == 0
    # every pixel is counted once per window containing it: total = windows × window area
    for size, kernel in ((13, 3), (13, 2), (55, 3)):
        n = pooling.pool_output_size(size, kernel, 2)
        assert pooling.window_counts(size, kernel, 2).sum() == n * n * kernel * kernel


def test_uncovered_rows():
    assert [pooling.uncovered(s, 2, 2) for s in (55, 27, 13)] == [1, 1, 1]
    assert [pooling.uncovered(s, 3, 2) for s in (55, 27, 13)] == [0, 0, 0]
    assert pooling.uncovered(32, 3, 2) == 1 and pooling.uncovered(32, 3, 2, ceil_mode=True) == 0


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="kernel"):
        pooling.pool_output_size(2, 3, 2)
    with pytest.raises(ValueError, match="stride"):
        pooling.pool_output_size(8, 3, 0)
    with pytest.raises(ValueError, match="padding"):
        pooling.pool_output_size(8, 3, 2, padding=2)
    with pytest.raises(TypeError, match="ceil_mode"):
        pooling.pool_output_size(8, 3, 2, ceil_mode=1)
    with pytest.raises(TypeError, match="size must be an int, got 2.5"):
        pooling.window_counts(2.5, 3, 2)
    with pytest.raises(ValueError, match="size must be a positive int, got -1"):
        pooling.window_counts(-1, 3, 2)


def test_pooling_windows_picture_shows_the_counts():
    figure = viz.pooling_windows(7, [(3, 2), (2, 2)])
    assert isinstance(figure, Figure) and len(figure.axes) == 2
    shown = figure.axes[0].images[0].get_array()
    torch.testing.assert_close(torch.as_tensor(shown.data), pooling.window_counts(7, 3, 2).double(), check_dtype=False)
    texts = [t.get_text() for t in figure.axes[1].texts]
    assert texts.count("0") == 13  # 2×2/2 on 7×7 never reaches the last row and column


def test_pooling_demo_shows_torch_pooled_map():
    x = torch.rand(13, 13, generator=torch.Generator().manual_seed(0))
    figure = viz.pooling_demo(x, kernel=3, stride=2)
    pooled = figure.axes[1].images[0].get_array()
    expected = torch.nn.functional.max_pool2d(x[None, None], 3, 2)[0, 0]
    assert pooled.shape == (6, 6)
    torch.testing.assert_close(torch.as_tensor(pooled.data).float(), expected)
    with pytest.raises(ValueError, match="feature_map"):
        viz.pooling_demo(torch.rand(1, 13, 13))


def test_grouped_curves_colours_by_setting_and_styles_by_seed():
    runs = {f"{name}, seed {seed}": {"epoch": [1, 2], "train_error": [0.9, 0.5 + seed / 10], "test_error": [0.9, 0.7]}
            for name in ("3×3", "2×2") for seed in (0, 1)}
    figure = viz.grouped_curves(runs, ["3×3", "2×2"])
    assert len(figure.axes) == 2
    lines = figure.axes[0].get_lines()
    assert [list(line.get_ydata()) for line in lines] == [[0.9, 0.5], [0.9, 0.6], [0.9, 0.5], [0.9, 0.6]]
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    assert lines[0].get_linestyle() != lines[1].get_linestyle() and lines[0].get_linestyle() == lines[2].get_linestyle()
    with pytest.raises(ValueError, match="groups"):
        viz.grouped_curves(runs, ["5×5"])
    with pytest.raises(ValueError, match="metrics"):
        viz.grouped_curves(runs, ["3×3", "2×2"], metrics=["nope"])


def test_pooling_demo_says_when_windows_skip_pixels():
    figure = viz.pooling_demo(torch.rand(13, 13), kernel=2, stride=3)
    assert "1 row/column skipped" in figure.axes[0].get_title()
