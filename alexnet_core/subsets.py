"""Small, easy tasks carved out of a bigger labelled image set: a few classes, a few images per class.

Some chapters need a net that learns *something* within seconds on a CPU, or a training set small
enough to overfit. :func:`small_task` picks the requested classes (renumbered 0, 1, …), optionally a
fixed number of images per class, and subtracts the training images' mean image as §2 of the paper
does ("subtracting the mean activity over the training set from each pixel"), applying the same
mean to the test images.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch.utils.data import Dataset, TensorDataset

from ._checks import check_int

__all__ = ["small_task"]


def _as_tensors(dataset: Dataset, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (images (N, C, H, W), labels (N,)) of a dataset, without copying when it holds them already."""
    images, labels = getattr(dataset, "images", None), getattr(dataset, "labels", None)
    if isinstance(images, torch.Tensor) and isinstance(
        labels, torch.Tensor
    ):  # OfflineShapes (eager)
        return images, labels
    if isinstance(dataset, TensorDataset):
        return dataset.tensors[0], dataset.tensors[1]
    if not isinstance(dataset, Dataset) or not hasattr(dataset, "__len__"):
        raise TypeError(
            f"{name} must be a map-style torch Dataset of (image, label) pairs, got {type(dataset).__name__}"
        )
    pairs = [
        dataset[i] for i in range(len(dataset))
    ]  # e.g. torchvision's CIFAR10: decodes every image once
    return torch.stack([image for image, _ in pairs]), torch.tensor(
        [int(label) for _, label in pairs]
    )


def _select(
    labels: torch.Tensor, classes: list[int], per_class: int | None, name: str
) -> torch.Tensor:
    """Return the indices of the first ``per_class`` images of each class (all of them if None), in order."""
    chosen = []
    for label in classes:
        rows = (labels == label).nonzero().squeeze(1)
        if per_class is not None:
            if len(rows) < per_class:
                raise ValueError(
                    f"{name} has only {len(rows)} images of class {label}, fewer than per_class={per_class}"
                )
            rows = rows[:per_class]
        chosen.append(rows)
    return torch.cat(chosen).sort().values


def small_task(
    train_data: Dataset,
    test_data: Dataset,
    classes: Sequence[int],
    *,
    train_per_class: int | None = None,
    test_per_class: int | None = None,
    subtract_mean: bool = True,
) -> tuple[TensorDataset, TensorDataset]:
    """Return (train_set, test_set) holding only ``classes``, relabelled 0 … len(classes) − 1.

    ``train_per_class`` / ``test_per_class`` keep the first that many images of each class (None:
    all). With ``subtract_mean`` both sets have the mean image of the *selected training images*
    subtracted (§2). The images are copied into memory as float tensors (N, C, H, W).
    """
    classes = list(classes)
    if not classes or len(set(classes)) != len(classes):
        raise ValueError(
            f"classes must list at least one class label, each once, got {classes}"
        )
    for label in classes:
        check_int(label, "classes[i]", minimum=0)
    for value, name in (
        (train_per_class, "train_per_class"),
        (test_per_class, "test_per_class"),
    ):
        if value is not None:
            check_int(value, name)
    if not isinstance(subtract_mean, bool):
        raise TypeError(f"subtract_mean must be True or False, got {subtract_mean!r}")
    renumber = {label: index for index, label in enumerate(classes)}
    sets = []
    for data, per_class, name in (
        (train_data, train_per_class, "train_data"),
        (test_data, test_per_class, "test_data"),
    ):
        images, labels = _as_tensors(data, name)
        rows = _select(labels, classes, per_class, name)
        new_labels = torch.tensor(
            [renumber[int(label)] for label in labels[rows]], dtype=torch.int64
        )
        sets.append([images[rows].float().clone(), new_labels])
    if subtract_mean:
        mean = sets[0][0].mean(
            dim=0
        )  # (C, H, W): §2's mean image, from the training images only
        for pair in sets:
            pair[0] -= mean
    return TensorDataset(*sets[0]), TensorDataset(*sets[1])
