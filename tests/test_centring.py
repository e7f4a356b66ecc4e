"""Tests for alexnet_core.centring (§2's mean subtraction for a whole dataset)."""

import pytest
import torch
from torch.utils.data import TensorDataset

import alexnet_core as anc
from alexnet_core import centring


class Pairs(torch.utils.data.Dataset):
    """A dataset without .images / .labels, like torchvision's CIFAR10."""

    def __init__(self, images, labels):
        self.items = list(zip(images, labels.tolist()))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def test_centred_subtracts_the_training_mean_image():
    train, test = anc.quick_data(40, 10)
    centred_train, mean = centring.centred(train)
    torch.testing.assert_close(mean, train.images.mean(dim=0))
    images, labels = centred_train.tensors
    torch.testing.assert_close(images, train.images - mean)
    assert torch.equal(labels, train.labels)
    torch.testing.assert_close(images.mean(dim=0), torch.zeros_like(mean), atol=1e-6, rtol=0)
    centred_test, same = centring.centred(test, mean)
    assert same is mean
    torch.testing.assert_close(centred_test.tensors[0], test.images - mean)


def test_datasets_without_tensors_are_read_item_by_item():
    images, labels = torch.rand(6, 3, 4, 4), torch.arange(6)
    read_images, read_labels = centring.as_tensors(Pairs(images, labels))
    assert torch.equal(read_images, images) and torch.equal(read_labels, labels)
    centred_set, mean = centring.centred(Pairs(images, labels))
    assert isinstance(centred_set, TensorDataset)
    torch.testing.assert_close(mean, images.mean(dim=0))


def test_errors():
    with pytest.raises(ValueError, match="empty"):
        centring.as_tensors(Pairs(torch.rand(0, 3, 4, 4), torch.arange(0)))
    with pytest.raises(ValueError, match="mean"):
        centring.centred(Pairs(torch.rand(2, 3, 4, 4), torch.arange(2)), torch.zeros(3, 5, 5))
    with pytest.raises(TypeError, match="dataset"):
        centring.as_tensors(object())
