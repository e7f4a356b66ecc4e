"""The paper's only preprocessing (§2), for a whole dataset: subtract the training set's mean image.

§2: "We did not pre-process the images in any other way, except for subtracting the mean activity
over the training set from each pixel." :func:`alexnet_core.augment.mean_image` and
:func:`~alexnet_core.augment.subtract_mean` do it for a tensor; :func:`centred` does it once for a
dataset of small images and returns an in-memory ``TensorDataset`` that ``train`` and
``experiments.compare`` / ``lr_sweep`` take as they are. Use the *training* set's mean for the test
set too (pass it as ``mean``).
"""

from __future__ import annotations

import torch
from torch.utils.data import Dataset, TensorDataset

from ._checks import check_tensor
from .augment import mean_image, subtract_mean

__all__ = ["as_tensors", "centred"]


def as_tensors(dataset: Dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (images (N, C, H, W) float32, labels (N,) int64) of a dataset of (image, label) pairs.

    Uses the ``images`` / ``labels`` tensors of :class:`~alexnet_core.data.OfflineShapes` directly;
    otherwise reads every item (fine for CIFAR-10's 50,000 32×32 images: 600 MB as float32).
    """
    images, labels = getattr(dataset, "images", None), getattr(dataset, "labels", None)
    if isinstance(images, torch.Tensor) and isinstance(labels, torch.Tensor):
        return images.float(), labels.long()
    try:
        size = len(dataset)
    except TypeError:
        raise TypeError(
            f"dataset must have a length and yield (image, label) pairs, got {type(dataset).__name__}"
        ) from None
    if size == 0:
        raise ValueError("dataset must hold at least one image, got an empty dataset")
    pairs = [dataset[i] for i in range(size)]
    images = torch.stack(
        [
            check_tensor(image, "dataset image", ndim=3, floating=True)
            for image, _ in pairs
        ]
    )
    return images, torch.tensor([int(label) for _, label in pairs], dtype=torch.int64)


def centred(
    dataset: Dataset, mean: torch.Tensor | None = None
) -> tuple[TensorDataset, torch.Tensor]:
    """Return (TensorDataset of (image − mean, label), mean): ``mean`` None means this dataset's mean image (§2)."""
    images, labels = as_tensors(dataset)
    if mean is None:
        mean = mean_image(images)  # (C, H, W)
    elif tuple(mean.shape) != tuple(images.shape[1:]):
        raise ValueError(
            f"mean must have the images' shape {tuple(images.shape[1:])}, got {tuple(mean.shape)}"
        )
    return TensorDataset(subtract_mean(images, mean), labels), mean
