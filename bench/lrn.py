"""Benchmark: §3.3 local response normalization, ``alexnet_core.lrn`` against torch and alternatives.

Shapes are AlexNet's: conv1's output (B, 96, 55, 55) and conv2's (B, 256, 27, 27), float32, B = 16
(and 128, the paper's batch, with ``--full``); n=5, α=1e-4 (paper convention), β=0.75, k=2.
For each shape, ``forward`` and ``forward+backward`` are timed for

* ``torch.nn.LocalResponseNorm`` (α·n, the baseline; its window sum is an ``avg_pool3d``);
* ``ours``: :func:`alexnet_core.lrn.local_response_norm`, the package default (custom autograd
  function: squares written into a zero-padded buffer, window sum = size−1 shifted-slice adds,
  β=0.75 as rsqrt·sqrt, hand-written backward, buffers reused);
* ``ours, channels_last input``: the same on a channels_last input (and upstream gradient);
* ``loop``: :func:`alexnet_core.lrn.local_response_norm_loop`, the readable per-channel loop
  (forward only, batch 16 only);
* the alternatives tried while choosing the default, all defined in this file (paper convention,
  groups=1, the default's algorithm with one piece swapped): ``fn + pow``: d^−β by a fractional
  ``torch.pow``; ``fn + clone + slice adds``: window sum = clone + size−1 in-place adds of clipped
  slices, no padding; ``fn + cumsum``: window sums as differences of a cumulative sum over channels
  (float32 rounding grows with C); ``fn + band matmul``: a (C, C) 0/1 band matrix times the
  (C, H·W) squares; ``autograd: pad + slices``: no custom function, autograd through F.pad + a sum
  of shifted slices + pow.

``max_abs_err`` is the largest |difference| from a float64 evaluation of torch's layer: of the
output for ``forward`` rows, of the input gradient for ``forward+backward`` rows. Times are medians
of ``time.perf_counter`` over interleaved rounds (each implementation once per round, so a busy
neighbour slows all alike). Run from the repository root: ``python bench/lrn.py`` (``--full`` adds
batch 128 and more rounds; ``--threads 1`` measures single-threaded, steadier on a busy machine,
where every parallel op of a two-thread run can stall on a descheduled worker).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alexnet_core.lrn import local_response_norm, local_response_norm_loop, torch_alpha
from alexnet_core.runtime import median_seconds

SIZE, ALPHA, BETA, K = 5, 1e-4, 0.75, 2.0  # §3.3, paper convention

# --- alternative window sums: each returns (values, total) where fill(values) wrote the values ---
Fill = Callable[[torch.Tensor], object]


def _window_clone_slices(fill: Fill, like: torch.Tensor, before: int, after: int):
    values = torch.empty_like(like)
    fill(values)
    total, channels = values.clone(), values.shape[1]
    for offset in range(1, min(before, channels - 1) + 1):  # j = i − offset, clipped
        total.narrow(1, offset, channels - offset).add_(values.narrow(1, 0, channels - offset))
    for offset in range(1, min(after, channels - 1) + 1):  # j = i + offset, clipped
        total.narrow(1, 0, channels - offset).add_(values.narrow(1, offset, channels - offset))
    return values, total


def _window_cumsum(fill: Fill, like: torch.Tensor, before: int, after: int):
    values = torch.empty_like(like)
    fill(values)
    channels = values.shape[1]
    cumulative = values.cumsum(1)  # (N, C, H, W): Σ_{j ≤ i}
    last = (torch.arange(channels, device=values.device) + after).clamp_(max=channels - 1)
    total = cumulative.index_select(1, last)
    if before + 1 < channels:
        total.narrow(1, before + 1, channels - before - 1).sub_(cumulative.narrow(1, 0, channels - before - 1))
    return values, total


def _window_band_matmul(fill: Fill, like: torch.Tensor, before: int, after: int):
    values = torch.empty_like(like, memory_format=torch.contiguous_format)
    fill(values)
    channels = values.shape[1]
    index = torch.arange(channels, device=values.device)
    band = ((index[None, :] >= index[:, None] - before) & (index[None, :] <= index[:, None] + after)).to(values.dtype)
    total = torch.matmul(band, values.flatten(2)).view_as(values)  # (C, C) @ (N, C, H·W)
    return values, total


def _window_padded(fill: Fill, like: torch.Tensor, before: int, after: int):
    channels = like.shape[1]
    padded = like.new_empty((like.shape[0], channels + before + after) + like.shape[2:])
    padded.narrow(1, 0, before).zero_()
    padded.narrow(1, before + channels, after).zero_()
    values = padded.narrow(1, before, channels)
    fill(values)
    if before + after == 0:
        return values, values.clone()
    total = torch.add(padded.narrow(1, 0, channels), padded.narrow(1, 1, channels))
    for offset in range(2, before + after + 1):
        total.add_(padded.narrow(1, offset, channels))
    return values, total


def _power_pow(denominator: torch.Tensor, beta: float, out: torch.Tensor) -> torch.Tensor:
    return torch.pow(denominator, -beta, out=out)


def _power_rsqrt(denominator: torch.Tensor, beta: float, out: torch.Tensor) -> torch.Tensor:
    assert beta == 0.75
    torch.rsqrt(denominator, out=out)
    return out.mul_(out.sqrt())


class _Alternative(torch.autograd.Function):
    """The default's algorithm with a pluggable window sum and power (paper convention, groups=1)."""

    @staticmethod
    def forward(ctx, x, window, power):
        before, after = SIZE // 2, (SIZE - 1) // 2
        squares, denominator = window(lambda out: torch.mul(x, x, out=out), x, before, after)
        denominator.mul_(ALPHA).add_(K)
        scale = power(denominator, BETA, out=squares)
        ctx.save_for_backward(x, denominator, scale)
        ctx.window = window
        return torch.mul(x, scale)

    @staticmethod
    def backward(ctx, grad_output):
        x, denominator, scale = ctx.saved_tensors
        grad = torch.mul(grad_output, scale)
        fill = lambda out: torch.mul(grad, x, out=out).div_(denominator)  # noqa: E731
        _, window = ctx.window(fill, x, (SIZE - 1) // 2, SIZE // 2)
        return grad.addcmul_(x, window, value=-2.0 * ALPHA * BETA), None, None


def _autograd_slices(x: torch.Tensor) -> torch.Tensor:
    channels, before, after = x.shape[1], SIZE // 2, (SIZE - 1) // 2
    padded = F.pad(x * x, [0, 0] * (x.ndim - 2) + [before, after])
    total = sum(padded.narrow(1, offset, channels) for offset in range(SIZE))
    return x * (K + ALPHA * total).pow(-BETA)


def _implementations(include_loop: bool) -> dict[str, Callable[[torch.Tensor], torch.Tensor]]:
    torch_layer = torch.nn.LocalResponseNorm(SIZE, torch_alpha(ALPHA, SIZE, "paper"), BETA, K)
    implementations = {
        "torch.nn.LocalResponseNorm": torch_layer,
        "ours": lambda x: local_response_norm(x, SIZE, ALPHA, BETA, K),
        "ours, channels_last input": lambda x: local_response_norm(x, SIZE, ALPHA, BETA, K),
        "fn + pow": lambda x: _Alternative.apply(x, _window_padded, _power_pow),
        "fn + clone + slice adds": lambda x: _Alternative.apply(x, _window_clone_slices, _power_rsqrt),
        "fn + cumsum": lambda x: _Alternative.apply(x, _window_cumsum, _power_rsqrt),
        "fn + band matmul": lambda x: _Alternative.apply(x, _window_band_matmul, _power_rsqrt),
        "autograd: pad + slices": _autograd_slices,
    }
    if include_loop:  # the loop is there for readability, not speed: skipped at batch 128
        implementations["loop"] = lambda x: local_response_norm_loop(x, SIZE, ALPHA, BETA, K)
    return implementations


def _reference(x: torch.Tensor, grad_output: torch.Tensor, chunk: int = 16):
    """Return (output, input gradient) in float64 from torch's layer, a few samples at a time."""
    layer = torch.nn.LocalResponseNorm(SIZE, torch_alpha(ALPHA, SIZE, "paper"), BETA, K)
    outputs, grads = [], []
    for xs, gs in zip(x.split(chunk), grad_output.split(chunk)):
        xs = xs.double().requires_grad_()
        y = layer(xs)
        y.backward(gs.double())
        outputs.append(y.detach())
        grads.append(xs.grad)
    return torch.cat(outputs), torch.cat(grads)


def _forward_backward(function: Callable, leaf: torch.Tensor, grad_output: torch.Tensor) -> None:
    leaf.grad = None  # so that no round pays for gradient accumulation
    function(leaf).backward(grad_output)


def _measure(shape: tuple[int, ...], device: torch.device, rounds: int) -> list[dict]:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=generator).relu_().mul_(3.0).to(device)  # post-ReLU activations
    grad_output = torch.randn(shape, generator=generator).to(device)
    grad_last = grad_output.contiguous(memory_format=torch.channels_last)  # what a channels_last net sends
    ref_output, ref_grad = _reference(x.cpu(), grad_output.cpu())
    errors, forward_calls, backward_calls = {}, {}, {}
    for name, function in _implementations(include_loop=shape[0] <= 16).items():
        source = x.contiguous(memory_format=torch.channels_last) if "channels_last" in name else x
        forward_calls[name] = lambda f=function, s=source: f(s)
        with torch.no_grad():
            output_error = (function(source).cpu().double() - ref_output).abs().max().item()
        errors[name] = (output_error, float("nan"))
        if name == "loop":  # its backward (autograd through 2·C slices and a stack) takes seconds
            continue
        leaf = source.clone().requires_grad_()
        upstream = grad_last if "channels_last" in name else grad_output
        function(leaf).backward(upstream)
        errors[name] = (output_error, (leaf.grad.cpu().double() - ref_grad).abs().max().item())
        backward_calls[name] = lambda f=function, l=leaf, u=upstream: _forward_backward(f, l, u)
    rows = []
    for op, calls, which in (("forward", forward_calls, 0), ("forward+backward", backward_calls, 1)):
        with torch.set_grad_enabled(op != "forward"):
            times = {name: 1e3 * value for name, value in median_seconds(calls, rounds=rounds, warmup=1, device=device).items()}  # ms
        baseline = times["torch.nn.LocalResponseNorm"]
        for name, ms in times.items():
            rows.append({
                "op": op, "shape": tuple(shape), "device": device.type, "impl": name, "ms": ms,
                "speedup_vs_torch": baseline / ms, "max_abs_err": errors[name][which],
            })
    return rows


