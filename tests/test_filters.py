"""Tests for alexnet_core.filters: kernel colourfulness and the two-tower permutation test."""

import pytest
import torch

from alexnet_core.filters import RANDOM_COLOURFULNESS, colourfulness, grey_share, tower_difference


def _loop_colourfulness(kernel):
    """The definition written out pixel by pixel: non-grey energy over total energy, then a square root."""
    colour = total = 0.0
    for y in range(kernel.shape[1]):
        for x in range(kernel.shape[2]):
            rgb = [float(kernel[c, y, x]) for c in range(3)]
            grey = sum(rgb) / 3
            colour += sum((v - grey) ** 2 for v in rgb)
            total += sum(v * v for v in rgb)
    return (colour / total) ** 0.5


def test_matches_the_definition_written_as_a_loop():
    weight = torch.randn(5, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    expected = torch.tensor([_loop_colourfulness(k) for k in weight])
    torch.testing.assert_close(colourfulness(weight), expected, rtol=1e-6, atol=1e-6)


def test_grey_colour_only_and_random_kernels():
    pattern = torch.randn(1, 1, 5, 5, generator=torch.Generator().manual_seed(1))
    grey = pattern.expand(1, 3, 5, 5)  # the same weights in R, G and B
    opponent = torch.cat([pattern, -pattern, torch.zeros_like(pattern)], dim=1)  # red minus green
    random = torch.randn(2000, 3, 5, 5, generator=torch.Generator().manual_seed(2))
    assert colourfulness(grey).item() == pytest.approx(0.0, abs=1e-6)
    assert colourfulness(opponent).item() == pytest.approx(1.0, abs=1e-6)
    assert colourfulness(random).mean().item() == pytest.approx(RANDOM_COLOURFULNESS, abs=0.01)
    assert colourfulness(3.0 * random[:4]).tolist() == pytest.approx(colourfulness(random[:4]).tolist())


def test_tower_difference_finds_a_real_split_and_not_a_fake_one():
    generator = torch.Generator().manual_seed(0)
    split = torch.cat([0.2 + 0.05 * torch.rand(48, generator=generator), 0.8 + 0.05 * torch.rand(48, generator=generator)])
    difference, p = tower_difference(split, permutations=2000)
    assert difference == pytest.approx(split[:48].mean() - split[48:].mean())
    assert difference < -0.5 and p == pytest.approx(1 / 2001)
    mixed = torch.rand(96, generator=generator)
    assert tower_difference(mixed, permutations=2000)[1] > 0.05
    assert tower_difference(mixed, permutations=500, seed=3) == tower_difference(mixed, permutations=500, seed=3)


def test_bad_input():
    with pytest.raises(ValueError, match=r"RGB kernels \(K, 3, h, w\), got shape \(2, 1, 3, 3\)"):
        colourfulness(torch.randn(2, 1, 3, 3))
    with pytest.raises(ValueError, match="all-zero kernel"):
        colourfulness(torch.zeros(1, 3, 2, 2))
    with pytest.raises(TypeError, match="floating-point"):
        colourfulness(torch.zeros(1, 3, 2, 2, dtype=torch.int64))
    with pytest.raises(ValueError, match="even number"):
        tower_difference(torch.rand(5))
    with pytest.raises(ValueError, match="permutations"):
        tower_difference(torch.rand(6), permutations=0)


def test_grey_share_of_grey_random_colour_and_colour_only_images():
    generator = torch.Generator().manual_seed(0)
    grey_images = torch.rand(4, 1, 8, 8, generator=generator).expand(4, 3, 8, 8)
    random_colour = torch.rand(64, 3, 8, 8, generator=generator)
    colour_only = grey_images * torch.tensor([1.0, -1.0, 0.0]).view(1, 3, 1, 1)  # red minus green
    assert grey_share(grey_images) == pytest.approx(1.0)
    assert grey_share(random_colour) == pytest.approx(1 / 3, abs=0.02)
    assert grey_share(colour_only) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\) with W >= 2"):
        grey_share(torch.rand(1, 3, 4, 1))
    with pytest.raises(ValueError, match="must vary"):
        grey_share(torch.ones(1, 3, 4, 4))
