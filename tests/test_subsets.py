"""Tests for alexnet_core.subsets: a few classes of a labelled image set, mean image subtracted (§2).

References: the selection recomputed by hand from the labels, and the mean image recomputed from
the selected training images.
"""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import TensorDataset

from alexnet_core.data import OfflineShapes
from alexnet_core.subsets import small_task


def labelled(n, seed):
    generator = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.rand(n, 3, 4, 4, generator=generator), torch.arange(n) % 5)


def test_classes_are_selected_renumbered_and_centred_with_the_training_mean():
    train, test = labelled(50, 0), labelled(20, 1)
    train_set, test_set = small_task(train, test, [3, 1], train_per_class=4, test_per_class=2)
    images, labels = train_set.tensors
    rows = torch.tensor([1, 3, 6, 8, 11, 13, 16, 18])  # first four of class 1 and of class 3, in order
    expected = train.tensors[0][rows]
    mean = expected.mean(dim=0)
    torch.testing.assert_close(images, expected - mean)
    assert labels.tolist() == [1, 0, 1, 0, 1, 0, 1, 0]  # class 3 -> 0, class 1 -> 1
    test_rows = torch.tensor([1, 3, 6, 8])
    torch.testing.assert_close(test_set.tensors[0], test.tensors[0][test_rows] - mean)
    assert test_set.tensors[1].tolist() == [1, 0, 1, 0]


def test_without_mean_subtraction_and_without_limits_keeps_everything_of_those_classes():
    train, test = labelled(30, 2), labelled(10, 3)
    train_set, test_set = small_task(train, test, [0, 4], subtract_mean=False)
    assert len(train_set) == 12 and len(test_set) == 4
    torch.testing.assert_close(train_set.tensors[0], train.tensors[0][train.tensors[1] % 4 == 0])


def test_offline_shapes_and_the_originals_are_untouched():
    train, test = OfflineShapes(60, seed=0), OfflineShapes(40, seed=0, split="test")
    before = train.images.clone()
    train_set, test_set = small_task(train, test, [5, 6, 7, 8], train_per_class=3, test_per_class=2)
    assert len(train_set) == 12 and len(test_set) == 8
    assert sorted(train_set.tensors[1].tolist()) == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert torch.equal(train.images, before)
    assert abs(float(train_set.tensors[0].mean())) < 1e-6


class ListDataset(torch.utils.data.Dataset):
    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    def __getitem__(self, index):
        return self.base[index]


def test_a_generic_dataset_is_read_item_by_item():
    train, test = labelled(20, 4), labelled(10, 5)
    a = small_task(ListDataset(train), ListDataset(test), [2])
    b = small_task(train, test, [2])
    torch.testing.assert_close(a[0].tensors[0], b[0].tensors[0])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: small_task(labelled(10, 0), labelled(10, 1), []), ValueError, "classes must list at least one"),
        (lambda: small_task(labelled(10, 0), labelled(10, 1), [1, 1]), ValueError, "each once"),
        (lambda: small_task(labelled(10, 0), labelled(10, 1), [-1]), ValueError, r"classes\[i\] must be >= 0"),
        (lambda: small_task(labelled(10, 0), labelled(10, 1), [1], train_per_class=3), ValueError, "only 2 images of class 1"),
        (lambda: small_task(labelled(10, 0), labelled(10, 1), [1], test_per_class=0), ValueError, "test_per_class must be a positive int"),
        (lambda: small_task([1, 2], labelled(10, 1), [1]), TypeError, r"train_data must yield \(image, label\) pairs, got an item of type int"),
        (lambda: small_task(labelled(10, 0), labelled(10, 1), [1], subtract_mean=1), TypeError, "subtract_mean must be True or False"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
