"""A compiled one-pass crop + flip + conversion + mean + lighting kernel for the CPU (optional numba).

FFCV compiles its per-image transforms with numba for the same reason: a torch op per image per
step (``fused_crops``'s loop) pays a dispatch and a pass over the window for each of conversion,
mean and shift, and torch has no negative strides for the flip. Here each output row is written
once, ``off[x] + float32(src[x]) · scale + shift``, and reversed in place while it is still in
the L1 cache when the image is mirrored. The kernel releases the GIL, and the images of a batch
are split between ``torch.get_num_threads()`` Python threads (a pool made once per process, so a
forked DataLoader worker makes its own). Not numba's ``prange``: its OpenMP layer terminates any
child forked after it ran (GNU OpenMP is not fork-safe), and DataLoader workers are forked.

``fused_crops`` uses it for uint8 storage only (``alexnet_core.prepared``: conversion, mean image
and lighting in one pass; the loader bench: about twice the images per second of the torch loop).
For float batches the torch loop is one op per image already, and on 2 cores a second set of
threads beside torch's OpenMP pool cost more than it saved when the two alternate every
millisecond, as in ``augment_batch`` followed by a torch op. Without numba (``pip install
numba``) :data:`AVAILABLE` is False and ``fused_crops`` keeps its torch loop.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from torch import Tensor

__all__ = ["AVAILABLE", "crops", "usable"]

AVAILABLE = importlib.util.find_spec("numba") is not None  # imported on first use (0.5 s)
_pool: tuple[int, int, ThreadPoolExecutor] | None = None  # (pid, threads, pool)


def _jit(function=None, **options):
    import numba

    jit = numba.njit(nogil=True, cache=True, error_model="numpy", **options)
    return jit if function is None else jit(function)


@functools.cache
def _rows():
    """Return the compiled row writers: with a mean offset, without, and the in-place mirror."""

    @_jit(inline="always")  # numba inlines it into the kernel's loop
    def row(src, off, out, scale, shift):
        for x in range(out.shape[0]):
            out[x] = off[x] + np.float32(src[x]) * scale + shift

    @_jit(inline="always")
    def plain(src, out, scale, shift):
        for x in range(out.shape[0]):
            out[x] = np.float32(src[x]) * scale + shift

    @_jit(inline="always")
    def mirror(out):  # the row is in L1 just after it was written; reversing it there is cheap
        last = np.uint64(out.shape[0] - 1)  # unsigned: no negative-index check, so it vectorises
        for x in range(out.shape[0] // 2):
            y = last - np.uint64(x)
            out[x], out[y] = out[y], out[x]

    return row, plain, mirror


@functools.cache
def _kernel():
    """Return the compiled batch kernel (numba compiles it once, then loads it from its cache)."""
    row, plain, mirror = _rows()

    @_jit
    def images(source, rows, tops, lefts, flips, scale, offset, shifts, out, start, stop):
        c = out.shape[2]
        has_offset = offset.shape[1] > 0
        for i in range(start, stop):
            top, left = tops[i], lefts[i]
            for ch in range(out.shape[1]):
                shift = shifts[i, ch]
                for y in range(c):
                    src = source[rows[i], ch, top + y, left : left + c]
                    target = out[i, ch, y]
                    if has_offset:
                        row(src, offset[ch, top + y, left : left + c], target, scale, shift)
                    else:
                        plain(src, target, scale, shift)
                    if flips[i]:
                        mirror(target)

    return images


def usable(source: Tensor, offset: Tensor | None, shifts: Tensor | None = None) -> bool:
    """Return whether ``fused_crops`` hands ``source`` to :func:`crops`: uint8 storage on the CPU.

    :func:`crops` itself also takes float32 images (the tests check both against the torch loop).
    """
    tensors = [source] if offset is None else [source, offset]
    return (
        AVAILABLE
        and source.dtype == torch.uint8
        and (offset is None or offset.dtype == torch.float32)
        and (shifts is None or shifts.device.type == "cpu")
        and all(
            t.device.type == "cpu" and t.is_contiguous() and not t.requires_grad
            for t in tensors
        )
    )


def crops(
    source: Tensor, rows: list[int], params, shifts: Tensor | None,
    scale: float, offset: Tensor | None,
) -> Tensor:  # fmt: skip
    """Return ``flip?(source[rows[i]][:, window_i] · scale + offset[:, window_i]) + shifts[i]``."""
    n, channels, c = len(params), source.shape[1], params.crop_size
    out = torch.empty((n, channels, c, c), dtype=torch.float32)
    if n == 0:
        return out
    args = (
        source.numpy(),
        np.asarray(rows, dtype=np.int64),
        params.tops.numpy().astype(np.int64),
        params.lefts.numpy().astype(np.int64),
        params.flips.numpy().astype(np.bool_),
        np.float32(scale),
        np.zeros((channels, 0, 0), np.float32) if offset is None else offset.numpy(),
        np.zeros((n, channels), np.float32)
        if shifts is None
        else shifts.detach().to(torch.float32).contiguous().numpy(),
        out.numpy(),
    )
    threads = min(torch.get_num_threads(), n)
    if threads == 1:
        _kernel()(*args, 0, n)
        return out
    bounds = [n * k // threads for k in range(threads + 1)]
    jobs = [
        _executor(threads).submit(_kernel(), *args, start, stop)
        for start, stop in zip(bounds, bounds[1:])
    ]
    for job in jobs:
        job.result()
    return out


def _executor(threads: int) -> ThreadPoolExecutor:
    """Return this process's pool of ``threads`` threads (a forked child makes its own)."""
    global _pool
    if _pool is None or _pool[:2] != (os.getpid(), threads):
        _pool = (os.getpid(), threads, ThreadPoolExecutor(threads))
    return _pool[2]
