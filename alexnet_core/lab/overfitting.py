"""Watching a net overfit (§4): its training error with dropout off, next to its test error, epoch by epoch.

``History.train_error`` (:mod:`alexnet_core.train`) is the error of the predictions made *during*
each epoch, with dropout on and the weights still moving; that is the curve the paper's training
plots show, but for a net with dropout it overstates how badly the net fits its training data. This
module evaluates the whole training set again after every epoch in eval mode (dropout off, weights
fixed): that "clean" training error is the number to compare with the test error, and their
difference is the generalisation gap that §4 ("Reducing Overfitting") is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import torch
from torch import nn

from .._checks import check_positive_float
from ..evaluation import evaluate
from ..history import History
from ..recipe import TrainConfig
from ..train import train
from .experiments import check_builders

__all__ = ["FitRecord", "train_tracking_fit", "compare_fits", "first_epoch_at_or_below"]

Augment = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class FitRecord:
    """One run: its :class:`~alexnet_core.train.History` plus the training set re-evaluated after each epoch.

    ``clean_train_loss`` / ``clean_train_error``: mean cross-entropy and top-1 error on the whole
    training set in eval mode after each epoch (one entry per epoch, like ``history``). ``model``
    is the trained model itself, left on the device it was trained on.
    """

    history: History
    clean_train_loss: list[float]
    clean_train_error: list[float]
    model: nn.Module | None = field(default=None, repr=False, compare=False)

    @property
    def gap(self) -> list[float]:
        """Return test error − clean training error for each epoch (needs test data)."""
        if any(error is None for error in self.history.test_error):
            raise ValueError(
                "gap needs a test error for every epoch; this run had no test data"
            )
        return [
            test - train
            for test, train in zip(self.history.test_error, self.clean_train_error)
        ]

    def as_dict(self) -> dict[str, list]:
        """Return the per-epoch record as plain lists (``viz.training_curves`` reads this)."""
        record = self.history.as_dict()
        record.update(
            clean_train_loss=list(self.clean_train_loss),
            clean_train_error=list(self.clean_train_error),
        )
        return record


def train_tracking_fit(
    model: nn.Module,
    train_set,
    test_set=None,
    config: TrainConfig | None = None,
    *,
    device: torch.device | str | None = None,
    augment: Augment | None = None,
    test_augment: Augment | None = None,
) -> FitRecord:
    """Return a :class:`FitRecord` after training ``model`` with :func:`~alexnet_core.train.train`.

    After every epoch the training set is evaluated in eval mode, with ``test_augment`` (the
    deterministic test-time transform, if any) rather than the random training ``augment``.
    """
    losses: list[float] = []
    errors: list[float] = []

    def after_epoch(history: History) -> None:
        # A DataLoader draws its base seed from the global RNG; fork it so the dropout masks and
        # shuffling of the next epochs are the ones an untracked run would draw.
        with torch.random.fork_rng(devices=[]):
            loss, error = evaluate(model, train_set, augment=test_augment)
        losses.append(loss)
        errors.append(error)

    history = train(
        model,
        train_set,
        test_set,
        config,
        device=device,
        augment=augment,
        test_augment=test_augment,
        callback=after_epoch,
    )
    return FitRecord(history, losses, errors, model)


def compare_fits(
    builders: Mapping[str, Callable[[], nn.Module]],
    train_set,
    test_set=None,
    config: TrainConfig | None = None,
    **options: Any,
) -> dict[str, FitRecord]:
    """Return {label: FitRecord}, one fresh model per builder, each built after seeding.

    The global RNG is seeded with ``config.seed`` right before each build. Like
    :func:`alexnet_core.lab.experiments.compare`: the same data, settings and seed for every
    run, so the only difference is what the builders change (e.g. ``dropout=0.0`` versus
    ``0.5``). ``options`` are :func:`train_tracking_fit`'s ``device``, ``augment`` and
    ``test_augment``.
    """
    check_builders(builders)
    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise TypeError(
            f"config must be a TrainConfig or None, got {type(config).__name__}"
        )
    unknown = sorted(set(options) - {"device", "augment", "test_augment"})
    if unknown:
        raise TypeError(
            f"unknown option(s) {unknown}; expected device, augment, test_augment"
        )
    records = {}
    for label, build in builders.items():
        torch.manual_seed(config.seed)
        records[label] = train_tracking_fit(
            build(), train_set, test_set, config, **options
        )
    return records


def first_epoch_at_or_below(values: Sequence[float], threshold: float) -> int | None:
    """Return the first epoch (1-based) whose value is <= ``threshold``, or None if none is.

    A precise meaning for "converged" in the dropout chapter: e.g. the first epoch at which the
    clean training error reaches 5%.
    """
    threshold = check_positive_float(threshold, "threshold", allow_zero=True)
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(
            f"values must be a sequence of numbers (one per epoch), got {type(values).__name__}"
        )
    for epoch, value in enumerate(values, start=1):
        if value <= threshold:
            return epoch
    return None
