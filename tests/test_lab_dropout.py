"""Tests for alexnet_core.dropout_masks: §4.2 dropout as mask + scaling.

References: torch.nn.Dropout and alexnet_core.model.PaperDropout (the layers the models use) fed the
same random stream, and the expectations E[m] = 1 − p measured over many masks.
"""

from __future__ import annotations

import pytest
import torch

from alexnet_core.dropout_masks import apply_dropout, inference_output, sample_keep_mask
from alexnet_core.model import PaperDropout


def test_mask_is_bool_and_reproducible_with_a_generator():
    a = sample_keep_mask((4, 50), 0.3, generator=torch.Generator().manual_seed(1))
    b = sample_keep_mask((4, 50), 0.3, generator=torch.Generator().manual_seed(1))
    assert a.dtype == torch.bool and a.shape == (4, 50) and torch.equal(a, b)


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9])
def test_mask_keeps_a_fraction_one_minus_p(p):
    keep = sample_keep_mask((200_000,), p, generator=torch.Generator().manual_seed(0))
    assert float(keep.float().mean()) == pytest.approx(1 - p, abs=0.005)


@pytest.mark.parametrize("p", [0.25, 0.5])
def test_inverted_matches_torch_dropout_values(p):
    x = torch.rand(1000, generator=torch.Generator().manual_seed(2)) + 0.1
    torch.manual_seed(3)
    reference = torch.nn.Dropout(p).train()(x)
    keep = reference != 0  # the mask torch drew
    torch.testing.assert_close(apply_dropout(x, keep, p), reference)


def test_paper_mode_matches_paper_dropout_layer():
    x = torch.rand(1000, generator=torch.Generator().manual_seed(4)) + 0.1
    torch.manual_seed(5)
    layer = PaperDropout(0.5)
    reference = layer.train()(x)
    torch.testing.assert_close(apply_dropout(x, reference != 0, 0.5, mode="paper"), reference)
    torch.testing.assert_close(inference_output(x, 0.5, mode="paper"), layer.eval()(x))
    torch.testing.assert_close(inference_output(x, 0.5), torch.nn.Dropout(0.5).eval()(x))


@pytest.mark.parametrize("mode", ["inverted", "paper"])
def test_training_output_equals_inference_output_in_expectation(mode):
    x = torch.rand(20, generator=torch.Generator().manual_seed(6), dtype=torch.float64) * 3
    keep = sample_keep_mask((50_000, 20), 0.5, generator=torch.Generator().manual_seed(7))
    mean = apply_dropout(x.expand(50_000, -1), keep, 0.5, mode=mode).mean(dim=0)
    torch.testing.assert_close(mean, inference_output(x, 0.5, mode=mode), rtol=0.03, atol=0.0)


def test_inference_output_does_not_alias_input():
    x = torch.ones(3)
    inference_output(x)[0] = 5.0
    assert x[0] == 1.0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: sample_keep_mask((3,), 1.0), ValueError, r"p must be in \[0, 1\), got 1.0"),
        (lambda: sample_keep_mask((3,), 0.5, generator=0), TypeError, "generator must be a torch.Generator"),
        (lambda: sample_keep_mask((-1,), 0.5), ValueError, "shape must be a tuple of non-negative ints"),
        (lambda: apply_dropout(torch.ones(3), torch.ones(3), 0.5), ValueError, "keep must be a bool tensor"),
        (lambda: apply_dropout(torch.ones(3), torch.ones(2, dtype=torch.bool)), ValueError, "keep must be a bool tensor"),
        (lambda: apply_dropout(torch.ones(3), torch.ones(3, dtype=torch.bool), mode="caffe"), ValueError, "mode must be one of"),
        (lambda: inference_output(torch.ones(3, dtype=torch.int64)), TypeError, "floating-point"),
        (lambda: inference_output([1.0]), TypeError, "x must be a torch.Tensor"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("mode", ["inverted", "paper"])
def test_dropout_figure_draws_three_rows(mode):
    import matplotlib.pyplot as plt

    from alexnet_core.viz import dropout_figure

    figure = dropout_figure(torch.rand(16), 0.25, mode=mode, seed=1, samples=100)
    assert len(figure.axes) == 3 and mode in figure._suptitle.get_text()
    plt.close(figure)
