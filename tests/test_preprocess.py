"""Tests for alexnet_core.preprocess: §2's mean image and §4.1's augmentation as one object.

References: the same steps written out with augment's functions (mean subtraction, reflect padding,
``augment_batch`` from the same global seed) and plain slicing for the centre patch.
"""

import pytest
import torch
import torch.nn.functional as F

from alexnet_core import Preprocess, augment_batch, fit_pca, mean_image


def images(n=6, size=32, seed=0):
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def test_train_is_mean_off_pad_then_augment_batch_from_the_global_rng():
    x = images()
    mean, (eigvals, eigvecs) = mean_image(x), fit_pca(x)
    pre = Preprocess(32, mean=mean, eigvals=eigvals, eigvecs=eigvecs, pad=4)
    torch.manual_seed(3)
    ours = pre.train(x)
    torch.manual_seed(3)
    reference = augment_batch(F.pad(x - mean, [4, 4, 4, 4], mode="reflect"), 32, eigvals=eigvals, eigvecs=eigvecs)
    assert ours.shape == (6, 3, 32, 32)
    torch.testing.assert_close(ours, reference, rtol=0, atol=0)


def test_test_is_mean_off_and_the_centre_patch():
    x = images(size=40)
    pre = Preprocess.fit(x, 32)
    torch.testing.assert_close(pre.test(x), (x - mean_image(x))[..., 4:36, 4:36], rtol=0, atol=0)
    assert pre.eigvals is not None and Preprocess.fit(x, 32, lighting=False).eigvals is None


def test_without_augment_training_batches_are_test_batches():
    x = images(size=36)
    pre = Preprocess(32, augment=False)
    torch.testing.assert_close(pre.train(x), pre.test(x), rtol=0, atol=0)
    torch.testing.assert_close(pre.test(x), x[..., 2:34, 2:34], rtol=0, atol=0)


def test_to_moves_copies_and_keeps_the_settings():
    pre = Preprocess.fit(images(), 32, pad=4, std=0.2)
    moved = pre.to("cpu")
    assert moved is not pre and (moved.crop_size, moved.pad, moved.std) == (32, 4, 0.2)
    assert torch.equal(moved.mean, pre.mean) and torch.equal(moved.eigvecs, pre.eigvecs)


def test_a_random_training_batch_differs_from_the_test_batch():
    x = images(size=40)
    pre = Preprocess.fit(x, 32)
    assert not torch.equal(pre.train(x), pre.test(x))
