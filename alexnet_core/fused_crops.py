"""The one-pass crop + flip (+ conversion + lighting shift) behind ``alexnet_core.augment`` (§4.1).

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012, §4.1: random 224×224 patches, their horizontal reflections and a per-image RGB shift.
Two ways to compute them without an intermediate batch, chosen by ``augment``:

* :func:`fused_crops`, the CPU path: one strided ``torch.add(…, out=…)`` per image into a
  preallocated batch, also straight from uint8 storage (``alexnet_core.prepared``);
* :func:`crop_flip_gather`, the accelerator (and autograd) path: one index gather, no Python loop.

Measured on 2 cores (12 interleaved epochs of the loader bench's 400 stored images, mean image and
lighting): median 13.1k images/s with the uint8 window converted by ``copy_`` and the rest done in
float, 11.6k with one ``torch.add`` mixing uint8 and float per image.

The per-image ops run on torch's thread count, like every other op. They were pinned to one
thread until 2026-12-04, after a busy neighbour process had made each op's OpenMP barrier wait
for a descheduled thread (10-50× slower at load 4-5 on 2 cores), and because on an AMD EPYC one
thread moved a window at about 0.8 of the two-thread rate. On a 2-core Intel Xeon one thread is
about half as fast (the loader bench: 7.7k against 14.8k images/s idle), so the pin now costs
more than it saves: on a machine shared with busy processes, call ``torch.set_num_threads(1)``
as for any small-op torch work. Splitting the images between two Python threads of one OpenMP
thread each matched a plain copy in isolation on the EPYC, but lost right after any two-thread op
(whose idle OpenMP worker keeps spinning for a while); on the Xeon it gained little (2.0 against
2.3 ms per batch of 32).

With numba installed (``requirements.txt`` pins it; Colab ships it), :func:`fused_crops` hands
uint8 storage (``alexnet_core.prepared``) to ``alexnet_core._crop_kernel``, which writes each
output row in one compiled pass; the loader bench on 2 cores (``--only loader``): 21-24×
torchvision's ImageFolder against 14× with this loop. Float batches stay on the loop below (one
op per image already), which is also the kernel's fallback and the reference it is tested
against.

Both take the random parameters already drawn (``augment.sample_crop_flip``); nothing is drawn here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor

from . import _crop_kernel

if TYPE_CHECKING:
    from alexnet_core.augment import CropFlipParams

__all__ = ["crop_flip_gather", "fused_crops"]


def fused_crops(
    source: Tensor,
    params: CropFlipParams,
    shifts: Tensor | None,
    *,
    rows: list[int] | None = None,
    scale: float | None = None,
    offset: Tensor | None = None,
    mirrored: Tensor | None = None,
) -> Tensor:
    """Return ``flip?(source[rows[i]][:, window_i] · scale + offset[:, window_i]) + shifts[i]``: (N, C, c, c).

    A missing ``scale``, ``offset`` (C, H, W) or ``shifts`` (N, C) is left out. ``source`` (M, C, H, W)
    is float, or uint8 storage (memory-mapped, see ``alexnet_core.prepared``) converted to float32 on
    the way. Each image's window goes into a preallocated batch (on torch's thread count): from
    float storage in one ``torch.add(…, out=…)`` (crop, flip, lighting); from uint8 as a ``copy_``
    (the conversion) and, with an ``offset`` (a negated mean image, §2), an in-place add of its
    window. The rest (the scale, the lighting shift) is applied to the same image right after, while
    its window is still in the cache: one pass over the whole batch at the end cost more (loader
    bench on 2 cores: 7-15% fewer images/s). A mirrored window costs one extra
    copy (torch has no negative strides), made on uint8 before the conversion (4× fewer bytes).
    ``mirrored`` is ``offset.flip(-1)`` if the caller keeps one (made here otherwise).
    """
    if _crop_kernel.usable(source, offset, shifts):
        rows = list(range(len(params))) if rows is None else rows
        scale = 1.0 if scale is None else scale
        return _crop_kernel.crops(source, rows, params, shifts, scale, offset)
    n, channels, c = len(params), source.shape[1], params.crop_size
    floating = source.is_floating_point()
    dtype = source.dtype if floating else torch.float32
    out = torch.empty(
        (n, channels, c, c), dtype=dtype, device=source.device
    )  # (N, C, c, c)
    biases = (
        [None] * n if shifts is None else shifts.to(dtype)[:, :, None, None].unbind(0)
    )
    sources = source.unbind(0) if rows is None else [source[r] for r in rows]
    if offset is not None and mirrored is None:
        mirrored = offset.flip(-1)  # (C, H, W)
    jobs = zip(
        params.tops.tolist(),
        params.lefts.tolist(),
        params.flips.tolist(),
        sources,
        out.unbind(0),
        biases,
    )
    for top, left, flip, image, target, bias in jobs:
        _crop_into(target, image, top, left, flip, bias, scale, offset, mirrored)
    return out


def _crop_into(
    target: Tensor,
    image: Tensor,
    top: int,
    left: int,
    flip: bool,
    bias: Tensor | None,
    scale: float | None,
    offset: Tensor | None,
    mirrored: Tensor | None,
) -> None:
    """Write one image's window (flipped?, + ``offset``'s window?) · ``scale`` + ``bias`` into ``target``.

    From float storage without an offset that is one pass. From uint8 the window is converted by ``copy_``
    and the offset added in place in float: an op with a uint8 and a float input takes a slow
    casting loop (on 1 thread, one 224 window: ``copy_`` 15 µs + in-place float add 20 µs, against
    42 µs for the same add with the uint8 window as its input). ``mirrored`` is
    ``offset.flip(-1)``, so a mirrored window's offset is a slice of it, not a flipped copy.
    """
    c = target.shape[-1]
    window = image[:, top : top + c, left : left + c]  # (C, c, c) view, no copy
    if flip:
        window = window.flip(-1)
    if not image.is_floating_point():
        target.copy_(window)  # uint8 -> float; the rest is done to it in place
        window = target
    alpha = 1.0 if scale is None else scale
    if offset is not None:
        if flip:
            right = offset.shape[-1] - left
            piece = mirrored[:, top : top + c, right - c : right]
        else:
            piece = offset[:, top : top + c, left : left + c]
        torch.add(piece, window, alpha=alpha, out=target)
        if bias is not None:
            target.add_(bias)  # the window was just written: still in the cache
    elif bias is not None:
        torch.add(bias, window, alpha=alpha, out=target)  # float storage: one pass
    elif scale is not None:
        torch.mul(window, scale, out=target)
    elif window is not target:
        target.copy_(window)


def crop_flip_gather(
    images: Tensor, params: CropFlipParams, shifts: Tensor | None
) -> Tensor:
    """Return the crops (N, C, c, c) by one gather with per-image pixel indices, no Python loop."""
    n, channels, height, width = images.shape
    c, device = params.crop_size, images.device
    steps = torch.arange(c, device=device)
    tops, lefts, flips = (
        p.to(device) for p in (params.tops, params.lefts, params.flips)
    )
    rows = tops[:, None] + steps  # (N, c)
    cols = lefts[:, None] + torch.where(flips[:, None], c - 1 - steps, steps)  # (N, c)
    index = (
        (rows[:, :, None] * width + cols[:, None, :])
        .view(n, 1, c * c)
        .expand(n, channels, c * c)
    )
    out = (
        images.reshape(n, channels, height * width)
        .gather(2, index)
        .view(n, channels, c, c)
    )
    return out if shifts is None else out.add_(shifts[:, :, None, None])
