"""The paper's results as data (§6, Tables 1 and 2) and the top-k error they are measured in (§2).

Krizhevsky, Sutskever & Hinton, NIPS 2012. ILSVRC reports two error rates (§2): top-1, the fraction
of images whose correct label is not the model's most probable label, and top-5, the fraction whose
correct label is not among the five labels the model considers most probable.
:func:`topk_error` computes them from class scores; :func:`evaluate_topk` runs a model over a data set.

The tables are typed here once, from the paper, so the book renders them instead of retyping them:
:data:`TABLE_1` (ILSVRC-2010 test set), :data:`TABLE_2` (ILSVRC-2012 validation and test sets) and
:data:`FALL_2009` (the Fall 2009 ImageNet release, reported in the text of §6, not in a table).
Errors are percentages; ``None`` is the paper's "–" (not reported). Row names are the paper's,
without its bracketed citation numbers.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Iterable, Sequence

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .._checks import check_finite, check_int, check_tensor
from ..evaluation import as_loader, model_device, predictions
from ..summary import text_table

__all__ = [
    "ResultRow",
    "ResultTable",
    "TABLE_1",
    "TABLE_2",
    "FALL_2009",
    "true_label_rank",
    "topk_correct",
    "topk_error",
    "evaluate_topk",
]


@dataclass(frozen=True)
class ResultRow:
    """One row of a results table: a model and its error rates in percent (None = "–")."""

    model: str
    errors: tuple[float | None, ...]
    by_others: bool = (
        False  # the paper sets the best results achieved by others in italics
    )


@dataclass(frozen=True)
class ResultTable:
    """A results table of the paper; renders as HTML (Jupyter, the book) and as plain text."""

    title: str
    columns: tuple[str, ...]  # the error columns, after the "Model" column
    rows: tuple[ResultRow, ...]
    caption: str = ""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row.errors) != len(self.columns):
                raise ValueError(
                    f"row {row.model!r} must have {len(self.columns)} errors, got {len(row.errors)}"
                )

    def value(self, model: str, column: str) -> float | None:
        """Return the error (percent, or None for "–") of ``model`` in ``column``."""
        if column not in self.columns:
            raise ValueError(
                f"column must be one of {', '.join(map(repr, self.columns))}, got {column!r}"
            )
        for row in self.rows:
            if row.model == model:
                return row.errors[self.columns.index(column)]
        models = ", ".join(repr(r.model) for r in self.rows)
        raise ValueError(f"model must be one of {models}, got {model!r}")

    def _cells(self) -> list[list[str]]:
        return [
            [row.model, *("–" if e is None else f"{e:.1f}%" for e in row.errors)]
            for row in self.rows
        ]

    def __str__(self) -> str:
        cells = [["Model", *self.columns], *self._cells()]
        return f"{self.title}\n{text_table(cells, left=1)}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in ("Model", *self.columns))
        body = ""
        for row, cells in zip(self.rows, self._cells()):
            wrap = (lambda s: f"<em>{s}</em>") if row.by_others else (lambda s: s)
            body += (
                "<tr>"
                + "".join(f"<td>{wrap(html.escape(c))}</td>" for c in cells)
                + "</tr>"
            )
        caption = html.escape(self.title) + (
            f"<br><small>{html.escape(self.caption)}</small>" if self.caption else ""
        )
        return (
            f'<table class="results-table"><caption>{caption}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


TABLE_1 = ResultTable(
    title="Table 1: ILSVRC-2010 test set",
    columns=("Top-1", "Top-5"),
    rows=(
        ResultRow(
            "Sparse coding", (47.1, 28.2), by_others=True
        ),  # the best entry of the 2010 contest
        ResultRow(
            "SIFT + FVs", (45.7, 25.7), by_others=True
        ),  # the best published since
        ResultRow("CNN", (37.5, 17.0)),
    ),
    caption="In italics: the best results achieved by others.",
)

TABLE_2 = ResultTable(
    title="Table 2: ILSVRC-2012 validation and test sets",
    columns=("Top-1 (val)", "Top-5 (val)", "Top-5 (test)"),
    rows=(
        ResultRow(
            "SIFT + FVs", (None, None, 26.2), by_others=True
        ),  # the second-best contest entry
        ResultRow("1 CNN", (40.7, 18.2, None)),
        ResultRow("5 CNNs", (38.1, 16.4, 16.4)),
        ResultRow("1 CNN*", (39.0, 16.6, None)),
        ResultRow("7 CNNs*", (36.7, 15.4, 15.3)),
    ),
    caption=(
        "In italics: the best results achieved by others. * = pre-trained on the whole ImageNet Fall 2011 "
        "release (15M images, 22K categories) with an extra sixth convolutional layer, then fine-tuned on "
        "ILSVRC-2012. '7 CNNs*' averages two such nets with the five CNNs."
    ),
)

FALL_2009 = ResultTable(
    title="§6: ImageNet Fall 2009 release (10,184 categories, 8.9 million images), half for training, half for testing",
    columns=("Top-1", "Top-5"),
    rows=(
        ResultRow("Best published", (78.1, 60.9), by_others=True),
        ResultRow("CNN (sixth conv layer added)", (67.4, 40.9)),
    ),
    caption="Reported in the text of §6, not in a table.",
)


def _check_scores(logits: object, labels: object) -> tuple[torch.Tensor, torch.Tensor]:
    check_tensor(logits, "logits", ndim=2, floating=True)
    check_finite(
        logits, "logits"
    )  # a NaN score would otherwise rank the true label first
    check_tensor(labels, "labels", ndim=1)
    if labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise TypeError(
            f"labels must be an integer tensor of class indices, got dtype {labels.dtype}"
        )
    if labels.shape[0] != logits.shape[0]:
        raise ValueError(
            f"labels must have one entry per row of logits ({logits.shape[0]}), got {labels.shape[0]}"
        )
    if labels.numel() and (labels.min() < 0 or labels.max() >= logits.shape[1]):
        raise ValueError(
            f"labels must be class indices in [0, {logits.shape[1] - 1}], got values "
            f"from {int(labels.min())} to {int(labels.max())}"
        )
    return logits, labels.to(device=logits.device, dtype=torch.long)


def true_label_rank(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Return the rank (1 = most probable) of each sample's correct label among its scores, shape (N,).

    ``logits`` (N, C) may be raw scores or probabilities: softmax keeps the order. The rank is one
    plus the number of classes scored strictly higher, so ties count in the correct label's favour.
    """
    logits, labels = _check_scores(logits, labels)
    correct_score = logits.gather(1, labels[:, None])  # (N, 1)
    return 1 + (logits > correct_score).sum(dim=1)  # (N,)


