"""Tests for alexnet_core._crop_kernel: the numba crop kernel against fused_crops' torch loop.

The reference is the torch loop itself (``_crop_kernel.usable`` patched to say no), which
tests/test_augment.py checks against plain slicing and ``torch.flip``.
"""

import multiprocessing

import pytest
import torch

from alexnet_core import _crop_kernel
from alexnet_core import fused_crops as fused_module
from alexnet_core.augment import sample_crop_flip
from alexnet_core.fused_crops import fused_crops

pytestmark = pytest.mark.skipif(not _crop_kernel.AVAILABLE, reason="numba is not installed")
CLOSE32 = dict(rtol=1e-6, atol=1e-6)


def _torch_loop(monkeypatch, *args, **kwargs):
    with monkeypatch.context() as patch:
        patch.setattr(fused_module._crop_kernel, "usable", lambda *a: False)
        return fused_crops(*args, **kwargs)


def _case(dtype, n=9, size=20, crop=13, seed=0):
    g = torch.Generator().manual_seed(seed)
    if dtype == torch.uint8:
        source = torch.randint(0, 256, (n + 3, 3, size, size), generator=g, dtype=torch.uint8)
    else:
        source = torch.rand(n + 3, 3, size, size, generator=g)
    params = sample_crop_flip(n, size, crop, generator=g)
    assert 0 < int(params.flips.sum()) < n  # both kinds of window
    shifts = torch.randn(n, 3, generator=g)
    offset = -torch.rand(3, size, size, generator=g)
    rows = torch.randint(0, n + 3, (n,), generator=g).tolist()
    return source, params, shifts, offset, rows


def _with_threads(threads, function):
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return function()
    finally:
        torch.set_num_threads(old)


@pytest.mark.parametrize("threads", [1, 2])  # one call, or the batch split between threads
def test_uint8_storage_with_mean_and_lighting_matches_the_torch_loop(monkeypatch, threads):
    source, params, shifts, offset, rows = _case(torch.uint8)
    kwargs = dict(rows=rows, scale=1 / 255, offset=offset)
    assert _crop_kernel.usable(source, offset)
    got = _with_threads(threads, lambda: fused_crops(source, params, shifts, **kwargs))
    want = _torch_loop(monkeypatch, source, params, shifts, **kwargs)
    assert got.dtype == torch.float32 and got.shape == (9, 3, 13, 13)
    torch.testing.assert_close(got, want, **CLOSE32)


@pytest.mark.parametrize("with_shifts", [True, False])
def test_the_kernel_on_float_images_matches_the_torch_loop_exactly(monkeypatch, with_shifts):
    source, params, shifts, _, rows = _case(torch.float32)
    shifts = shifts if with_shifts else None
    got = _crop_kernel.crops(source, rows, params, shifts, 1.0, None)
    want = _torch_loop(monkeypatch, source, params, shifts, rows=rows)
    torch.testing.assert_close(got, want, rtol=0, atol=0)


def test_uint8_without_mean_or_shift_is_the_converted_window():
    source, params, _, _, rows = _case(torch.uint8)
    got = fused_crops(source, params, None, rows=rows)
    for i, row in enumerate(rows):
        top, left, c = int(params.tops[i]), int(params.lefts[i]), params.crop_size
        window = source[row, :, top : top + c, left : left + c].float()
        if params.flips[i]:
            window = window.flip(-1)
        assert torch.equal(got[i], window)


def test_other_inputs_take_the_torch_loop():
    source = torch.randint(0, 256, (2, 3, 8, 8), dtype=torch.uint8)
    assert _crop_kernel.usable(source, None)
    assert _crop_kernel.usable(source, torch.rand(3, 8, 8))
    assert not _crop_kernel.usable(source.float(), None)  # float batches: the torch loop
    assert not _crop_kernel.usable(source.transpose(2, 3), None)
    assert not _crop_kernel.usable(source, torch.rand(3, 8, 8).double())
    assert _crop_kernel.usable(source, None, torch.zeros(2, 3))
    assert not _crop_kernel.usable(source, None, torch.zeros(2, 3, device="meta"))  # not CPU


def _child(expected):  # in a forked child: exit 0 if the kernel gives the parent's batch
    source, params, shifts, offset, rows = _case(torch.uint8)
    out = fused_crops(source, params, shifts, rows=rows, scale=1 / 255, offset=offset)
    raise SystemExit(0 if torch.equal(out, expected) else 3)


def test_a_forked_child_after_the_threaded_kernel_still_works():
    source, params, shifts, offset, rows = _case(torch.uint8)
    kwargs = dict(rows=rows, scale=1 / 255, offset=offset)
    parent = _with_threads(2, lambda: fused_crops(source, params, shifts, **kwargs))
    child = multiprocessing.get_context("fork").Process(target=_child, args=(parent,))
    child.start()
    child.join(timeout=120)
    assert child.exitcode == 0  # not 3 (another batch), not -15 (killed by GNU OpenMP)
