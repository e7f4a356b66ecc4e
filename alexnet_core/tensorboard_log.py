"""TensorBoard scalars of a training run: a :func:`~alexnet_core.train.train` callback.

After every epoch :class:`TensorBoardLog` writes the error and loss (training and test), the
learning rate and the training images per second of :meth:`History.last
<alexnet_core.history.History.last>` through ``torch.utils.tensorboard.SummaryWriter``, one
point per epoch. ``tensorboard --logdir DIR`` shows them. TensorBoard is an optional extra
(``pip install tensorboard``, or ``alexnet_core[tensorboard]``); ``metrics.jsonl`` and the
History stay the record of a run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["TensorBoardLog", "SCALARS"]

# tag -> History field; the tags group as "error/…", "loss/…" in TensorBoard's sidebar
SCALARS = {
    "error/train": "train_error",
    "error/test": "test_error",
    "loss/train": "train_loss",
    "loss/test": "test_loss",
    "lr": "lr",
    "images_per_second": "images_per_second",
}


class TensorBoardLog:
    """A ``train`` callback writing :data:`SCALARS` to ``log_dir`` after every epoch.

    ``write=False`` writes nothing (under torchrun only rank 0 writes). The writer opens
    at the first epoch (so a run that fails before it leaves no empty event file), is
    flushed after every epoch and closed by :meth:`close`. A resumed run appends the epochs
    it trains to the same folder. Test scalars are left out when there is no test data.
    """

    def __init__(self, log_dir: str | os.PathLike, *, write: bool = True) -> None:
        if isinstance(log_dir, bool) or not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(f"log_dir must be a str or os.PathLike, got {log_dir!r}")
        if not isinstance(write, bool):
            raise TypeError(f"write must be True or False, got {write!r}")
        self.log_dir, self.write, self._writer = Path(log_dir), write, None
        if write:
            try:
                import tensorboard  # noqa: F401  (SummaryWriter needs it at first use)
            except ImportError as error:
                raise ImportError(
                    "TensorBoard logging needs the tensorboard package: "
                    "pip install tensorboard (or alexnet_core[tensorboard])"
                ) from error

    def on_epoch_end(self, run: Any) -> None:
        """Write this epoch's scalars (when ``write``)."""
        if not self.write:
            return
        if self._writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(log_dir=str(self.log_dir))
        last = run.history.last()
        for tag, field in SCALARS.items():
            if last[field] is not None:
                self._writer.add_scalar(tag, last[field], global_step=last["epoch"])
        self._writer.flush()

    def close(self) -> None:
        """Close the event file (the trainer calls it when training ends)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __repr__(self) -> str:
        return f"TensorBoardLog({str(self.log_dir)!r}, write={self.write})"
