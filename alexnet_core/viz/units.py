"""What single units do: ReLU versus tanh (§3.1), LRN's competition (§3.3), dropout (§4.2)."""

from __future__ import annotations

import torch

from .._checks import check_tensor
from .base import Figure, subplots

__all__ = ["activation_functions", "lrn_response_figure", "dropout_figure"]


def activation_functions(*, span: float = 4.0) -> Figure:
    """Return a two-panel plot of ReLU and tanh and their derivatives (§3.1: saturation)."""
    x = torch.linspace(-span, span, 401)
    figure, (left, right) = subplots(1, 2, figsize=(7.5, 2.8))
    x = x.numpy()
    relu, tanh = (
        torch.relu(torch.from_numpy(x)).numpy(),
        torch.tanh(torch.from_numpy(x)).numpy(),
    )
    left.plot(x, relu, label="ReLU  max(0, x)")
    left.plot(x, tanh, label="tanh(x)")
    left.set_title("f(x)", fontsize=10)
    right.plot(x, (x > 0).astype(float), label="ReLU′")
    right.plot(x, 1 - tanh**2, label="tanh′ = 1 − tanh²")
    right.set_title("f′(x): tanh saturates, ReLU does not for x > 0", fontsize=10)
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_xlabel("x")
    figure.tight_layout()
    return figure


def _map_panels(axes, a: torch.Tensor, competition: torch.Tensor, channel: int) -> None:
    """Draw one map going into LRN and its competition factor, side by side."""
    axes[0].imshow(a.numpy(), cmap="viridis")
    axes[0].set_title(
        f"input a, map #{channel}\n(max {float(a.max()):.3g})", fontsize=9
    )
    axes[1].imshow(competition.numpy(), cmap="magma", vmin=0, vmax=1)
    axes[1].set_title(
        f"competition factor, map #{channel}\n(black 0 … white 1 = none)", fontsize=9
    )
    for ax in axes:
        ax.set_axis_off()


def _competition_histogram(ax, active: torch.Tensor) -> None:
    """Draw the share of active units at each competition factor."""
    share = float((active < 0.9).float().mean()) if active.numel() else 0.0
    median = float(active.median()) if active.numel() else 1.0
    weights = torch.full_like(active, 1.0 / max(active.numel(), 1))
    ax.hist(
        active.numpy(), bins=40, range=(0, 1), weights=weights.numpy(), color="#4C72B0"
    )
    ax.set_title(
        f"all active units: median {median:.3f}\n{share:.1%} lose > 10% to neighbours",
        fontsize=9,
    )
    ax.set_xlabel("competition factor (1 = none)", fontsize=8)
    ax.set_ylabel("share of units", fontsize=8)


