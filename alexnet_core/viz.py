"""Pictures for the book: filters (Fig. 3), activation maps, training curves (Fig. 1), neighbours (Fig. 4).

Every function returns a matplotlib ``Figure`` (and never calls ``plt.show``), so the same call
serves the book, the marimo notebook and the widgets, which turn figures into PNG frames.
matplotlib is imported here and only here (and in ``widgets``), never by ``import alexnet_core``.
"""

from __future__ import annotations

import io
import math
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ._checks import check_images, check_tensor

__all__ = [
    "figure_to_png",
    "to_display_image",
    "filter_grid",
    "activation_grid",
    "image_row",
    "training_curves",
    "neighbours_figure",
    "activation_functions",
    "two_tower_diagram",
]


def figure_to_png(figure: Figure, *, dpi: int = 72, close: bool = True) -> bytes:
    """Return the PNG bytes of ``figure`` (and close it, so notebooks do not also draw it)."""
    if not isinstance(figure, Figure):
        raise TypeError(
            f"figure must be a matplotlib Figure, got {type(figure).__name__}"
        )
    buffer = io.BytesIO()
    figure.savefig(
        buffer, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None}
    )
    if close:
        plt.close(figure)
    return buffer.getvalue()


def to_display_image(image: torch.Tensor, *, normalise: bool = False) -> torch.Tensor:
    """Return an (H, W, 3) float tensor in [0, 1] ready for ``imshow``, from a (3, H, W) image.

    ``normalise=True`` stretches the image's own range to [0, 1] (for filters and mean-subtracted
    images); otherwise values are clipped.
    """
    check_images(
        image, "image", batched=False
    )  # float RGB: clamping 0-255 integers to [0, 1] would show white
    image = image.detach().float().cpu()
    if normalise:
        low, high = image.min(), image.max()
        image = (image - low) / (high - low) if high > low else torch.zeros_like(image)
    return image.clamp(0, 1).permute(1, 2, 0).contiguous()