def run(quick: bool = True, *, threads: int | None = None) -> list[dict]:
    """Return one row per (op, shape, device, implementation): median ms, speedup, max |error|.

    ``threads`` sets ``torch.set_num_threads`` for the measurement (default: torch's default).
    """
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    shapes = [(16, 96, 55, 55), (16, 256, 27, 27)]
    if not quick:
        shapes += [(128, 96, 55, 55), (128, 256, 27, 27)]
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads or previous_threads)
    rows = []
    try:
        for device in devices:
            for shape in shapes:
                rounds = 7 if quick else (15 if shape[0] <= 16 else 5)
                rows += _measure(shape, device, rounds)
    finally:
        torch.set_num_threads(previous_threads)
    return rows


def markdown(rows: list[dict]) -> str:
    """Return ``rows`` as a markdown table."""
    lines = [
        "| op | shape | device | implementation | median ms | × torch | max abs err |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for r in rows:
        shape = "×".join(str(s) for s in r["shape"])
        lines.append(
            f"| {r['op']} | {shape} | {r['device']} | {r['impl']} | {r['ms']:.2f} "
            f"| {r['speedup_vs_torch']:.2f} | {r['max_abs_err']:.1e} |"
        )
    return "\n".join(lines)


def not_slower_than_torch(rounds: int = 6) -> tuple[float, float]:
    """Return median seconds (ours, torch's) of one forward+backward at conv2's input shape.

    On one thread (on a busy 2-core machine every parallel op of either implementation can
    stall on a descheduled worker, which measures the neighbours rather than the algorithms),
    in interleaved rounds after a warm-up. Wall-clock timing: it lives in the bench, not in
    the unit tests (``python -m bench.lrn --check`` fails when ours is slower).
    """
    import statistics
    import time

    generator = torch.Generator().manual_seed(5)
    x = torch.relu(torch.randn(4, 96, 27, 27, generator=generator))
    grad_output = torch.randn(x.shape, generator=generator)
    layer = torch.nn.LocalResponseNorm(5, 5e-4, 0.75, 2.0)
    calls = {"ours": local_response_norm, "torch": layer}
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for _ in range(rounds):  # interleaved rounds, the first one is a warm-up
            for name, function in calls.items():
                leaf = x.clone().requires_grad_()
                start = time.perf_counter()
                function(leaf).backward(grad_output)
                seconds[name].append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(threads)
    ours, theirs = (statistics.median(seconds[name][1:]) for name in ("ours", "torch"))
    return ours, theirs


if __name__ == "__main__":
    if "--check" in sys.argv:
        ours, theirs = not_slower_than_torch()
        print(f"local_response_norm {ours * 1e3:.1f} ms, torch {theirs * 1e3:.1f} ms (1 thread)")
        sys.exit(0 if ours <= theirs else 1)
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else None
    rows = run(quick="--full" not in sys.argv, threads=threads)
    print(f"torch {torch.__version__}, {threads or torch.get_num_threads()} CPU threads; "
          f"n={SIZE}, α={ALPHA} (paper), β={BETA}, k={K}")
    print(markdown(rows))
