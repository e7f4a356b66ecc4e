"""Overlapping pooling in pictures (§3.4): window counts and a pooled map."""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from matplotlib.patches import Rectangle

from .._checks import check_tensor
from .base import Figure, subplots

_WINDOW_COLOURS = ("#d62728", "#ff7f0e", "#17becf")  # three neighbouring windows

__all__ = ["pooling_windows", "pooling_demo"]


def _outline(
    ax, row: tuple[int, int], column: tuple[int, int], colour: str, offset: float = 0.0
) -> None:
    (r0, r1), (c0, c1) = row, column
    ax.add_patch(
        Rectangle(
            (c0 - 0.5 + offset, r0 - 0.5 + offset),
            c1 - c0 - 2 * offset,
            r1 - r0 - 2 * offset,
            fill=False,
            edgecolor=colour,
            linewidth=2,
        )
    )


def _count_grid(ax, counts: torch.Tensor) -> None:
    """Draw a (size, size) map of window counts with each count written in its pixel."""
    size = counts.shape[0]
    ax.imshow(
        counts.numpy(), cmap="Blues", vmin=0, vmax=max(4, int(counts.max())) * 1.3
    )
    pixels = torch.cartesian_prod(torch.arange(size), torch.arange(size)).tolist()
    for (r, c), value in zip(pixels, counts.flatten().tolist()):
        colour = "crimson" if value == 0 else "black"
        ax.text(c, r, str(value), ha="center", va="center", fontsize=8, color=colour)


def pooling_windows(
    size: int = 7,
    settings: Sequence[tuple[int, int]] = ((3, 2), (2, 2)),
    *,
    ceil_mode: bool = False,
) -> Figure:
    """Return one panel per (kernel z, stride s): how many pooling windows contain each pixel of a size×size map (§3.4).

    Three neighbouring windows are outlined (the first, the one to its right, the one below); with
    z = 3, s = 2 they share a row or column (count 2, and 4 where shared rows and columns cross).
    A 0 marks pixels that no window reaches.
    """
    from ..lab.pooling import (
        pool_output_size,
        pool_windows,
        window_counts,
        window_overlap,
    )

    if not settings:
        raise ValueError(
            "settings must list at least one (kernel, stride) pair, got none"
        )
    figure, axes = subplots(
        1, len(settings), figsize=(3.1 * len(settings), 3.3), squeeze=False
    )
    for ax, (kernel, stride) in zip(axes[0], settings):
        _count_grid(ax, window_counts(size, kernel, stride, ceil_mode=ceil_mode))
        windows = pool_windows(size, kernel, stride, ceil_mode=ceil_mode)
        neighbours = [(0, 0), (0, 1), (1, 0)][: 3 if len(windows) > 1 else 1]
        for colour, (i, j), offset in zip(
            _WINDOW_COLOURS, neighbours, (0.04, 0.12, 0.2)
        ):
            _outline(ax, windows[i], windows[j], colour, offset)
        ax.set_xticks(range(size))
        ax.set_yticks(range(size))
        ax.tick_params(labelsize=7, length=0)
        out = pool_output_size(size, kernel, stride, ceil_mode=ceil_mode)
        ax.set_title(
            f"z = {kernel}, s = {stride}: {size}×{size} → {out}×{out}\n"
            f"neighbours share {window_overlap(kernel, stride)} row/column",
            fontsize=9,
        )
    figure.tight_layout()
    return figure


def _square(feature_map: object) -> torch.Tensor:
    """Return a square (H, W) map as a float CPU tensor, after checking it."""
    check_tensor(feature_map, "feature_map", ndim=2)
    if feature_map.shape[0] != feature_map.shape[1]:
        raise ValueError(
            f"feature_map must be square (H == W), got shape {tuple(feature_map.shape)}"
        )
    return feature_map.detach().float().cpu()


def pooling_demo(
    feature_map: torch.Tensor,
    kernel: int = 3,
    stride: int = 2,
    *,
    ceil_mode: bool = False,
    cmap: str = "gray",
    title: str | None = None,
) -> Figure:
    """Return a two-panel figure: a map (H, W) with three neighbouring z×z windows outlined, and its max-pooled map.

    The pooled map is ``torch.nn.functional.max_pool2d(feature_map, kernel, stride)``; the three
    outlined windows and the three output pixels they produce share a colour.
    """
    from ..lab.pooling import pool_windows, window_overlap

    values = _square(feature_map)
    height = width = values.shape[0]
    pooled = F.max_pool2d(values[None, None], kernel, stride, ceil_mode=ceil_mode)[0, 0]
    windows = pool_windows(height, kernel, stride, ceil_mode=ceil_mode)
    out = len(windows)
    figure, (left, right) = subplots(
        1, 2, figsize=(7.4, 3.6), gridspec_kw={"width_ratios": [1, 1]}
    )
    low, high = float(values.min()), float(values.max())
    left.imshow(values.numpy(), cmap=cmap, vmin=low, vmax=high)
    right.imshow(pooled.numpy(), cmap=cmap, vmin=low, vmax=high)
    i = max(0, min(out // 3, out - 2))
    cells = [(i, i), (i, i + 1), (i + 1, i)] if out > 1 else [(0, 0)]
    for colour, (r, c) in zip(_WINDOW_COLOURS, cells):
        _outline(left, windows[r], windows[c], colour, 0.08)
        _outline(right, (r, r + 1), (c, c + 1), colour, 0.04)
    if kernel >= stride:
        relation = f"neighbours share {window_overlap(kernel, stride)} row/column"
    else:
        relation = f"{stride - kernel} row/column skipped between windows"
    left.set_title(
        f"input {height}×{width}: windows z = {kernel}, s = {stride}\n({relation})",
        fontsize=9,
    )
    right.set_title(f"max-pooled: {out}×{out}", fontsize=9)
    for ax in (left, right):
        ax.set(xticks=[], yticks=[])
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure
