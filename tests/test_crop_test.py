"""Tests for alexnet_core.crop_test: per-patch and ten-crop errors against direct computations (§4.1)."""

import pytest
import torch
from torch import nn

from alexnet_core.augment import CropFlipParams, crop_flip, ten_crop_predict
from alexnet_core.crop_test import CROP_NAMES, CropErrors, crop_errors, enlarged


def tiny_model(classes=4):
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 6, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(24, classes))


def data(n=30, size=12, classes=4):
    generator = torch.Generator().manual_seed(1)
    return torch.rand(n, 3, size, size, generator=generator), torch.randint(0, classes, (n,), generator=generator)


def window(n, top, left, flip, crop):
    return CropFlipParams(torch.full((n,), top), torch.full((n,), left), torch.full((n,), flip), crop)


def test_per_crop_errors_match_crop_flip():
    model, (images, labels) = tiny_model(), data()
    result = crop_errors(model, images, labels, 8)
    corners = [(0, 0), (0, 4), (4, 0), (4, 4), (2, 2)]
    for index, (top, left) in enumerate(corners + corners):
        with torch.no_grad():
            logits = model(crop_flip(images, window(len(images), top, left, index >= 5, 8)))
        assert result.per_crop[index] == pytest.approx((logits.argmax(1) != labels).float().mean().item())
    assert result.centre == result.per_crop[4] and len(CROP_NAMES) == 10


def test_ten_crop_error_matches_ten_crop_predict_and_is_independent_of_batching():
    model, (images, labels) = tiny_model(), data()
    expected = (ten_crop_predict(model.eval(), images, 8).argmax(1) != labels).float().mean().item()
    for batch_size in (1, 7, 1000):
        result = crop_errors(model, images, labels, 8, batch_size=batch_size)
        assert result.ten_crop == pytest.approx(expected) and result.count == 30


def test_mode_is_restored_and_string_lists_every_crop():
    model, (images, labels) = tiny_model().train(), data()
    result = crop_errors(model, images, labels, 8)
    assert model.training and isinstance(result, CropErrors)
    assert all(name in str(result) for name in CROP_NAMES) and "ten-crop average" in str(result)


def test_enlarged_resizes_and_keeps_labels():
    images, labels = data(5, 8)
    dataset = enlarged(list(zip(images, labels.tolist())), 10)
    big, big_labels = dataset.tensors
    assert big.shape == (5, 3, 10, 10) and torch.equal(big_labels, labels)
    assert float(big.min()) >= 0 and float(big.max()) <= 1
    flat = enlarged([(torch.full((3, 4, 4), 0.25), 2)], 6).tensors[0]
    torch.testing.assert_close(flat, torch.full((1, 3, 6, 6), 0.25), rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: crop_errors("net", *data(), 8), TypeError, "model must be a torch.nn.Module"),
        (lambda: crop_errors(tiny_model(), data()[0], data()[1][:3], 8), ValueError, "labels must have one entry per image"),
        (lambda: crop_errors(tiny_model(), *data(), 13), ValueError, "crop_size must be <="),
        (lambda: crop_errors(tiny_model(), *data(), 8, batch_size=0), ValueError, "batch_size must be a positive int"),
        (lambda: enlarged([], 8), ValueError, "at least one image"),
        (lambda: enlarged([(torch.rand(3, 4, 4), 0)], 0), ValueError, "image_size must be a positive int"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_gain_interval_is_a_paired_bootstrap_of_the_per_image_differences():
    centre = torch.tensor([True] * 30 + [False] * 70)
    ten = centre.clone()
    ten[:10] = False  # ten-crop fixes 10 of the 30 centre mistakes
    errors = CropErrors((0.3,) * 10, 0.2, 100, centre_wrong=centre, ten_crop_wrong=ten)
    difference, low, high = errors.gain_interval(resamples=4000)
    assert difference == pytest.approx(-0.1)
    # binomial reference: 10 of 100 paired differences are -1, the rest 0
    se = (0.1 * 0.9 / 100) ** 0.5
    assert low == pytest.approx(-0.1 - 1.96 * se, abs=0.02)
    assert high == pytest.approx(-0.1 + 1.96 * se, abs=0.02)
    assert low < difference < high < 0


def test_gain_interval_from_crop_errors_matches_the_reported_errors():
    model, (images, labels) = tiny_model(), data()
    result = crop_errors(model, images, labels, 8)
    difference, _, _ = result.gain_interval(resamples=200)
    assert difference == pytest.approx(result.ten_crop - result.centre, abs=1e-6)
    with pytest.raises(ValueError, match="level"):
        result.gain_interval(level=1.5)