def filter_grid(
    weight: torch.Tensor, *, towers: int = 2, columns: int = 8, title: str | None = None
) -> Figure:
    """Return a Fig. 3-style grid of first-layer kernels (K, 3, h, w), each normalised on its own.

    With ``towers=2`` the first K/2 kernels (the paper's GPU 1) and the rest (GPU 2) are drawn as
    two separate panels, as in Fig. 3.
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
    figure, axes = plt.subplots(
        rows * towers,
        columns,
        figsize=(columns * 0.6, rows * towers * 0.6 + 0.4 * towers),
        squeeze=False,
    )
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        tower, within = divmod(index, rows * columns)
        if within < per_tower:
            ax.imshow(
                to_display_image(
                    weight[tower * per_tower + within], normalise=True
                ).numpy(),
                interpolation="nearest",
            )
    if towers == 2:
        for tower in range(2):
            axes[tower * rows, 0].set_title(
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
    figure, axes = plt.subplots(
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
    figure, axes = plt.subplots(
        1, len(images), figsize=(size * len(images), size + 0.3), squeeze=False
    )
    for index, (ax, image) in enumerate(zip(axes[0], images)):
        ax.imshow(to_display_image(image, normalise=normalise).numpy())
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(titles[index], fontsize=8)
    figure.tight_layout(pad=0.3)
    return figure


def training_curves(
    histories: Mapping[str, object],
    *,
    metric: str = "train_error",
    target: float | None = None,
    title: str | None = None,
    ylabel: str | None = None,
) -> Figure:
    """Return a plot of ``metric`` against epochs for each labelled history (Fig. 1 style).

    ``histories`` maps a label to a :class:`~alexnet_core.train.History` (or a dict of lists).
    ``target`` draws a dashed horizontal line (Fig. 1's 25% training error).
    """
    if not histories:
        raise ValueError("histories must map at least one label to a history, got none")
    figure, ax = plt.subplots(figsize=(5.5, 3.4))
    for label, history in histories.items():
        record = history if isinstance(history, Mapping) else history.as_dict()
        if metric not in record:
            raise ValueError(
                f"metric must be one of {', '.join(sorted(record))}, got {metric!r}"
            )
        values = record[metric]
        epochs = record.get("epoch", list(range(1, len(values) + 1)))
        ax.plot(epochs, values, marker="o", markersize=3, label=label)
    if target is not None:
        ax.axhline(
            target,
            color="grey",
            linestyle="--",
            linewidth=1,
            label=f"{target:.0%}" if target < 1 else str(target),
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel or metric.replace("_", " "))
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    figure.tight_layout()
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
    figure, axes = plt.subplots(
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


def activation_functions(*, span: float = 4.0) -> Figure:
    """Return a two-panel plot of ReLU and tanh and their derivatives (§3.1: saturation)."""
    x = torch.linspace(-span, span, 401)
    figure, (left, right) = plt.subplots(1, 2, figsize=(7.5, 2.8))
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


def two_tower_diagram(
    connected: Sequence[str] = ("conv3", "fc6", "fc7", "fc8"),
) -> Figure:
    """Return a drawing of the two GPU towers (Fig. 2), with arrows where they exchange activations."""
    figure, ax = plt.subplots(figsize=(9, 3.2))
    _draw_towers(ax, connected)
    ax.set_title(
        "The two towers: red arrows = activations crossing between GPUs", fontsize=10
    )
    figure.tight_layout()
    return figure


# --- The results and the architecture in numbers (chapters "The 2012 results" and "The architecture") ---

__all__ += ["topk_figure", "results_bars", "layer_costs_figure"]

_CONV_COLOUR, _FC_COLOUR, _OTHERS_COLOUR = "#4C72B0", "#DD8452", "#A0A0A0"


def topk_figure(
    logits: torch.Tensor,
    labels: torch.Tensor,
    k: int,
    *,
    class_names: Sequence[str] | None = None,
    sample_names: Sequence[str] | None = None,
    columns: int = 4,
) -> Figure:
    """Return one panel per sample (§2): its classes ranked by softmax probability, the top ``k`` shaded,
    the correct label in red, and a tick or cross saying whether it counts as top-``k`` correct."""
    from .results import (
        topk_correct,
        true_label_rank,
    )  # results needs no matplotlib; keep viz's imports light

    correct = topk_correct(
        logits, labels, k
    )  # validates logits (N, C), labels (N,) and k
    ranks = true_label_rank(logits, labels)
    count, classes = logits.shape
    names = (
        [str(c) for c in range(classes)] if class_names is None else list(class_names)
    )
    samples = (
        [f"sample {i}" for i in range(count)]
        if sample_names is None
        else list(sample_names)
    )
    if len(names) != classes or len(samples) != count:
        raise ValueError(
            f"class_names must have {classes} entries and sample_names {count}, "
            f"got {len(names)} and {len(samples)}"
        )
    probabilities = torch.softmax(logits.detach().float().cpu(), dim=1)  # (N, C)
    width = min(columns, count)
    rows = math.ceil(count / width)
    figure, axes = plt.subplots(
        rows,
        width,
        figsize=(2.7 * width, (0.2 * classes + 0.8) * rows + 0.4),
        squeeze=False,
    )
    for index, ax in enumerate(axes.flat):
        if index >= count:
            ax.set_axis_off()
            continue
        order = torch.argsort(
            probabilities[index], descending=True, stable=True
        ).tolist()
        colours = [_CONV_COLOUR if place < k else "#C8D3E6" for place in range(classes)]
        ax.barh(range(classes), probabilities[index, order].numpy(), color=colours)
        ax.axhline(k - 0.5, color="black", linestyle="--", linewidth=0.8)
        ax.set_yticks(range(classes), [names[c] for c in order], fontsize=7)
        ax.get_yticklabels()[order.index(int(labels[index]))].set(
            color="crimson", fontweight="bold"
        )
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.tick_params(axis="x", labelsize=6)
        mark = "✓" if bool(correct[index]) else "✗"
        ax.set_title(
            f"{mark} {samples[index]} (rank {int(ranks[index])})",
            fontsize=8,
            color="black" if bool(correct[index]) else "crimson",
        )
    wrong = count - int(correct.sum())
    figure.suptitle(
        f"top-{k}: {wrong} of {count} wrong → top-{k} error {wrong / count:.1%}   "
        f"(red label = correct class; shaded = the {k} most probable)",
        fontsize=9,
    )
    figure.tight_layout(pad=0.4)
    return figure


def results_bars(table: object, column: str, *, title: str | None = None) -> Figure:
    """Return a horizontal bar chart of one error column of a :class:`~alexnet_core.results.ResultTable`
    (rows with "–" left out; the best results by others in grey, the paper's nets in blue)."""
    from .results import ResultTable

    if not isinstance(table, ResultTable):
        raise TypeError(
            f"table must be a ResultTable (e.g. results.TABLE_2), got {type(table).__name__}"
        )
    rows = [(row, table.value(row.model, column)) for row in table.rows]
    rows = [(row, value) for row, value in rows if value is not None]
    figure, ax = plt.subplots(figsize=(5.5, 0.45 * len(rows) + 1.0))
    for place, (row, value) in enumerate(rows):
        ax.barh(place, value, color=_OTHERS_COLOUR if row.by_others else _CONV_COLOUR)
        ax.text(value + 0.3, place, f"{value:.1f}%", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [row.model for row, _ in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(value for _, value in rows) * 1.15)
    ax.set_xlabel("error (%)")
    ax.set_title(title or f"{table.title}: {column}", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def layer_costs_figure(
    table: Sequence,
    *,
    title: str | None = None,
    limits: tuple[float, float] | None = None,
) -> Figure:
    """Return two bar charts of a :class:`~alexnet_core.summary.LayerTable`: parameters and multiply-adds
    per conv / FC layer, with the share of each total that the conv layers hold.

    ``limits`` = (parameters, multiply-adds) in millions fixes the two y-axes, so that pictures of
    different models can be compared by eye.
    """
    rows = [row for row in table if row.kind in ("Conv2d", "Linear")]
    if not rows:
        raise ValueError(
            "table must contain Conv2d or Linear rows (a layer_table(...) of a model), got none"
        )
    colours = [_CONV_COLOUR if row.kind == "Conv2d" else _FC_COLOUR for row in rows]
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.1))
    for ax, attribute, label, limit in zip(
        axes,
        ("parameters", "mult_adds"),
        ("parameters", "multiply-adds"),
        limits or (None, None),
    ):
        values = [getattr(row, attribute) for row in rows]
        total, conv = (
            sum(values),
            sum(v for v, row in zip(values, rows) if row.kind == "Conv2d"),
        )
        ax.bar([row.name for row in rows], [v / 1e6 for v in values], color=colours)
        ax.set_ylabel(f"{label} (millions)")
        share = conv / total if total else 0.0
        ax.set_title(
            f"{label}: {total / 1e6:,.1f} M in all, {share:.0%} in conv layers",
            fontsize=9,
        )
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="y", alpha=0.3)
        if limit is not None:
            ax.set_ylim(0, limit)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in (_CONV_COLOUR, _FC_COLOUR)]
    axes[0].legend(handles, ["conv", "fully connected"], fontsize=8, loc="upper left")
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


