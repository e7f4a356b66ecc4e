"""Pictures of images, kernels and feature maps (Fig. 3, Fig. 4)."""

from __future__ import annotations

import math
from typing import Sequence

import torch

from .._checks import check_int, check_tensor
from .base import Figure, subplots, to_display_image

__all__ = [
    "kernel_mosaic",
    "filter_grid",
    "activation_grid",
    "image_row",
    "neighbours_figure",
]


def kernel_mosaic(
    weight: torch.Tensor, *, columns: int = 8, gap: int = 1, background: float = 1.0
) -> torch.Tensor:
    """Return kernels (K, 3, h, w) tiled into one (H, W, 3) image, each normalised on its own.

    Kernel ``i`` sits in row ``i // columns``, column ``i % columns``, with ``gap`` pixels of
    ``background`` (white by default) between tiles and none around the edge.
    """
    check_tensor(weight, "weight", ndim=4)
    check_int(columns, "columns", minimum=1)
    check_int(gap, "gap", minimum=0)
    count, _, h, w = weight.shape
    rows = math.ceil(count / columns)
    mosaic = torch.full(
        (rows * (h + gap) - gap, columns * (w + gap) - gap, 3), float(background)
    )
    for index in range(count):
        row, column = divmod(index, columns)
        top, left = row * (h + gap), column * (w + gap)
        mosaic[top : top + h, left : left + w] = to_display_image(
            weight[index], normalise=True
        )
    return mosaic


def filter_grid(
    weight: torch.Tensor, *, towers: int = 2, columns: int = 8, title: str | None = None
) -> Figure:
    """Return a Fig. 3-style grid of first-layer kernels (K, 3, h, w), each normalised on its own.

    With ``towers=2`` the first K/2 kernels (the paper's GPU 1) and the rest (GPU 2) are drawn as
    two separate panels, as in Fig. 3. Each panel is one image (:func:`kernel_mosaic`), not one
    axes per kernel, so that a grid of 96 kernels draws in a fraction of a second.
    """
    check_tensor(weight, "weight", ndim=4)
    if weight.shape[1] != 3:
        raise ValueError(
            f"weight must hold RGB kernels (K, 3, h, w), got shape {tuple(weight.shape)}"
        )
    if towers not in (1, 2) or weight.shape[0] % towers:
        raise ValueError(
            f"towers must be 1 or 2 and divide the {weight.shape[0]} kernels, got {towers}"
        )
    per_tower = weight.shape[0] // towers
    rows = math.ceil(per_tower / columns)
    figure, axes = subplots(
        towers,
        1,
        figsize=(columns * 0.6, rows * towers * 0.6 + 0.4 * towers),
        squeeze=False,
    )
    for tower, ax in enumerate(axes[:, 0]):
        ax.set_axis_off()
        kernels = weight[tower * per_tower : (tower + 1) * per_tower]
        ax.imshow(
            kernel_mosaic(kernels, columns=columns).numpy(), interpolation="nearest"
        )
        if towers == 2:
            ax.set_title(
                f"GPU {tower + 1}: kernels {tower * per_tower}–{(tower + 1) * per_tower - 1}",
                loc="left",
                fontsize=8,
            )
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout(pad=0.2)
    return figure


def activation_grid(
    activations: torch.Tensor,
    *,
    channels: Sequence[int] | None = None,
    columns: int = 8,
    title: str | None = None,
) -> Figure:
    """Return a grid of the feature maps (C, H, W) of one image (the first ``columns*2`` by default)."""
    check_tensor(activations, "activations", ndim=3)
    count = activations.shape[0]
    chosen = (
        list(range(min(count, 2 * columns))) if channels is None else list(channels)
    )
    bad = [c for c in chosen if not 0 <= c < count]
    if bad or not chosen:
        raise ValueError(f"channels must be indices in [0, {count - 1}], got {chosen}")
    rows = math.ceil(len(chosen) / columns)
    width = min(columns, len(chosen))
    figure, axes = subplots(
        rows, width, figsize=(width * 1.1, rows * 1.2 + 0.3), squeeze=False
    )
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, channel in zip(axes.flat, chosen):
        ax.imshow(activations[channel].detach().float().cpu().numpy(), cmap="viridis")
        ax.set_title(f"#{channel}", fontsize=7)
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout(pad=0.2)
    return figure


def image_row(
    images: torch.Tensor | Sequence[torch.Tensor],
    titles: Sequence[str] | None = None,
    *,
    normalise: bool = False,
    size: float = 1.8,
) -> Figure:
    """Return a one-row figure of RGB images, each (3, H, W), with optional titles."""
    images = list(images)
    if not images:
        raise ValueError("images must hold at least one image, got none")
    if titles is not None and len(titles) != len(images):
        raise ValueError(
            f"titles must have one entry per image ({len(images)}), got {len(titles)}"
        )
    figure, axes = subplots(
        1, len(images), figsize=(size * len(images), size + 0.3), squeeze=False
    )
    for index, (ax, image) in enumerate(zip(axes[0], images)):
        ax.imshow(to_display_image(image, normalise=normalise).numpy())
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(titles[index], fontsize=8)
    figure.tight_layout(pad=0.3)
    return figure


def neighbours_figure(
    queries: torch.Tensor,
    neighbours: torch.Tensor,
    *,
    titles: Sequence[Sequence[str]] | None = None,
) -> Figure:
    """Return a Fig. 4-style grid: each row a query image (Q, 3, H, W) then its k neighbours (Q, k, 3, H, W)."""
    check_tensor(queries, "queries", ndim=4)
    check_tensor(neighbours, "neighbours", ndim=5)
    if neighbours.shape[0] != queries.shape[0]:
        raise ValueError(
            f"neighbours must have one row per query ({queries.shape[0]}), got {neighbours.shape[0]}"
        )
    rows, k = neighbours.shape[:2]
    figure, axes = subplots(
        rows, k + 1, figsize=((k + 1) * 1.1, rows * 1.2), squeeze=False
    )
    for row in range(rows):
        for column in range(k + 1):
            ax = axes[row, column]
            image = queries[row] if column == 0 else neighbours[row, column - 1]
            ax.imshow(to_display_image(image).numpy())
            ax.set_axis_off()
            if titles is not None:
                ax.set_title(titles[row][column], fontsize=7)
        axes[row, 0].patch.set_edgecolor("red")
    axes[0, 0].set_title(axes[0, 0].get_title() or "query", fontsize=7)
    figure.tight_layout(pad=0.2)
    return figure