def _lone_unit_response(ax, a, size, alpha, beta, k, convention) -> None:
    """Draw a lone unit's LRN output a·(k + c·a²)^−β over the observed range of a."""
    from ..lab.lrn_effect import lrn_peak

    coefficient = alpha if convention == "paper" else alpha / size
    top = max(float(a.max()), 1e-6) * 1.1
    x = torch.linspace(0, top, 300, dtype=torch.float64)
    ax.plot(
        x.numpy(),
        (x * k**-beta).numpy(),
        "--",
        color="grey",
        label=f"no competition: {k**-beta:.3f}·a",
    )
    ax.plot(
        x.numpy(),
        (x * (k + coefficient * x * x) ** -beta).numpy(),
        color="crimson",
        label="alone: a·(k + c·a²)^−β",
    )
    peak = lrn_peak(alpha, beta, k, size=size, convention=convention)
    if peak < top:
        ax.axvline(
            peak,
            color="crimson",
            linestyle=":",
            linewidth=1,
            label=f"peak at a = {peak:.3g}",
        )
    ax.set_xlabel("input a (up to the largest in the image)", fontsize=8)
    ax.set_title("output b of a unit whose\nneighbours are silent", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")


def lrn_response_figure(
    activations: torch.Tensor,
    *,
    channel: int = 0,
    size: int = 5,
    alpha: float = 1e-4,
    beta: float = 0.75,
    k: float = 2.0,
    convention: str = "paper",
    title: str | None = None,
) -> Figure:
    """Return four panels showing what LRN (§3.3) does to one image's ReLU maps (C, H, W).

    1. the map of ``channel`` going into LRN; 2. its competition factor (1 + (c/k)·Σa²)^−β, where
    1 means the neighbours cost nothing; 3. a histogram of that factor over every active unit of
    every map; 4. a lone unit's output a·(k + c·a²)^−β against its input a over the observed range,
    next to the straight line k^−β·a it would follow without competition.
    """
    from ..lab.lrn_effect import lrn_competition

    check_tensor(activations, "activations", ndim=3, floating=True)
    if not 0 <= channel < activations.shape[0]:
        raise ValueError(
            f"channel must be in [0, {activations.shape[0] - 1}], got {channel}"
        )
    a = activations.detach().float().cpu()
    competition = lrn_competition(a[None], size, alpha, beta, k, convention=convention)[
        0
    ]  # (C, H, W)
    active = competition[a > 0]
    figure, axes = subplots(
        1, 4, figsize=(10.5, 2.7), gridspec_kw={"width_ratios": [1, 1, 1.25, 1.25]}
    )
    _map_panels(axes[:2], a[channel], competition[channel], channel)
    _competition_histogram(axes[2], active)
    _lone_unit_response(axes[3], a, size, alpha, beta, k, convention)
    for ax in axes[2:]:
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    figure.suptitle(
        title
        or f"k = {k:g}, n = {size}, α = {alpha:g} ({convention} convention), β = {beta:g}",
        fontsize=10,
    )
    figure.tight_layout()
    return figure


def _dropout_passes(h: torch.Tensor, p: float, mode: str, seed: int, samples: int):
    """Return (one mask, one training pass, the mean training pass over ``samples`` masks)."""
    from ..lab.dropout import apply_dropout, sample_keep_mask

    generator = torch.Generator().manual_seed(seed)
    keep = sample_keep_mask(h.shape, p, generator=generator)
    masks = sample_keep_mask((samples, h.shape[0]), p, generator=generator)
    mean = apply_dropout(h.expand(samples, -1), masks, p, mode=mode).mean(0)
    return keep, apply_dropout(h, keep, p, mode=mode), mean


def dropout_figure(
    activations: torch.Tensor,
    p: float = 0.5,
    *,
    mode: str = "inverted",
    seed: int = 0,
    samples: int = 2000,
) -> Figure:
    """Return a three-row picture of dropout (§4.2) on a layer of units (U,).

    Row 1: the activations; row 2: one training pass (a mask drawn from ``seed``; dropped units
    marked ×, kept units scaled as ``mode`` says); row 3: the test-time outputs. Dots on rows 2 and 3
    are the mean training output over ``samples`` masks, which lands on the test-time output.
    """
    from ..lab.dropout import inference_output

    check_tensor(activations, "activations", ndim=1, floating=True)
    h = activations.detach().cpu()
    keep, one_pass, mean = _dropout_passes(h, p, mode, seed, samples)
    test = inference_output(h, p, mode=mode)
    units = torch.arange(h.shape[0]).numpy()
    figure, axes = subplots(3, 1, figsize=(8, 4.6), sharex=True, sharey=True)
    axes[0].bar(units, h.numpy(), color="grey")
    axes[0].set_title("activations h of one layer (after ReLU)", fontsize=9, loc="left")
    axes[1].bar(units, one_pass.numpy(), color="#4C72B0")
    dropped = (~keep).nonzero().squeeze(1).numpy()
    axes[1].plot(
        dropped, [0] * len(dropped), "x", color="crimson", markersize=6, label="dropped"
    )
    train_scale = 1 / (1 - p) if mode == "inverted" else 1.0
    axes[1].set_title(
        f"training, one mask: {len(dropped)} of {h.shape[0]} dropped, kept units ×{train_scale:.3g}",
        fontsize=9,
        loc="left",
    )
    test_scale = 1.0 if mode == "inverted" else 1 - p
    axes[2].bar(units, test.numpy(), color="#55A868")
    axes[2].set_title(f"test: every unit, ×{test_scale:.3g}", fontsize=9, loc="left")
    label = f"mean training output over {samples} masks"
    for ax in axes[1:]:
        ax.plot(units, mean.numpy(), ".", color="black", markersize=4, label=label)
    axes[1].legend(fontsize=7, loc="upper right")
    axes[2].set_xlabel("unit", fontsize=8)
    for ax in axes:
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3, axis="y")
    figure.suptitle(f"{mode} dropout, p = {p:g}", fontsize=10)
    figure.tight_layout()
    return figure
