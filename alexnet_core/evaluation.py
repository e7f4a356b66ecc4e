"""Running a classifier over data without training it: the one evaluation loop.

:func:`predictions` is the loop every evaluation in the package uses (``evaluate`` here, the
top-k errors of :mod:`alexnet_core.lab.results`, the ten-crop errors of
:mod:`alexnet_core.lab.crop_test`, the test pass of ``train``): batches to the device, an optional
transform, the model in eval mode under ``no_grad``, and every submodule's own train/eval flag
given back afterwards. :func:`as_loader` turns a Dataset into a DataLoader the same way for all.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterable, Iterator

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, IterableDataset

from ._checks import check_int
from .runtime import eval_mode, pick_device

__all__ = [
    "Augment",
    "as_loader",
    "to_device",
    "model_device",
    "predictions",
    "evaluate",
]

Augment = Callable[[torch.Tensor], torch.Tensor]  # (N, C, H, W) on device -> same


def check_module(model: object) -> nn.Module:
    """Return ``model`` after checking it is an ``nn.Module``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


def check_callable(value: object, name: str) -> None:
    """Return None after checking ``value`` is callable or None."""
    if value is not None and not callable(value):
        raise TypeError(f"{name} must be callable or None, got {value!r}")


def as_loader(
    data: object,
    name: str,
    *,
    batch_size: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    device: torch.device | None = None,
    num_workers: int = 0,
) -> DataLoader:
    """Return ``data`` itself if it is a DataLoader, else a DataLoader over the Dataset.

    A batch iterable that is not a Dataset but has ``batch_size``, ``__iter__`` and
    ``__len__`` (:class:`~alexnet_core.prepared_batches.PreparedBatches`) is used as given too.
    """
    if isinstance(data, DataLoader) or (
        not isinstance(data, Dataset)
        and all(hasattr(data, name) for name in ("batch_size", "__iter__", "__len__"))
    ):
        return data
    if not isinstance(data, Dataset):
        raise TypeError(
            f"{name} must be a torch Dataset or DataLoader of (image, label) pairs "
            f"(e.g. TensorDataset(images, labels)) or a batch iterable with batch_size "
            f"(PreparedBatches), got {type(data).__name__}"
        )
    if isinstance(data, IterableDataset):
        shuffle = False
    elif hasattr(data, "__len__") and len(data) == 0:
        raise ValueError(f"{name} must not be empty, got a dataset of length 0")
    return DataLoader(
        data,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=generator if shuffle else None,
        num_workers=num_workers,
        pin_memory=device is not None and device.type == "cuda",
    )


def to_device(batch: object, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (images, labels as int64) of an (images, labels) batch, on ``device``."""
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise TypeError(
            f"each batch must be an (images, labels) pair, got {type(batch).__name__}"
        )
    non_blocking = device.type == "cuda"
    images = batch[0].to(device, non_blocking=non_blocking)
    labels = torch.as_tensor(batch[1]).to(device, non_blocking=non_blocking).long()
    return images, labels


def autocast(device: torch.device, dtype: torch.dtype | None):
    """Return an autocast context for ``dtype`` on ``device`` (a no-op for None)."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def model_device(model: nn.Module) -> torch.device:
    """Return the device of the model's first parameter or buffer (CPU if it has none)."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def predictions(
    model: nn.Module,
    batches: Iterable,
    device: torch.device,
    *,
    augment: Augment | None = None,
    forward: Callable[[torch.Tensor], torch.Tensor] | None = None,
    amp_dtype: torch.dtype | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield (logits, labels) per batch, the model in eval mode under no_grad.

    ``augment`` transforms each batch of images on the device first; ``forward`` (default:
    the model) computes the logits, e.g. ``torch.compile(model)``.
    """
    forward = model if forward is None else forward
    with eval_mode(model), torch.no_grad():
        for batch in batches:
            images, labels = to_device(batch, device)
            if augment is not None:
                images = augment(images)
            with autocast(device, amp_dtype):
                logits = forward(images)  # (N, classes)
            yield logits, labels


def loss_and_error(
    outputs: Iterable[tuple[torch.Tensor, torch.Tensor]], device: torch.device
) -> tuple[float, float]:
    """Return (mean cross-entropy, top-1 error) over (logits, labels) pairs."""
    loss_sum = torch.zeros((), device=device)  # on the device: no host sync per batch
    wrong = torch.zeros((), dtype=torch.int64, device=device)
    count = 0
    for logits, labels in outputs:
        loss_sum += F.cross_entropy(logits.float(), labels, reduction="sum")
        wrong += (logits.argmax(dim=1) != labels).sum()
        count += labels.shape[0]
    if count == 0:
        raise ValueError("data yielded no batches")
    return loss_sum.item() / count, wrong.item() / count


def evaluate(
    model: nn.Module,
    data: Dataset | DataLoader,
    *,
    device: str | torch.device | None = None,
    batch_size: int = 256,
    augment: Augment | None = None,
) -> tuple[float, float]:
    """Return (mean cross-entropy loss, top-1 error rate) of ``model`` on ``data``.

    The model runs in eval mode under no_grad. ``device`` None means where the model's
    parameters are; otherwise the model is moved there. ``augment(images) -> images`` is
    applied to each batch on the device (e.g. a centre crop). Each submodule's train/eval
    flag is restored afterwards.
    """
    check_module(model)
    check_int(batch_size, "batch_size")
    check_callable(augment, "augment")
    device = model_device(model) if device is None else pick_device(device)
    model.to(device)
    loader = as_loader(data, "data", batch_size=batch_size, device=device)
    return loss_and_error(predictions(model, loader, device, augment=augment), device)
