"""A compiled one-pass crop + flip + conversion + mean + lighting kernel for the CPU (optional numba).

FFCV compiles its per-image transforms with numba for the same reason: a torch op per image per
step (``fused_crops``'s loop) pays a dispatch and a pass over the window for each of conversion,
mean and shift, and torch has no negative strides for the flip. Here each output row is written
once, ``off[x] + float32(src[x]) · scale + shift``, and reversed in place while it is still in
the L1 cache when the image is mirrored. The images are shared between
``torch.get_num_threads()`` threads by numba's ``prange``; a process with one thread (a
DataLoader worker) or forked from the one that imported this module runs the serial kernel (GNU
OpenMP is not fork-safe). numba's threads start with ``OMP_WAIT_POLICY=PASSIVE`` unless a
policy is set, so that they do not spin on the cores torch's OpenMP threads need next.

``fused_crops`` uses it for uint8 storage only (``alexnet_core.prepared``: conversion, mean image
and lighting in one pass; the loader bench: about twice the images per second of the torch loop).
For float batches the torch loop is one op per image already, and on 2 cores a second thread pool
beside torch's cost more than it saved when the two alternate every millisecond, as in
``augment_batch`` followed by a torch op. Without numba (``pip install numba``) :data:`AVAILABLE` is False
and ``fused_crops`` keeps its torch loop.
"""

from __future__ import annotations

import functools
import importlib.util
import os

import numpy as np
import torch
from torch import Tensor

__all__ = ["AVAILABLE", "crops", "usable"]

AVAILABLE = importlib.util.find_spec("numba") is not None  # imported on first use (0.5 s)
_PID = os.getpid()  # a forked child (another pid) keeps to the serial kernel


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
def _kernel(parallel: bool = False):
    """Return the compiled batch kernel (numba compiles it once, then loads it from its cache)."""
    import numba

    row, plain, mirror = _rows()

    @_jit(parallel=parallel)
    def images(source, rows, tops, lefts, flips, scale, offset, shifts, out):
        c = out.shape[2]
        has_offset = offset.shape[1] > 0
        for i in numba.prange(out.shape[0]):
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


def usable(source: Tensor, offset: Tensor | None) -> bool:
    """Return whether ``fused_crops`` hands ``source`` to :func:`crops`: uint8 storage on the CPU.

    :func:`crops` itself also takes float32 images (the tests check both against the torch loop).
    """
    tensors = [source] if offset is None else [source, offset]
    return (
        AVAILABLE
        and source.dtype == torch.uint8
        and (offset is None or offset.dtype == torch.float32)
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
    if threads > 1 and os.getpid() == _PID:
        _start_pool()
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        _kernel(parallel=True)(*args)
    else:
        _kernel()(*args)
    return out


@functools.cache
def _start_pool() -> None:
    """Start numba's threads with OMP_WAIT_POLICY=PASSIVE unless the user set a policy."""
    import numba

    policy = os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        numba.np.ufunc.parallel._launch_threads()
    finally:
        if policy == "PASSIVE" and os.environ.get("OMP_WAIT_POLICY") == "PASSIVE":
            del os.environ["OMP_WAIT_POLICY"]
