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
import collections
import math
from typing import Iterable, Iterator

import torch
from torch import Tensor

from ._checks import check_int, check_positive_float
from .augment import CropFlipParams, sample_crop_flip
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

    ``workers`` > 0 makes the batches in that many worker processes (a ``DataLoader`` kept from
    one epoch to the next, its batches in shared memory), while the draws stay in this process:
    the same batches as ``workers=0``, in the same order, on as many cores as there are workers.
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
    workers: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.data, PreparedImages):
            raise TypeError(
                f"data must be a PreparedImages, got {type(self.data).__name__}"
            )
        check_int(self.batch_size, "batch_size")
        check_int(self.crop_size, "crop_size", maximum=self.data.size)
        check_int(self.workers, "workers", minimum=0)
        self._loader = self._jobs = None  # the worker processes, started by the first epoch
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
        size = self.batch_size
        return self.batches_of(
            order[start : start + size] for start in range(0, len(self) * size, size)
        )

    def batches_of(self, rows: Iterable[Tensor]) -> Iterator[tuple[Tensor, Tensor]]:
        """Yield (images, labels) for each tensor of stored-image indices in ``rows``.

        The random draws are made here, in order, from ``generator``; with ``workers`` > 0 the
        batches are then made in that many worker processes (kept for the next epoch), so they
        are the same batches, in the same order, for any number of workers.
        """
        jobs = ((r, self._draw(r)) for r in rows)
        if self.workers == 0:
            for r, draws in jobs:
                yield self._make(r, draws), self.data.labels[r]
            return
        if self._loader is None:
            self._jobs = _Jobs()
            self._loader = torch.utils.data.DataLoader(
                _Maker(self), batch_size=None, sampler=self._jobs,
                num_workers=self.workers, persistent_workers=True,
                worker_init_fn=_worker_start,
            )  # fmt: skip
        self._jobs.source = jobs
        for images in self._loader:
            yield images, self.data.labels[self._jobs.sent.popleft()]

    def batch(self, rows: Tensor) -> Tensor:
        """Return the float batch (B, 3, crop, crop) of the stored images ``rows`` (training or test pass)."""
        return self._make(rows, self._draw(rows))

    def _draw(self, rows: Tensor) -> tuple[CropFlipParams, Tensor | None] | None:
        """Return the crops, flips and lighting shifts (B, 3) of one batch; None at test time."""
        if not self.train:
            return None
        params = sample_crop_flip(
            len(rows), self.data.size, self.crop_size, generator=self.generator
        )
        if self.eigvals is None:
            return params, None
        alphas = sample_lighting(len(rows), self.eigvals, self.std, generator=self.generator)
        return params, lighting_shift(alphas, self.eigvals, self.eigvecs).float()

    def _make(self, rows: Tensor, draws: tuple | None) -> Tensor:
        """Return the batch of ``rows`` with the crops, flips and shifts ``draws`` (None: test)."""
        channel_mean = (
            self.mean if self.mean is not None and self.mean.ndim == 1 else None
        )
        pixel_mean = (
            self.mean if self.mean is not None and self.mean.ndim == 3 else None
        )
        if draws is None:
            return self._centre(self.data.images[rows], channel_mean, pixel_mean)
        params, shifts = draws
        if channel_mean is not None:  # a per-channel mean folds into the per-image shift
            shifts = (
                -channel_mean.expand(len(rows), 3)
                if shifts is None
                else shifts - channel_mean
            )
        offset = None if pixel_mean is None else -pixel_mean
        c = self.crop_size
        return fused_crops(
            self.data.images,
            params,
            shifts,
            rows=rows.tolist(),
            scale=1 / 255,
            offset=offset,
            out=_empty((len(rows), 3, c, c)),
        )

    def _centre(
        self, images: Tensor, channel_mean: Tensor | None, pixel_mean: Tensor | None
    ) -> Tensor:
        top = (
            self.data.size - self.crop_size
        ) // 2  # the §4.1 centre patch, as in ten_crop
        window = slice(top, top + self.crop_size)
        out = _empty((len(images), 3, self.crop_size, self.crop_size))
        out.copy_(images[:, :, window, window]).div_(255)  # (B, 3, c, c)
        if pixel_mean is not None:
            out.sub_(pixel_mean[:, window, window])
        if channel_mean is not None:
            out.sub_(channel_mean[:, None, None])
        return out

    def __getstate__(self) -> dict:
        """Pickle without the worker loader (a worker gets the data, not the other workers)."""
        return {**self.__dict__, "_loader": None, "_jobs": None}


class _Jobs(torch.utils.data.Sampler):
    """The DataLoader's "sampler": hands this epoch's jobs to the workers as plain lists.

    A tensor sent to a worker would be moved into a shared-memory file of its own, which costs
    more than making the batch; the rows of every job sent wait in ``sent`` for their labels.
    """

    def __init__(self) -> None:
        self.source: Iterator = iter(())
        self.sent: collections.deque[Tensor] = collections.deque()

    def __iter__(self) -> Iterator[tuple]:
        for rows, draws in self.source:
            self.sent.append(rows)
            if draws is None:
                yield rows.tolist(), None, None
                continue
            params, shifts = draws
            windows = [params.tops.tolist(), params.lefts.tolist(), params.flips.tolist()]
            yield rows.tolist(), windows, None if shifts is None else shifts.tolist()


class _Maker(torch.utils.data.Dataset):
    """What a worker runs: one job of :class:`_Jobs` in, one batch of images out."""

    def __init__(self, batches: PreparedBatches) -> None:
        self.batches = batches

    def __getitem__(self, job: tuple) -> Tensor:
        rows, windows, shifts = job
        draws = None
        if windows is not None:
            tops, lefts, flips = (torch.tensor(w) for w in windows)
            params = CropFlipParams(tops, lefts, flips, self.batches.crop_size)
            draws = params, None if shifts is None else torch.tensor(shifts)
        return self.batches._make(torch.tensor(rows), draws)


def _worker_start(_: int) -> None:
    """Let a (forked) worker drop the copies it inherited of other loaders' handles quietly.

    A worker forked while another loader's workers run holds a copy of that loader's iterator;
    if it is collected here, its ``__del__`` would try to stop processes that are not this
    worker's children and print an AssertionError. torch skips that clean-up at interpreter
    exit (``python_exit_status``); a worker owns no workers of its own, so it may always skip it.
    """
    torch.utils.data._utils.python_exit_status = True


def _empty(shape: tuple[int, ...]) -> Tensor:
    """Return an uninitialised float32 batch; in a worker, in shared memory, so that it is not
    copied again on its way to the training process."""
    if torch.utils.data.get_worker_info() is None:
        return torch.empty(shape)
    storage = torch.UntypedStorage._new_shared(math.prod(shape) * 4)  # what default_collate does
    return torch.empty(0).set_(storage).view(shape)