def topk_correct(logits: torch.Tensor, labels: torch.Tensor, k: int) -> torch.Tensor:
    """Return a bool tensor (N,): True where the correct label is among the ``k`` highest scores."""
    logits, labels = _check_scores(logits, labels)
    check_int(k, "k", maximum=logits.shape[1])
    return true_label_rank(logits, labels) <= k


def topk_error(logits: torch.Tensor, labels: torch.Tensor, k: int = 5) -> float:
    """Return the top-``k`` error rate in [0, 1] (§2): the fraction of samples whose correct label is
    not among the ``k`` labels with the highest scores. ``k=1`` is the ordinary error rate."""
    correct = topk_correct(logits, labels, k)
    if correct.numel() == 0:
        raise ValueError("logits must hold at least one sample, got none")
    return 1.0 - correct.float().mean().item()


def evaluate_topk(
    model: nn.Module,
    data: Dataset | DataLoader,
    ks: Sequence[int] = (1, 5),
    *,
    device: str | torch.device | None = None,
    batch_size: int = 128,
    num_workers: int = 0,
) -> dict[int, float]:
    """Return {k: top-k error rate} of ``model`` over ``data`` ((image, label) pairs), in eval mode.

    ``device`` None means where the model's parameters are; otherwise the model is moved there.
    ``num_workers`` > 0 decodes images in parallel (worth it for an ImageNet-style JPEG folder).
    The model's train/eval flag is restored afterwards.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    ks = tuple(check_int(k, "each k") for k in _as_sequence(ks))
    check_int(batch_size, "batch_size")
    check_int(num_workers, "num_workers", minimum=0)
    if device is not None:
        model.to(device)
    loader = as_loader(data, "data", batch_size=batch_size, num_workers=num_workers)
    correct, count = dict.fromkeys(ks, 0), 0
    for logits, labels in predictions(model, loader, model_device(model)):
        ranks = true_label_rank(logits.float(), labels)  # logits (B, classes)
        for k in ks:
            correct[k] += int((ranks <= k).sum())
        count += ranks.shape[0]
    if count == 0:
        raise ValueError("data must yield at least one (image, label) pair, got none")
    return {k: 1.0 - correct[k] / count for k in ks}


def _as_sequence(ks: object) -> Iterable[int]:
    if isinstance(ks, int) and not isinstance(ks, bool):
        return (ks,)
    if not isinstance(ks, (list, tuple)) or not ks:
        raise TypeError(f"ks must be a non-empty list or tuple of ints, got {ks!r}")
    return ks
