"""The record of a run, epoch by epoch, and what Fig. 1 reads off it.

Fig. 1 of the paper plots *training* error against epochs; :attr:`History.train_error` records
the same quantity and :func:`epochs_to_reach` reads the "epochs to 25% training error" off it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._checks import check_choice, check_probability

__all__ = ["History", "epochs_to_reach"]

_HISTORY_FIELDS = (
    "epoch",
    "train_loss",
    "train_error",
    "test_loss",
    "test_error",
    "lr",
    "seconds",
    "images_per_second",
)


@dataclass
class History:
    """Per-epoch record of a run: one list entry per epoch.

    ``train_error`` is the top-1 error of the batch predictions made *during* the epoch (dropout on,
    weights moving), which is what Fig. 1 of the paper plots as training error. ``test_loss`` /
    ``test_error`` are None when there was no test data. ``lr`` is the rate used during the epoch;
    ``seconds`` covers training and evaluation; ``images_per_second`` counts training only.
    """

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_error: list[float] = field(default_factory=list)
    test_loss: list[float | None] = field(default_factory=list)
    test_error: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    images_per_second: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.epoch)

    def as_dict(self) -> dict[str, list]:
        """Return the history as a plain dict of lists (copies), keyed by field name."""
        return {key: list(getattr(self, key)) for key in _HISTORY_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, list]) -> History:
        """Return a History built from ``as_dict()`` output, after checking keys and lengths."""
        if not isinstance(data, dict) or set(data) != set(_HISTORY_FIELDS):
            keys = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError(
                f"history must be a dict with keys {list(_HISTORY_FIELDS)}, got {keys}"
            )
        if len({len(data[key]) for key in _HISTORY_FIELDS}) != 1:
            raise ValueError(
                f"history lists must have equal lengths, got "
                f"{ {key: len(data[key]) for key in _HISTORY_FIELDS} }"
            )
        return cls(**{key: list(data[key]) for key in _HISTORY_FIELDS})

    def to_json(self, path: str | os.PathLike) -> Path:
        """Return the path written after saving the history as one JSON object of lists."""
        path = Path(path)
        path.write_text(json.dumps(self.as_dict()) + "\n")
        return path

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> History:
        """Return the History stored at ``path`` by ``to_json``."""
        return cls.from_dict(json.loads(Path(path).read_text()))

    def last(self) -> dict[str, Any]:
        """Return the last epoch's row as a dict (field name → value)."""
        if not self.epoch:
            raise ValueError("history is empty: no epoch has finished yet")
        return {key: getattr(self, key)[-1] for key in _HISTORY_FIELDS}

    def _append(self, **row: Any) -> None:
        for key in _HISTORY_FIELDS:
            getattr(self, key).append(row[key])


def epochs_to_reach(
    history: History, error: float = 0.25, *, split: str = "train"
) -> int | None:
    """Return the first epoch (1-based, whole epochs, no interpolation) whose error is <= ``error``, or None.

    Fig. 1 of the paper compares nets by the epochs they need to reach 25% training error.
    """
    if not isinstance(history, History):
        raise TypeError(f"history must be a History, got {type(history).__name__}")
    error = check_probability(error, "error", allow_one=True)
    errors = (
        history.train_error
        if check_choice(split, "split", ("train", "test")) == "train"
        else history.test_error
    )
    for epoch, value in zip(history.epoch, errors):
        if value is not None and value <= error:
            return epoch
    return None