# ---------------------------------------------------------------- overlapping pooling (§3.4)

__all__ += ["pooling_windows", "pooling_demo"]

_WINDOW_COLOURS = (
    "#d62728",
    "#ff7f0e",
    "#17becf",
)  # three neighbouring windows: right and below


def _outline(
    ax, row: tuple[int, int], column: tuple[int, int], colour: str, offset: float = 0.0
) -> None:
    (r0, r1), (c0, c1) = row, column
    ax.add_patch(
        plt.Rectangle(
            (c0 - 0.5 + offset, r0 - 0.5 + offset),
            c1 - c0 - 2 * offset,
            r1 - r0 - 2 * offset,
            fill=False,
            edgecolor=colour,
            linewidth=2,
        )
    )


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
    from .pooling import pool_output_size, pool_windows, window_counts, window_overlap

    if not settings:
        raise ValueError(
            "settings must list at least one (kernel, stride) pair, got none"
        )
    figure, axes = plt.subplots(
        1, len(settings), figsize=(3.1 * len(settings), 3.3), squeeze=False
    )
    for ax, (kernel, stride) in zip(axes[0], settings):
        counts = window_counts(
            size, kernel, stride, ceil_mode=ceil_mode
        )  # (size, size)
        ax.imshow(
            counts.numpy(), cmap="Blues", vmin=0, vmax=max(4, int(counts.max())) * 1.3
        )
        for (r, c), value in zip(
            torch.cartesian_prod(torch.arange(size), torch.arange(size)).tolist(),
            counts.flatten().tolist(),
        ):
            ax.text(
                c,
                r,
                str(value),
                ha="center",
                va="center",
                fontsize=8,
                color="crimson" if value == 0 else "black",
            )
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
    from .pooling import pool_windows, window_overlap

    check_tensor(feature_map, "feature_map", ndim=2)
    height, width = feature_map.shape
    if height != width:
        raise ValueError(
            f"feature_map must be square (H == W), got shape {tuple(feature_map.shape)}"
        )
    values = feature_map.detach().float().cpu()
    pooled = torch.nn.functional.max_pool2d(
        values[None, None], kernel, stride, ceil_mode=ceil_mode
    )[0, 0]  # (h, w)
    windows = pool_windows(height, kernel, stride, ceil_mode=ceil_mode)
    out = len(windows)
    figure, (left, right) = plt.subplots(
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
    relation = (
        f"neighbours share {window_overlap(kernel, stride)} row/column"
        if kernel >= stride
        else f"{stride - kernel} row/column skipped between windows"
    )
    left.set_title(
        f"input {height}×{width}: windows z = {kernel}, s = {stride}\n({relation})",
        fontsize=9,
    )
    right.set_title(f"max-pooled: {out}×{out}", fontsize=9)
    for ax in (left, right):
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


# ---------------------------------------------------------------------------------------------
# Local response normalization (§3.3) and dropout (§4.2): the chapters' interactive figures

__all__ += ["lrn_response_figure", "dropout_figure", "fit_curves"]


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
    from .lrn_effect import lrn_competition, lrn_peak

    check_tensor(activations, "activations", ndim=3, floating=True)
    if not 0 <= channel < activations.shape[0]:
        raise ValueError(
            f"channel must be in [0, {activations.shape[0] - 1}], got {channel}"
        )
    a = activations.detach().float().cpu()
    competition = lrn_competition(a[None], size, alpha, beta, k, convention=convention)[
        0
    ]  # (C, H, W)
    positive = a > 0
    active = competition[positive]
    coefficient = alpha if convention == "paper" else alpha / size
    figure, axes = plt.subplots(
        1, 4, figsize=(10.5, 2.7), gridspec_kw={"width_ratios": [1, 1, 1.25, 1.25]}
    )
    axes[0].imshow(a[channel].numpy(), cmap="viridis")
    axes[0].set_title(
        f"input a, map #{channel}\n(max {float(a[channel].max()):.3g})", fontsize=9
    )
    axes[1].imshow(competition[channel].numpy(), cmap="magma", vmin=0, vmax=1)
    axes[1].set_title(
        f"competition factor, map #{channel}\n(black 0 … white 1 = none)", fontsize=9
    )
    for ax in axes[:2]:
        ax.set_axis_off()
    share = float((active < 0.9).float().mean()) if active.numel() else 0.0
    median = float(active.median()) if active.numel() else 1.0
    weights = torch.full_like(active, 1.0 / max(active.numel(), 1))
    axes[2].hist(
        active.numpy(), bins=40, range=(0, 1), weights=weights.numpy(), color="#4C72B0"
    )
    axes[2].set_title(
        f"all active units: median {median:.3f}\n{share:.1%} lose > 10% to neighbours",
        fontsize=9,
    )
    axes[2].set_xlabel("competition factor (1 = none)", fontsize=8)
    axes[2].set_ylabel("share of units", fontsize=8)
    top = max(float(a.max()), 1e-6) * 1.1
    x = torch.linspace(0, top, 300, dtype=torch.float64)
    axes[3].plot(
        x.numpy(),
        (x * k**-beta).numpy(),
        "--",
        color="grey",
        label=f"no competition: {k**-beta:.3f}·a",
    )
    axes[3].plot(
        x.numpy(),
        (x * (k + coefficient * x * x) ** -beta).numpy(),
        color="crimson",
        label="alone: a·(k + c·a²)^−β",
    )
    peak = lrn_peak(alpha, beta, k, size=size, convention=convention)
    if peak < top:
        axes[3].axvline(
            peak,
            color="crimson",
            linestyle=":",
            linewidth=1,
            label=f"peak at a = {peak:.3g}",
        )
    axes[3].set_xlabel("input a (up to the largest in the image)", fontsize=8)
    axes[3].set_title("output b of a unit whose\nneighbours are silent", fontsize=9)
    axes[3].legend(fontsize=7, loc="upper left")
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
    from .dropout_masks import apply_dropout, inference_output, sample_keep_mask

    check_tensor(activations, "activations", ndim=1, floating=True)
    generator = torch.Generator().manual_seed(seed)
    h = activations.detach().cpu()
    keep = sample_keep_mask(h.shape, p, generator=generator)
    one_pass = apply_dropout(h, keep, p, mode=mode)
    mean = apply_dropout(
        h.expand(samples, -1),
        sample_keep_mask((samples, h.shape[0]), p, generator=generator),
        p,
        mode=mode,
    ).mean(0)
    test = inference_output(h, p, mode=mode)
    units = torch.arange(h.shape[0]).numpy()
    figure, axes = plt.subplots(3, 1, figsize=(8, 4.6), sharex=True, sharey=True)
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
    for ax in axes[1:]:
        ax.plot(
            units,
            mean.numpy(),
            ".",
            color="black",
            markersize=4,
            label=f"mean training output over {samples} masks",
        )
    axes[1].legend(fontsize=7, loc="upper right")
    axes[2].set_xlabel("unit", fontsize=8)
    for ax in axes:
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3, axis="y")
    figure.suptitle(f"{mode} dropout, p = {p:g}", fontsize=10)
    figure.tight_layout()
    return figure


