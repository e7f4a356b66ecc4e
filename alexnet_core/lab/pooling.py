"""Overlapping max-pooling (§3.4): where the pooling windows fall, and how big the pooled map is.

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012, §3.4: a pooling layer is "a grid of pooling units spaced s pixels apart, each
summarizing a neighborhood of size z × z centered at the location of the pooling unit". With
s = z it is the traditional local pooling; AlexNet uses s = 2, z = 3, so that neighbouring windows
share z − s = 1 row (or column). Compared with s = z = 2, "which produces output of equivalent
dimensions", this lowered top-1 / top-5 error by 0.4% / 0.3%, and nets with overlapping pooling
were "slightly more difficult to overfit".

Everything here is 1-D arithmetic on one side of a square map (pooling acts on rows and columns
alike) plus :func:`window_counts`, the 2-D picture of how often each input pixel is pooled. The
sizes follow ``torch.nn.MaxPool2d`` exactly, including ``ceil_mode``: the tests check them against it.
"""

from __future__ import annotations

import torch

from .._checks import check_int

__all__ = [
    "pool_output_size",
    "pool_windows",
    "window_overlap",
    "window_counts",
    "uncovered",
    "pooling_builder",
]


def _check(size: int, kernel: int, stride: int, padding: int = 0) -> None:
    check_int(size, "size")
    check_int(kernel, "kernel")
    check_int(stride, "stride")
    check_int(padding, "padding", minimum=0)
    if padding > kernel // 2:
        raise ValueError(
            f"padding must be at most kernel // 2 = {kernel // 2} (as in torch), got {padding}"
        )
    if kernel > size + 2 * padding:
        raise ValueError(
            f"kernel must fit in the padded map (size + 2·padding = {size + 2 * padding}), got {kernel}"
        )


def pool_output_size(
    size: int, kernel: int, stride: int, *, padding: int = 0, ceil_mode: bool = False
) -> int:
    """Return the side of the pooled map: ⌊(size + 2·padding − kernel) / stride⌋ + 1 (⌈…⌉ with ``ceil_mode``).

    With ``ceil_mode`` a last, partial window is kept only if it starts inside the map or its left
    padding (torch's rule). AlexNet (§3.4, Fig. 2): 55 → 27 → 13 → 6 for both z = 3, s = 2 and
    z = s = 2. On 32×32 inputs, z = 3, s = 2 gives 32 → 15 without ``ceil_mode`` and 32 → 16 with it.
    """
    _check(size, kernel, stride, padding)
    if not isinstance(ceil_mode, bool):
        raise TypeError(f"ceil_mode must be True or False, got {ceil_mode!r}")
    span = size + 2 * padding - kernel
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if (
        ceil_mode and (out - 1) * stride >= size + padding
    ):  # the last window would start in the right padding
        out -= 1
    return out


def pool_windows(
    size: int, kernel: int, stride: int, *, ceil_mode: bool = False
) -> list[tuple[int, int]]:
    """Return the input rows (start, stop) — stop exclusive, clipped to the map — of each pooling window along one side."""
    count = pool_output_size(size, kernel, stride, ceil_mode=ceil_mode)
    return [(i * stride, min(i * stride + kernel, size)) for i in range(count)]


def window_overlap(kernel: int, stride: int) -> int:
    """Return how many rows (columns) two neighbouring windows share: max(0, z − s); 1 for AlexNet's z = 3, s = 2."""
    check_int(kernel, "kernel")
    check_int(stride, "stride")
    return max(0, kernel - stride)


def window_counts(
    size: int, kernel: int, stride: int, *, ceil_mode: bool = False
) -> torch.Tensor:
    """Return a (size, size) int64 map: the number of pooling windows that contain each input pixel.

    0 means the pixel never reaches the pooled map; with z = 3, s = 2 the shared rows and columns
    count 2 and the pixels where they cross count 4.
    """
    windows = pool_windows(
        size, kernel, stride, ceil_mode=ceil_mode
    )  # validates the arguments first
    along = torch.zeros(size, dtype=torch.int64)
    for start, stop in windows:
        along[start:stop] += 1
    return (
        along[:, None] * along[None, :]
    )  # (size, size): windows are products of row and column ranges


def uncovered(size: int, kernel: int, stride: int, *, ceil_mode: bool = False) -> int:
    """Return how many rows (columns) at the end of the map no window reaches (e.g. 1 for 2×2/2 pooling of 55)."""
    windows = pool_windows(size, kernel, stride, ceil_mode=ceil_mode)
    return size - windows[-1][1]


def pooling_builder(variant: str, overlapping: bool):
    """Return a RecordingBuilder of a ReLU net with overlapping (3×3/2) or plain (2×2/2) pooling.

    ``variant`` is ``"cifar"`` (:func:`~alexnet_core.model.cifar_alexnet`, the full-scale run)
    or ``"fig1"`` (§3.1's small net, the quick run); every model it builds is gain-initialised
    for ReLUs (:func:`~alexnet_core.lab.init.gain_init_`) and kept in ``.models``.
    """
    from ..model import cifar_alexnet, fig1_net
    from .activations import RecordingBuilder
    from .init import gain_init_

    if variant not in ("cifar", "fig1"):
        raise ValueError(f"variant must be 'cifar' or 'fig1', got {variant!r}")
    if not isinstance(overlapping, bool):
        raise TypeError(f"overlapping must be True or False, got {overlapping!r}")

    def build():
        if variant == "cifar":
            return gain_init_(cifar_alexnet(overlapping_pool=overlapping), "relu")
        return gain_init_(fig1_net("relu", overlapping_pool=overlapping), "relu")

    return RecordingBuilder(build)
