"""The one-pass crop + flip (+ conversion + lighting shift) behind ``alexnet_core.augment`` (§4.1).

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012, §4.1: random 224×224 patches, their horizontal reflections and a per-image RGB shift.
Two ways to compute them without an intermediate batch, chosen by ``augment``:

* :func:`fused_crops`, the CPU path: one strided ``torch.add(…, out=…)`` per image into a
  preallocated batch, also straight from uint8 storage (``alexnet_core.prepared``);
* :func:`crop_flip_gather`, the accelerator (and autograd) path: one index gather, no Python loop.

Both take the random parameters already drawn (``augment.sample_crop_flip``); nothing is drawn here.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

import torch
from torch import Tensor

if TYPE_CHECKING:
    from alexnet_core.augment import CropFlipParams

__all__ = ["fused_crops", "crop_flip_gather"]


def fused_crops(
    source: Tensor,
    params: CropFlipParams,
    shifts: Tensor | None,
    *,
    rows: list[int] | None = None,
    scale: float | None = None,
    offset: Tensor | None = None,
) -> Tensor:
    """Return ``flip?(source[rows[i]][:, window_i] · scale + offset[:, window_i]) + shifts[i]``: (N, C, c, c).

    A missing ``scale``, ``offset`` (C, H, W) or ``shifts`` (N, C) is left out. ``source`` (M, C, H, W)
    is float, or uint8 storage (memory-mapped, see ``alexnet_core.prepared``) converted to float32 on
    the way. Crop, conversion and lighting shift happen in one ``torch.add(…, out=…)`` per image into a
    preallocated batch; an ``offset`` (a negated mean image, §2) adds a second pass. A mirrored window
    costs one extra copy (torch has no negative strides), made on uint8 before the conversion when the
    source is uint8 (4× fewer bytes). The loop runs on one thread (see :func:`_one_thread`); an earlier
    version that split the images between Python threads and the windows into sub-grain row bands
    was 2–4× slower.
    """
    n, channels, c = len(params), source.shape[1], params.crop_size
    dtype = source.dtype if source.is_floating_point() else torch.float32
    out = torch.empty(
        (n, channels, c, c), dtype=dtype, device=source.device
    )  # (N, C, c, c)
    biases = (
        [None] * n if shifts is None else shifts.to(dtype)[:, :, None, None].unbind(0)
    )  # (C, 1, 1) each
    sources = source.unbind(0) if rows is None else [source[r] for r in rows]
    jobs = zip(
        params.tops.tolist(),
        params.lefts.tolist(),
        params.flips.tolist(),
        sources,
        out.unbind(0),
        biases,
    )
    with _one_thread():
        for top, left, flip, image, target, bias in jobs:
            _crop_into(target, image, top, left, flip, bias, scale, offset)
    return out


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run the block on one OpenMP thread, then restore the count.

    Each per-image op is small (C·c² elements). On two threads every op ends in an OpenMP
    barrier, and with a busy neighbour process a barrier waits for a descheduled thread
    (measured on 2 cores at load 4-5: 10-50x slower); one thread moves a window at about 0.8
    of the two-thread rate when idle. set_num_threads sets this thread's OpenMP count only
    (running threads keep theirs) and costs well under a microsecond.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _crop_into(
    target: Tensor,
    image: Tensor,
    top: int,
    left: int,
    flip: bool,
    bias: Tensor | None,
    scale: float | None,
    offset: Tensor | None,
) -> None:
    """Write one image's window (flipped?, scaled?, offset?, shifted?) into ``target`` (C, c, c)."""
    c = target.shape[-1]
    window = image[:, top : top + c, left : left + c]  # (C, c, c) view, no copy
    if flip:
        window = window.flip(-1)
    if offset is not None:
        piece = offset[:, top : top + c, left : left + c]
        torch.add(
            piece.flip(-1) if flip else piece,
            window,
            alpha=1.0 if scale is None else scale,
            out=target,
        )
        if bias is not None:
            target.add_(bias)
    elif bias is None:
        if scale is None:
            target.copy_(window)
        else:
            torch.mul(window, scale, out=target)
    elif scale is None:
        torch.add(window, bias, out=target)  # crop, (flip,) lighting: one pass
    else:
        # crop, (flip,) convert, lighting: one pass
        torch.add(bias, window, alpha=scale, out=target)


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