def fit_curves(
    records: Mapping[str, object], *, metric: str = "error", title: str | None = None
) -> Figure:
    """Return training (solid, dropout off) and test (dashed) curves per run: the generalisation gap.

    ``records`` maps a label to an :class:`~alexnet_core.overfitting.FitRecord`; ``metric`` is
    ``"error"`` or ``"loss"``.
    """
    if metric not in ("error", "loss"):
        raise ValueError(f"metric must be 'error' or 'loss', got {metric!r}")
    if not records:
        raise ValueError("records must map at least one label to a FitRecord, got none")
    figure, ax = plt.subplots(figsize=(6, 3.4))
    for index, (label, record) in enumerate(records.items()):
        data = record.as_dict()
        colour = f"C{index}"
        ax.plot(
            data["epoch"],
            data[f"clean_train_{metric}"],
            "-",
            color=colour,
            label=f"{label}: training set",
        )
        ax.plot(
            data["epoch"],
            data[f"test_{metric}"],
            "--",
            color=colour,
            label=f"{label}: test set",
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{metric} (dropout off)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    figure.tight_layout()
    return figure


# --- Data augmentation and the two-GPU split (chapters "Data augmentation" and "The GPU split") ---

__all__ += ["crop_window_figure", "lighting_figure", "split_costs_figure"]


def crop_window_figure(
    image: torch.Tensor,
    top: int,
    left: int,
    crop_size: int = 224,
    *,
    flip: bool = False,
) -> Figure:
    """Return the (3, H, W) ``image`` with one §4.1 crop window outlined, next to the crop (mirrored if ``flip``)."""
    from .augment import CropFlipParams, crop_flip

    check_tensor(image, "image", ndim=3)
    params = CropFlipParams(
        torch.tensor([top]), torch.tensor([left]), torch.tensor([bool(flip)]), crop_size
    )
    patch = crop_flip(image[None], params)[0]  # validates the window: (3, crop, crop)
    height, width = image.shape[-2:]
    figure, (whole, crop) = plt.subplots(
        1, 2, figsize=(4.6, 2.5), gridspec_kw={"width_ratios": [width, crop_size]}
    )
    whole.imshow(to_display_image(image).numpy())
    whole.add_patch(
        plt.Rectangle(
            (left - 0.5, top - 0.5),
            crop_size,
            crop_size,
            fill=False,
            color="yellow",
            lw=2,
        )
    )
    whole.set_title(
        f"{height}×{width} image, window at (top {top}, left {left})", fontsize=8
    )
    crop.imshow(to_display_image(patch).numpy())
    crop.set_title(
        f"{crop_size}×{crop_size} patch{', mirrored' if flip else ''}", fontsize=8
    )
    for ax in (whole, crop):
        ax.set_axis_off()
    figure.tight_layout(pad=0.3)
    return figure


def lighting_figure(
    image: torch.Tensor,
    shift: torch.Tensor,
    *,
    title: str | None = None,
    gain: float = 10.0,
    show_original: bool = True,
) -> Figure:
    """Return panels for fancy-PCA lighting (§4.1): the (3, H, W) ``image`` (unless ``show_original`` is
    False), ``image + shift`` (one RGB ``shift`` (3,) for every pixel, clipped to [0, 1] for display) and
    the shift itself as a colour swatch, ``0.5 + gain · shift``, with its values in 0–255 units."""
    check_tensor(image, "image", ndim=3)
    check_tensor(shift, "shift", ndim=1)
    if shift.shape != (3,) or image.shape[0] != 3:
        raise ValueError(
            f"image must be (3, H, W) and shift (3,), got {tuple(image.shape)} and {tuple(shift.shape)}"
        )
    shift = shift.detach().float().cpu()
    swatch = (0.5 + gain * shift).view(3, 1, 1).expand(3, 8, 8)
    rgb = ", ".join(f"{255 * value:+.1f}" for value in shift.tolist())
    panels = [(image, "original")] if show_original else []
    panels += [
        (image.detach().cpu() + shift.view(3, 1, 1), "image + shift"),
        (swatch, f"0.5 + {gain:g} × shift\n({rgb})/255"),
    ]
    ratios = [1] * (len(panels) - 1) + [0.6]
    figure, axes = plt.subplots(
        1,
        len(panels),
        figsize=(2.2 * sum(ratios) + 0.4, 2.4),
        gridspec_kw={"width_ratios": ratios},
    )
    for ax, (picture, label) in zip(axes, panels):
        ax.imshow(to_display_image(picture).numpy())
        ax.set_title(label, fontsize=8)
        ax.set_axis_off()
    if title:
        figure.suptitle(title, fontsize=9)
    figure.tight_layout(pad=0.3)
    return figure


def _draw_towers(ax, connected: Sequence[str]) -> None:
    """Draw the two GPU towers of Fig. 2 on ``ax`` with red arrows into the ``connected`` layers."""
    layers = ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"]
    widths = [48, 128, 192, 192, 128, 2048, 2048, 500]
    for column, (name, width) in enumerate(zip(layers, widths)):
        for tower, y in enumerate((1.6, 0.2)):
            ax.add_patch(
                plt.Rectangle(
                    (column * 1.2, y),
                    0.8,
                    0.9,
                    color=("#4C72B0", "#DD8452")[tower],
                    alpha=0.85,
                )
            )
            ax.text(
                column * 1.2 + 0.4,
                y + 0.45,
                f"{name}\n{width}",
                ha="center",
                va="center",
                fontsize=7,
                color="white",
            )
            if column:
                ax.annotate(
                    "",
                    xy=(column * 1.2, y + 0.45),
                    xytext=(column * 1.2 - 0.4, y + 0.45),
                    arrowprops=dict(arrowstyle="->", lw=1),
                )
        if name in connected and column:
            left, right = (column - 1) * 1.2 + 0.8, column * 1.2
            for source, target in ((2.05, 0.65), (0.65, 2.05)):
                ax.annotate(
                    "",
                    xy=(right, target),
                    xytext=(left, source),
                    arrowprops=dict(arrowstyle="->", color="crimson", lw=1.2),
                )
    ax.text(-0.1, 2.6, "GPU 1", fontsize=9, color="#4C72B0")
    ax.text(-0.1, -0.25, "GPU 2", fontsize=9, color="#DD8452")
    ax.set_xlim(-0.3, len(layers) * 1.2)
    ax.set_ylim(-0.4, 2.8)
    ax.set_axis_off()


def split_costs_figure(
    connected: Sequence[str] = ("conv3", "fc6", "fc7", "fc8"),
    *,
    title: str | None = None,
) -> Figure:
    """Return what a choice of communicating layers costs (§3.2): the two towers with red arrows into the
    ``connected`` layers, the bytes crossing per image layer by layer, and the parameters next to the
    paper's choice, on axes fixed for every choice so that frames can be compared."""
    from .split import PAPER_CONNECTED, SPLIT_LAYERS, split_costs

    costs = split_costs(connected)  # validates the layer names
    everything, paper, nothing = (
        split_costs(SPLIT_LAYERS),
        split_costs(PAPER_CONNECTED),
        split_costs(()),
    )
    figure = plt.figure(figsize=(9, 5.4))
    grid = figure.add_gridspec(2, 2, height_ratios=[1.1, 1], width_ratios=[1.5, 1])
    _draw_towers(figure.add_subplot(grid[0, :]), costs.connected)
    traffic = figure.add_subplot(grid[1, 0])
    names = list(everything.bytes_by_layer)
    values = [costs.bytes_by_layer.get(name, 0) / 1e3 for name in names]
    traffic.bar(names, values, color=["crimson" if v else "#C8C8C8" for v in values])
    traffic.set_ylim(0, max(everything.bytes_by_layer.values()) / 1e3 * 1.15)
    traffic.set_ylabel("kB crossing per image")
    traffic.set_title(
        f"forward traffic: {costs.bytes_per_image / 1e3:,.1f} kB per image "
        f"(paper {paper.bytes_per_image / 1e3:,.1f})",
        fontsize=9,
    )
    traffic.tick_params(axis="x", labelsize=7, rotation=30)
    traffic.grid(axis="y", alpha=0.3)
    counts = figure.add_subplot(grid[1, 1])
    labels, numbers = (
        ["no layer", "paper", "this choice", "every layer"],
        [nothing, paper, costs, everything],
    )
    counts.barh(
        labels,
        [c.parameters / 1e6 for c in numbers],
        color=["#A0A0A0", "#4C72B0", "crimson", "#A0A0A0"],
    )
    for place, c in enumerate(numbers):
        counts.text(
            c.parameters / 1e6 - 0.2,
            place,
            f"{c.parameters:,}",
            va="center",
            ha="right",
            fontsize=7,
            color="white",
        )
    counts.set_xlim(0, everything.parameters / 1e6 * 1.02)
    counts.invert_yaxis()
    counts.set_xlabel("parameters (millions)")
    counts.set_title(
        f"parameters: {costs.parameters - paper.parameters:+,} vs paper", fontsize=9
    )
    figure.suptitle(
        title or "layers reading both GPUs: " + (", ".join(costs.connected) or "none"),
        fontsize=10,
    )
    figure.tight_layout()
    return figure


# ---------------------------------------------------------------- runs of several settings × seeds (§3.4 ablation)

__all__ += ["grouped_curves"]


def grouped_curves(
    histories: Mapping[str, object],
    groups: Sequence[str],
    *,
    metrics: Sequence[str] = ("train_error", "test_error"),
    ylabels: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Return one panel per metric with a line per run: one colour per group, one line style per run within it.

    A run belongs to the first entry of ``groups`` that its label contains (e.g. groups
    ``["3×3", "2×2"]`` and labels ``"3×3, seed 0"``, ``"3×3, seed 1"`` …), so repeated seeds of one
    setting share a colour and the spread between them is visible next to the difference between settings.
    ``histories`` maps a label to a :class:`~alexnet_core.train.History` (or a dict of lists).
    """
    if not histories:
        raise ValueError("histories must map at least one label to a history, got none")
    if not groups or not metrics:
        raise ValueError(
            f"groups and metrics must each list at least one entry, got {list(groups)} and {list(metrics)}"
        )
    if ylabels is not None and len(ylabels) != len(metrics):
        raise ValueError(
            f"ylabels must have one entry per metric ({len(metrics)}), got {len(ylabels)}"
        )
    styles = ("-", "--", ":", "-.")
    figure, axes = plt.subplots(
        1, len(metrics), figsize=(4.6 * len(metrics), 3.4), squeeze=False
    )
    seen: dict[str, int] = {}
    for label, history in histories.items():
        group = next((g for g in groups if g in label), None)
        if group is None:
            raise ValueError(
                f"every label must contain one of groups {list(groups)}, got {label!r}"
            )
        within = seen[group] = seen.get(group, -1) + 1
        record = history if isinstance(history, Mapping) else history.as_dict()
        for ax, metric in zip(axes[0], metrics):
            if metric not in record:
                raise ValueError(
                    f"metrics must be among {', '.join(sorted(record))}, got {metric!r}"
                )
            values = record[metric]
            ax.plot(
                record.get("epoch", list(range(1, len(values) + 1))),
                values,
                styles[within % len(styles)],
                color=f"C{list(groups).index(group)}",
                marker="o",
                markersize=3,
                label=label,
            )
    for index, (ax, metric) in enumerate(zip(axes[0], metrics)):
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabels[index] if ylabels else metric.replace("_", " "))
        ax.grid(alpha=0.3)
    axes[0, -1].legend(fontsize=7)
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure
