"""Training and test batches read from prepared uint8 storage, one fused pass per image (§2, §4.1).

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012. §4.1 trains on random 224×224 patches of the stored 256×256 images, their reflections
and a fancy-PCA colour shift; §2 subtracts the mean image. :class:`PreparedBatches` makes a batch of
all of it in one pass per image straight from the memory-mapped uint8 storage
(:class:`~alexnet_core.prepared_storage.PreparedImages`), using ``alexnet_core.fused_crops``'s loop,
or takes the centre crop at test time. Seeded by a ``torch.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import torch
from torch import Tensor

from ._checks import check_int, check_positive_float
from .augment import sample_crop_flip
from .fused_crops import fused_crops
from .lighting import lighting_shift, sample_lighting
from .prepared_storage import PreparedImages

__all__ = ["PreparedBatches"]


@dataclass(eq=False)  # eq=False: tensor fields have no single truth value
class PreparedBatches:
    """Iterable of (images (B, 3, crop, crop) float32, labels (B,) int64) from prepared storage (§2, §4.1).

    Training (``train=True``): each epoch shuffles, then every batch is made in one pass per image
    straight from the uint8 storage: a random crop, a flip with probability 1/2, uint8→float ÷ 255,
    minus ``mean`` (a per-pixel mean image (3, S, S) or per-channel (3,), §2), plus fancy-PCA lighting
    if ``eigvals``/``eigvecs`` are given (§4.1). Test (``train=False``): the centre crop, in order.
    With the same ``generator`` state the batch equals ``augment_batch(subtract_mean(x / 255, mean),
    …)`` on the same images: draws are the permutation, then per batch the crops and flips, then the
    lighting.
    """

    data: PreparedImages
    batch_size: int = 128
    train: bool = True
    crop_size: int = 224
    mean: Tensor | None = None
    eigvals: Tensor | None = None
    eigvecs: Tensor | None = None
    std: float = 0.1
    drop_last: bool = False
    generator: torch.Generator | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.data, PreparedImages):
            raise TypeError(
                f"data must be a PreparedImages, got {type(self.data).__name__}"
            )
        check_int(self.batch_size, "batch_size")
        check_int(self.crop_size, "crop_size", maximum=self.data.size)
        check_positive_float(self.std, "std", allow_zero=True)
        if (self.eigvals is None) != (self.eigvecs is None):
            raise ValueError(
                "eigvals and eigvecs must be given together (from PreparedImages.statistics), got only one"
            )
        size = self.data.size
        if self.mean is not None:
            if not isinstance(self.mean, Tensor) or not self.mean.is_floating_point():
                raise TypeError(
                    f"mean must be a float tensor of shape (3,) or (3, {size}, {size}), got {self.mean!r}"
                )
            if tuple(self.mean.shape) not in ((3,), (3, size, size)):
                raise ValueError(
                    f"mean must have shape (3,) or (3, {size}, {size}), got {tuple(self.mean.shape)}"
                )
        if self.generator is None:
            self.generator = torch.Generator().manual_seed(0)
        self._offsets: tuple = (None, None, None)  # (key, −mean, −mean mirrored)

    def __len__(self) -> int:
        full, rest = divmod(len(self.data), self.batch_size)
        return full + (rest > 0 and not self.drop_last)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        n = len(self.data)
        order = (
            torch.randperm(n, generator=self.generator)
            if self.train
            else torch.arange(n)
        )
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            rows = order[start : start + self.batch_size]
            yield self.batch(rows), self.data.labels[rows]

    def batch(self, rows: Tensor) -> Tensor:
        """Return the float batch (B, 3, crop, crop) of the stored images ``rows`` (training or test pass)."""
        channel_mean = (
            self.mean if self.mean is not None and self.mean.ndim == 1 else None
        )
        pixel_mean = (
            self.mean if self.mean is not None and self.mean.ndim == 3 else None
        )
        if not self.train:
            return self._centre(self.data.images[rows], channel_mean, pixel_mean)
        params = sample_crop_flip(
            len(rows), self.data.size, self.crop_size, generator=self.generator
        )
        shifts = None
        if self.eigvals is not None:
            alphas = sample_lighting(
                len(rows), self.eigvals, self.std, generator=self.generator
            )
            shifts = lighting_shift(
                alphas, self.eigvals, self.eigvecs
            ).float()  # (B, 3)
        if (
            channel_mean is not None
        ):  # a per-channel mean folds into the per-image shift
            shifts = (
                -channel_mean.expand(len(rows), 3)
                if shifts is None
                else shifts - channel_mean
            )
        offset, mirrored = self._mean_offsets(pixel_mean)
        return fused_crops(
            self.data.images,
            params,
            shifts,
            rows=rows.tolist(),
            scale=1 / 255,
            offset=offset,
            mirrored=mirrored,
        )

    def _mean_offsets(self, pixel_mean: Tensor | None) -> tuple:
        """Return (−mean, −mean mirrored) of a mean image, made once per mean, not per batch.

        Kept until ``mean`` is replaced or changed in place (torch's version counter).
        """
        if pixel_mean is None:
            return None, None
        key = (id(pixel_mean), pixel_mean._version)
        if self._offsets[0] != key:
            self._offsets = (key, -pixel_mean, -pixel_mean.flip(-1))
        return self._offsets[1:]

    def _centre(
        self, images: Tensor, channel_mean: Tensor | None, pixel_mean: Tensor | None
    ) -> Tensor:
        top = (
            self.data.size - self.crop_size
        ) // 2  # the §4.1 centre patch, as in ten_crop
        window = slice(top, top + self.crop_size)
        out = images[:, :, window, window].float().div_(255)  # (B, 3, c, c)
        if pixel_mean is not None:
            out.sub_(pixel_mean[:, window, window])
        if channel_mean is not None:
            out.sub_(channel_mean[:, None, None])
        return out
