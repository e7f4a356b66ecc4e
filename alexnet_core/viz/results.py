"""The results in pictures: top-k correctness per sample (§2), the error tables (§6), and the
book's own measurements over seeds."""

from __future__ import annotations

import math
import statistics
from typing import Mapping, Sequence

import torch

from .base import CONV_COLOUR, OTHERS_COLOUR, Figure, subplots

__all__ = ["topk_figure", "results_bars", "seed_errors"]


def _ranked_panel(ax, probabilities: torch.Tensor, label: int, k: int, names) -> None:
    """Draw one sample's classes by probability, the top ``k`` shaded, its label in red."""
    classes = len(probabilities)
    order = torch.argsort(probabilities, descending=True, stable=True).tolist()
    colours = [CONV_COLOUR if place < k else "#C8D3E6" for place in range(classes)]
    ax.barh(range(classes), probabilities[order].numpy(), color=colours)
    ax.axhline(k - 0.5, color="black", linestyle="--", linewidth=0.8)
    ax.set_yticks(range(classes), [names[c] for c in order], fontsize=7)
    ax.get_yticklabels()[order.index(label)].set(color="crimson", fontweight="bold")
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.tick_params(axis="x", labelsize=6)


def _names(class_names, sample_names, classes: int, count: int) -> tuple[list, list]:
    """Return (class names, sample names), numbered where not given, after checking counts."""
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
    return names, samples


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
    from ..lab.results import topk_correct, true_label_rank

    correct = topk_correct(logits, labels, k)  # validates logits (N, C), labels (N,), k
    ranks = true_label_rank(logits, labels)
    count, classes = logits.shape
    names, samples = _names(class_names, sample_names, classes, count)
    probabilities = torch.softmax(logits.detach().float().cpu(), dim=1)  # (N, C)
    width = min(columns, count)
    rows = math.ceil(count / width)
    figure, axes = subplots(
        rows,
        width,
        figsize=(2.7 * width, (0.2 * classes + 0.8) * rows + 0.4),
        squeeze=False,
    )
    for index, ax in enumerate(axes.flat):
        if index >= count:
            ax.set_axis_off()
            continue
        right = bool(correct[index])
        _ranked_panel(ax, probabilities[index], int(labels[index]), k, names)
        ax.set_title(
            f"{'✓' if right else '✗'} {samples[index]} (rank {int(ranks[index])})",
            fontsize=8,
            color="black" if right else "crimson",
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
    from ..lab.results import ResultTable

    if not isinstance(table, ResultTable):
        raise TypeError(
            f"table must be a ResultTable (e.g. results.TABLE_2), got {type(table).__name__}"
        )
    rows = [(row, table.value(row.model, column)) for row in table.rows]
    rows = [(row, value) for row, value in rows if value is not None]
    figure, ax = subplots(figsize=(5.5, 0.45 * len(rows) + 1.0))
    for place, (row, value) in enumerate(rows):
        ax.barh(place, value, color=OTHERS_COLOUR if row.by_others else CONV_COLOUR)
        ax.text(value + 0.3, place, f"{value:.1f}%", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [row.model for row, _ in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(value for _, value in rows) * 1.15)
    ax.set_xlabel("error (%)")
    ax.set_title(title or f"{table.title}: {column}", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def seed_errors(
    arms: Mapping[str, Mapping[str, float]], *, title: str | None = None
) -> Figure:
    """Return each arm's final test error per seed as dots, the seeds joined across arms.

    ``arms``: {arm label: {seed: error in [0, 1]}}, as
    :func:`~alexnet_core.lab.regularisation.augmentation_arms` returns. A black bar marks each
    arm's median; a grey line joins the runs of one seed, so a paired gain reads as a slope.
    """
    if not isinstance(arms, Mapping) or not arms:
        raise TypeError(
            f"arms must be a non-empty mapping of arm -> {{seed: error}}, got {arms!r}"
        )
    labels = list(arms)
    seeds = list(arms[labels[0]])
    figure, ax = subplots(figsize=(1.5 * len(labels) + 1.5, 3.0))
    for seed in seeds:
        ys = [100 * arms[label][seed] for label in labels]
        ax.plot(range(len(labels)), ys, color="0.75", lw=0.8, zorder=1)
        ax.scatter(range(len(labels)), ys, s=18, color=CONV_COLOUR, zorder=2)
    for place, label in enumerate(labels):
        median = 100 * statistics.median(arms[label].values())
        ax.plot([place - 0.2, place + 0.2], [median] * 2, color="black", lw=2, zorder=3)
        ax.text(place + 0.24, median, f"{median:.1f}%", va="center", fontsize=8)
    ax.set_xticks(range(len(labels)), [label.replace(" + ", "\n+ ") for label in labels],
                  fontsize=8)  # fmt: skip
    ax.set_xlim(-0.4, len(labels) - 0.3)
    ax.set_ylabel("final test error (%)")
    ax.set_title(title or f"{len(seeds)} seeds; bar: median", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure
