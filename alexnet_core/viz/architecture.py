"""The architecture in pictures: the two towers (Fig. 2), what the split costs (§3.2),
parameters and multiply-adds per layer (§3.5).
"""

from __future__ import annotations

from typing import Sequence

from matplotlib.patches import Rectangle

from ..split import tower_widths
from .base import CONV_COLOUR, FC_COLOUR, Figure, subplots

__all__ = ["two_tower_diagram", "layer_costs_figure", "split_costs_figure"]


def two_tower_diagram(
    connected: Sequence[str] = ("conv3", "fc6", "fc7", "fc8"),
) -> Figure:
    """Return a drawing of the two GPU towers (Fig. 2), with arrows where they exchange activations."""
    figure, ax = subplots(figsize=(9, 3.2))
    _draw_towers(ax, connected)
    ax.set_title(
        "The two towers: red arrows = activations crossing between GPUs", fontsize=10
    )
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
    colours = [CONV_COLOUR if row.kind == "Conv2d" else FC_COLOUR for row in rows]
    figure, axes = subplots(1, 2, figsize=(9, 3.1))
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
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in (CONV_COLOUR, FC_COLOUR)]
    axes[0].legend(handles, ["conv", "fully connected"], fontsize=8, loc="upper left")
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


def _draw_towers(ax, connected: Sequence[str]) -> None:
    """Draw the two GPU towers of Fig. 2 on ``ax`` with red arrows into the ``connected`` layers."""
    layers, widths = zip(*tower_widths().items())  # conv1 48 … fc8 500: one GPU's half
    for column, (name, width) in enumerate(zip(layers, widths)):
        for tower, y in enumerate((1.6, 0.2)):
            ax.add_patch(
                Rectangle(
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


def _traffic_panel(traffic, costs, everything, paper) -> None:
    """Draw the bytes crossing per image, layer by layer, on axes fixed for every choice."""
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


def _parameter_panel(counts, costs, everything, paper, nothing) -> None:
    """Draw the parameters of this choice next to no layer, the paper's and every layer."""
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


def split_costs_figure(
    connected: Sequence[str] = ("conv3", "fc6", "fc7", "fc8"),
    *,
    title: str | None = None,
) -> Figure:
    """Return what a choice of communicating layers costs (§3.2): the two towers with red arrows into the
    ``connected`` layers, the bytes crossing per image layer by layer, and the parameters next to the
    paper's choice, on axes fixed for every choice so that frames can be compared."""
    from ..split import PAPER_CONNECTED, SPLIT_LAYERS, split_costs

    costs = split_costs(connected)  # validates the layer names
    everything, paper, nothing = (
        split_costs(SPLIT_LAYERS),
        split_costs(PAPER_CONNECTED),
        split_costs(()),
    )
    figure = Figure(figsize=(9, 5.4))
    grid = figure.add_gridspec(2, 2, height_ratios=[1.1, 1], width_ratios=[1.5, 1])
    _draw_towers(figure.add_subplot(grid[0, :]), costs.connected)
    _traffic_panel(figure.add_subplot(grid[1, 0]), costs, everything, paper)
    _parameter_panel(figure.add_subplot(grid[1, 1]), costs, everything, paper, nothing)
    figure.suptitle(
        title or "layers reading both GPUs: " + (", ".join(costs.connected) or "none"),
        fontsize=10,
    )
    figure.tight_layout()
    return figure
