"""Tests for alexnet_core.natural: the offline natural-image patches."""

from __future__ import annotations

import pytest
import torch

from alexnet_core.natural import PHOTO_CLASSES, PhotoPatches, load_photo, luminance, photo_patches


@pytest.fixture(scope="module")
def pair():
    return photo_patches(30, 20, seed=3)


def test_every_photo_loads_offline_as_uint8_rgb():
    for name in PHOTO_CLASSES:
        photo = load_photo(name)
        assert photo.dtype == torch.uint8 and photo.shape[0] == 3 and min(photo.shape[1:]) >= 256


def test_shapes_labels_and_range(pair):
    train, test = pair
    assert train.images.shape == (300, 3, 40, 40) and test.images.shape == (200, 3, 40, 40)
    assert train.labels.bincount().tolist() == [30] * 10
    assert train.images.dtype == torch.float32
    assert 0 <= float(train.images.min()) and float(train.images.max()) <= 1
    torch.testing.assert_close(train.images, train.raw.float() / 255)
    image, label = train[31]
    assert image.shape == (3, 40, 40) and label == 1


def test_deterministic_from_seed_and_different_across_seeds():
    a = PhotoPatches(5, seed=1)
    b = PhotoPatches(5, seed=1)
    c = PhotoPatches(5, seed=2)
    assert torch.equal(a.raw, b.raw)
    assert not torch.equal(a.raw, c.raw)


def _pixels(dataset: PhotoPatches, label: int) -> set[tuple[int, int]]:
    """Every pixel of the resized photo that some patch of class ``label`` covers."""
    size = dataset.stored
    covered = set()
    for top, left in dataset.corners[dataset.labels == label].tolist():
        covered.update((top + i, left + j) for i in range(size) for j in range(size))
    return covered


def test_corners_say_where_each_patch_was_cut():
    from alexnet_core.natural import _resized

    data = PhotoPatches(3, split="test", seed=5)
    for index in range(len(data)):
        photo = _resized(PHOTO_CLASSES[int(data.labels[index])], 256)
        top, left = data.corners[index].tolist()
        window = photo[:, top : top + 40, left : left + 40]
        assert torch.equal(data.raw[index], window)


def test_train_and_test_share_no_pixels_whatever_the_seeds():
    train = PhotoPatches(40, split="train", seed=0)
    test = PhotoPatches(40, split="test", seed=7)
    for label, name in enumerate(PHOTO_CLASSES):
        train_pixels, test_pixels = _pixels(train, label), _pixels(test, label)
        assert train_pixels and test_pixels
        assert not train_pixels & test_pixels, name


def test_test_share_moves_squares_to_the_test_region_and_keeps_them_apart():
    from alexnet_core.natural import _grid

    quarter, half = (_grid(256, 256, 32, 0, share).test for share in (0.25, 0.5))
    assert int(quarter.sum()) == 16 and int(half.sum()) == 32  # of 64 squares
    kwargs = dict(block=32, stored=32, test_share=0.5)
    train = PhotoPatches(60, split="train", seed=1, **kwargs)
    test = PhotoPatches(60, split="test", seed=2, **kwargs)
    for label, name in enumerate(PHOTO_CLASSES):
        assert not _pixels(train, label) & _pixels(test, label), name


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(test_share=0), ValueError, "test_share"),
        (dict(test_share=1), ValueError, "test_share"),
        (dict(test_share="half"), TypeError, "test_share"),
        (dict(per_class=0), ValueError, "per_class"),
        (dict(per_class=2.5), TypeError, "per_class"),
        (dict(split="val"), ValueError, "split"),
        (dict(stored=60), ValueError, "block"),
        (dict(seed=-1), ValueError, "seed"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, error, match):
    with pytest.raises(error, match=match):
        PhotoPatches(**kwargs)


def test_unknown_photo_is_named():
    with pytest.raises(ValueError, match="name"):
        load_photo("lena")


def test_luminance_weights_the_channels_and_repeats_the_result():
    images = torch.zeros(2, 3, 2, 2)
    images[0, 0], images[0, 1], images[0, 2] = 1.0, 0.5, 0.25
    grey = luminance(images)
    expected = 0.299 * 1.0 + 0.587 * 0.5 + 0.114 * 0.25
    assert grey.shape == images.shape and grey.is_contiguous()
    assert torch.allclose(grey[0], torch.full((3, 2, 2), expected))
    assert torch.equal(grey[1], torch.zeros(3, 2, 2))


@pytest.mark.parametrize(
    "images, error, match",
    [(torch.zeros(3, 4, 4), ValueError, r"\(N, 3, H, W\).*\(3, 4, 4\)"),
     (torch.zeros(1, 1, 4, 4), ValueError, r"\(1, 1, 4, 4\)"),
     (torch.zeros(1, 3, 4, 4, dtype=torch.uint8), TypeError, "float.*uint8"),
     ([[0.0]], ValueError, "list")],
)  # fmt: skip
def test_luminance_bad_input(images, error, match):
    with pytest.raises(error, match=match):
        luminance(images)
