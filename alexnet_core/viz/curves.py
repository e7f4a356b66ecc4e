"""Training curves: error against epochs (Fig. 1), runs of several settings, the generalisation gap (§4)."""

from __future__ import annotations

from typing import Mapping, Sequence

from matplotlib.ticker import MaxNLocator

from .base import Figure, subplots

__all__ = ["training_curves", "grouped_curves", "fit_curves", "fig1_figure"]


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
    figure, ax = subplots(figsize=(5.5, 3.4))
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


def _plot_run(
    axes, metrics: Sequence[str], history: object, label: str, **style
) -> None:
    """Plot one run's ``metrics`` against epochs, one metric per axis."""
    record = history if isinstance(history, Mapping) else history.as_dict()
    for ax, metric in zip(axes, metrics):
        if metric not in record:
            raise ValueError(
                f"metrics must be among {', '.join(sorted(record))}, got {metric!r}"
            )
        values = record[metric]
        epochs = record.get("epoch", list(range(1, len(values) + 1)))
        ax.plot(
            epochs, values, style["style"], color=style["color"], marker="o",
            markersize=3, label=label,
        )  # fmt: skip


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
    figure, axes = subplots(
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
        style, colour = styles[within % len(styles)], f"C{list(groups).index(group)}"
        _plot_run(axes[0], metrics, history, label, style=style, color=colour)
    for index, (ax, metric) in enumerate(zip(axes[0], metrics)):
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabels[index] if ylabels else metric.replace("_", " "))
        ax.grid(alpha=0.3)
    axes[0, -1].legend(fontsize=7)
    if title:
        figure.suptitle(title, fontsize=10)
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
    figure, ax = subplots(figsize=(6, 3.4))
    for index, (label, record) in enumerate(records.items()):
        data = record.as_dict()
        colour = f"C{index}"
        for key, style, name in (
            ("clean_train", "-", "training"),
            ("test", "--", "test"),
        ):
            values = data[f"{key}_{metric}"]
            ax.plot(
                data["epoch"], values, style, color=colour, label=f"{label}: {name} set"
            )
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{metric} (dropout off)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    figure.tight_layout()
    return figure


def fig1_figure(results: Sequence[object], *, title: str | None = None) -> Figure:
    """Return Fig. 1 as the paper draws it, one panel per result: ReLU solid, tanh dashed.

    ``results`` are :class:`~alexnet_core.lab.relu_speed.Fig1Result` objects (their
    ``histories``, ``target``, ``regime``, ``speedup`` and ``lower_bound`` are read).
    """
    if not results:
        raise ValueError("results must hold at least one Fig1Result, got none")
    figure, axes = subplots(
        1, len(results), figsize=(4.2 * len(results), 3.3), squeeze=False, sharey=True
    )
    for ax, result in zip(axes[0], results):
        for activation, style in (("relu", "-"), ("tanh", "--")):
            history = result.histories[activation]
            lr = result.learning_rates[activation]
            ax.plot(history.epoch, history.train_error, style, color="black",
                    label=f"{activation} (lr {lr:g})")  # fmt: skip
        ax.axhline(result.target, color="grey", linewidth=0.8, linestyle=":")
        ratio = result.speedup
        said = "ReLU never reached it" if ratio is None else (
            f"speed-up {'≥ ' if result.lower_bound else ''}{ratio:.2g}×"
        )  # fmt: skip
        ax.set_title(f"{result.regime}, seed {result.seed}: {said}", fontsize=9)
        ax.set_xlabel("epochs")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, 0.95)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0, 0].set_ylabel("training error rate")
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure
