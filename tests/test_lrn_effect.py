"""Tests for alexnet_core.lrn_effect: LRN's denominator, gain and competition factor (§3.3).

References: a per-element loop over the paper's formula written here, and the package's own
local_response_norm (b must equal x · gain), plus the closed-form peak of a lone unit's output.
"""

from __future__ import annotations

import math

import pytest
import torch

from alexnet_core.lrn import LocalResponseNorm, local_response_norm
from alexnet_core.lrn_effect import lrn_competition, lrn_denominator, lrn_gain, lrn_peak, scale_lrn_alpha_
from alexnet_core.model import cifar_alexnet

FLOAT64 = dict(rtol=1e-12, atol=1e-12)


def activations(shape, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=generator, dtype=torch.float64) * 30).relu_()


def naive_denominator(x, size, alpha, k, convention, groups=1):
    coefficient = alpha if convention == "paper" else alpha / size
    per_group = x.shape[1] // groups
    out = torch.empty_like(x)
    for i in range(x.shape[1]):
        first_channel = (i // per_group) * per_group
        local = i - first_channel
        lo = max(0, local - size // 2) + first_channel
        hi = min(per_group - 1, local + (size - 1) // 2) + first_channel
        out[:, i] = k + coefficient * (x[:, lo : hi + 1] ** 2).sum(dim=1)
    return out


@pytest.mark.parametrize("size", [1, 2, 5, 6])
@pytest.mark.parametrize("convention", ["paper", "pytorch"])
@pytest.mark.parametrize("groups", [1, 2])
def test_denominator_matches_loop(size, convention, groups):
    x = activations((2, 8, 3, 4))
    expected = naive_denominator(x, size, 1e-3, 2.0, convention, groups)
    torch.testing.assert_close(lrn_denominator(x, size, 1e-3, 2.0, convention=convention, groups=groups), expected, **FLOAT64)


@pytest.mark.parametrize("convention", ["paper", "pytorch"])
@pytest.mark.parametrize("groups", [1, 2])
def test_gain_times_input_is_local_response_norm(convention, groups):
    x = activations((2, 10, 5, 5), seed=1)
    gain = lrn_gain(x, 5, 1e-3, 0.75, 2.0, convention=convention, groups=groups)
    expected = local_response_norm(x, 5, 1e-3, 0.75, 2.0, convention=convention, groups=groups)
    torch.testing.assert_close(x * gain, expected, **FLOAT64)


def test_gain_is_constant_times_competition_and_bounded():
    x = activations((3, 12, 4, 4), seed=2)
    gain, competition = lrn_gain(x, k=2.0, beta=0.75, alpha=1e-3), lrn_competition(x, k=2.0, beta=0.75, alpha=1e-3)
    torch.testing.assert_close(gain, 2.0**-0.75 * competition, **FLOAT64)
    assert bool((competition <= 1).all()) and bool((competition > 0).all())
    silent = torch.zeros(1, 4, 2, 2, dtype=torch.float64)
    assert bool((lrn_competition(silent) == 1).all())


def test_pytorch_convention_is_paper_with_alpha_over_n():
    x = activations((2, 7, 3, 3), seed=3)
    torch.testing.assert_close(
        lrn_denominator(x, 5, 5e-4, 2.0, convention="pytorch"), lrn_denominator(x, 5, 1e-4, 2.0), **FLOAT64
    )


def test_peak_is_the_maximum_of_a_lone_unit():
    assert lrn_peak() == pytest.approx(200.0)
    a = torch.linspace(1.0, 1000.0, 99_901, dtype=torch.float64)
    output = a * (2.0 + 1e-4 * a * a) ** -0.75
    assert float(a[output.argmax()]) == pytest.approx(200.0, abs=0.02)
    assert lrn_peak(5e-4, size=5, convention="pytorch") == pytest.approx(200.0)
    assert lrn_peak(beta=0.5) == math.inf


def test_scale_lrn_alpha_multiplies_every_lrn_layer():
    model = cifar_alexnet()
    scale_lrn_alpha_(model, 255**2)
    alphas = [m.alpha for m in model.modules() if isinstance(m, LocalResponseNorm)]
    assert len(alphas) == 2 and all(a == pytest.approx(1e-4 * 255**2) for a in alphas)


def test_scaled_alpha_competes_on_small_inputs_as_paper_alpha_on_large():
    x = activations((2, 6, 3, 3), seed=4) / 255
    torch.testing.assert_close(
        lrn_competition(x, alpha=1e-4 * 255**2), lrn_competition(x * 255, alpha=1e-4), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: lrn_denominator(torch.ones(2, 3)), ValueError, "x must have at least 3 dimensions"),
        (lambda: lrn_denominator(torch.ones(1, 3, 2, 2, dtype=torch.int64)), TypeError, "floating-point"),
        (lambda: lrn_denominator(torch.ones(1, 3, 2, 2), size=0), ValueError, "size must be a positive int, got 0"),
        (lambda: lrn_denominator(torch.ones(1, 3, 2, 2), alpha=-1.0), ValueError, "alpha must be a finite number > 0"),
        (lambda: lrn_denominator(torch.ones(1, 3, 2, 2), convention="caffe"), ValueError, "convention must be one of"),
        (lambda: lrn_denominator(torch.ones(1, 3, 2, 2), groups=2), ValueError, "groups must divide"),
        (lambda: lrn_gain(torch.ones(1, 3, 2, 2), beta=0.0), ValueError, "beta must be a finite number > 0"),
        (lambda: lrn_peak(k=0.0), ValueError, "k must be a finite number > 0"),
        (lambda: scale_lrn_alpha_(torch.nn.Linear(2, 2), 2.0), ValueError, "at least one"),
        (lambda: scale_lrn_alpha_("net", 2.0), TypeError, "model must be a torch.nn.Module"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_lrn_response_figure_draws_four_panels_and_checks_channel():
    import matplotlib.pyplot as plt

    from alexnet_core.viz import lrn_response_figure

    x = activations((6, 10, 10), seed=5).float()
    figure = lrn_response_figure(x, channel=2, alpha=1e-3, convention="pytorch")
    assert len(figure.axes) == 4 and "pytorch" in figure._suptitle.get_text()
    plt.close(figure)
    with pytest.raises(ValueError, match=r"channel must be in \[0, 5\], got 6"):
        lrn_response_figure(x, channel=6)
