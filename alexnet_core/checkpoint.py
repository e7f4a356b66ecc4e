"""Checkpoints: written atomically, read back with ``torch.load(weights_only=True)``.

:func:`save_checkpoint` writes a temporary file in the same folder, fsyncs it and renames it
over the old one, so a crash or a KeyboardInterrupt mid-write leaves the previous checkpoint
whole. :func:`load_checkpoint` refuses anything but tensors and plain containers (unpickling
arbitrary objects can run code). :func:`save_run` and :func:`restore_run` store and restore
everything a training run needs to continue bit for bit: model, optimizer, scaler, history,
schedule, config and every RNG state, including the loader's shuffling generator.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from .history import History
from .recipe import ScheduleState, TrainConfig

__all__ = [
    "CHECKPOINT_MARKER",
    "save_checkpoint",
    "load_checkpoint",
    "save_run",
    "restore_run",
    "Checkpointer",
]

CHECKPOINT_MARKER = (
    "alexnet_core_checkpoint"  # save_checkpoint writes it, load requires it
)
_CHECKPOINT_VERSION = 1


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on every platform (e.g. Windows)
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def save_checkpoint(path: str | os.PathLike, **state: Any) -> Path:
    """Return the path written after saving ``state`` atomically (temp file in the same folder, fsync, os.replace).

    A crash or KeyboardInterrupt while writing leaves any previous file at ``path`` untouched.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {path!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {**state, CHECKPOINT_MARKER: _CHECKPOINT_VERSION}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            torch.save(payload, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(path.parent)
    return path


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    detail = next(
        (line for line in lines if "WeightsUnpickler error" in line),
        lines[0] if lines else "",
    )
    return f"{type(exc).__name__}: {detail}"


def load_checkpoint(
    path: str | os.PathLike, *, map_location: Any = "cpu"
) -> dict[str, Any]:
    """Return the dict saved by ``save_checkpoint`` at ``path``, loaded with torch.load(weights_only=True)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {path!r}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"checkpoint {str(path)!r} does not exist")
    if not path.is_file():
        raise ValueError(f"checkpoint {str(path)!r} is not a file")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only" not in str(exc).lower():
            raise ValueError(
                f"checkpoint {str(path)!r} could not be read: the file is truncated or corrupt "
                f"({_first_line(exc)})"
            ) from exc
        raise ValueError(
            f"checkpoint {str(path)!r} holds objects other than tensors and plain containers, "
            f"which torch.load(weights_only=True) refuses to unpickle because unpickling arbitrary "
            f"objects can run code; only load files written by save_checkpoint "
            f"({_first_line(exc)})"
        ) from exc
    except Exception as exc:  # truncated zip (RuntimeError), empty file (EOFError), garbage (KeyError, ...)
        raise ValueError(
            f"checkpoint {str(path)!r} could not be read: the file is truncated, corrupt or not "
            f"a torch.save file ({_first_line(exc)})"
        ) from exc
    if not isinstance(state, dict) or CHECKPOINT_MARKER not in state:
        raise ValueError(
            f"checkpoint {str(path)!r} was not written by alexnet_core.checkpoint.save_checkpoint "
            f"(no {CHECKPOINT_MARKER!r} key); for a plain state_dict use torch.load(path, weights_only=True)"
        )
    if state[CHECKPOINT_MARKER] != _CHECKPOINT_VERSION:
        raise ValueError(
            f"checkpoint {str(path)!r} has format version {state[CHECKPOINT_MARKER]!r}; "
            f"this alexnet_core reads version {_CHECKPOINT_VERSION}"
        )
    return state


def _rng_state(device: torch.device, loader: DataLoader) -> dict[str, Any]:
    generator = getattr(loader, "generator", None)
    return {
        "torch": torch.get_rng_state(),  # dropout and augmentation on CPU
        "cuda": torch.cuda.get_rng_state_all() if device.type == "cuda" else [],
        "mps": torch.mps.get_rng_state() if device.type == "mps" else None,
        "loader": None if generator is None else generator.get_state(),  # shuffle order
    }


def _set_rng_state(state: dict[str, Any], loader: DataLoader) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"]:
        torch.cuda.set_rng_state_all(state["cuda"])
    if state["mps"] is not None:
        torch.mps.set_rng_state(state["mps"])
    generator = getattr(loader, "generator", None)
    if generator is not None and state["loader"] is not None:
        generator.set_state(state["loader"])


_RESUME_MAY_CHANGE = {"epochs", "progress", "log_every", "num_workers", "compile"}


def restore_run(
    path: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: Any,
    loader: DataLoader,
    config: TrainConfig,
) -> tuple[History, ScheduleState]:
    """Return (History, ScheduleState) of the run saved at ``path``, after loading its state.

    Model, optimizer, scaler and RNG states (torch's, CUDA's, MPS's and the loader's) are
    restored in place; the saved TrainConfig must equal ``config`` except for the fields
    that do not change the result (``epochs``, ``progress``, ``log_every`` …).
    """
    state = load_checkpoint(path)
    missing = {"model", "optimizer", "history", "config", "schedule", "rng"} - set(
        state
    )
    if missing:
        raise ValueError(
            f"checkpoint {str(path)!r} lacks {sorted(missing)}: it was not written by train()"
        )
    try:
        saved = dataclasses.asdict(TrainConfig(**state["config"]))
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"checkpoint {str(path)!r} holds an unreadable TrainConfig: {exc}"
        ) from exc
    current = dataclasses.asdict(config)
    changed = [
        f"{key}={saved[key]!r} there, {current[key]!r} here"
        for key in current
        if key not in _RESUME_MAY_CHANGE and saved[key] != current[key]
    ]
    if changed:
        raise ValueError(
            f"checkpoint {str(path)!r} was written with another TrainConfig ({'; '.join(changed)}); "
            f"resume with the same config (only {sorted(_RESUME_MAY_CHANGE)} may change)"
        )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if scaler is not None and state.get("scaler") is not None:
        scaler.load_state_dict(state["scaler"])
    _set_rng_state(state["rng"], loader)
    return History.from_dict(state["history"]), ScheduleState(**state["schedule"])


def save_run(
    path: str | os.PathLike,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: Any,
    history: History,
    config: TrainConfig,
    schedule: ScheduleState,
    device: torch.device,
    loader: DataLoader,
) -> None:
    """Save everything :func:`restore_run` needs to continue the run, atomically."""
    # plain containers and tensors only, so that load_checkpoint's weights_only=True accepts it
    save_checkpoint(
        path,
        epoch=history.epoch[-1],
        model=model.state_dict(),
        optimizer=optimizer.state_dict(),
        scaler=None if scaler is None else scaler.state_dict(),
        history=history.as_dict(),
        config=dataclasses.asdict(config),
        schedule=dataclasses.asdict(schedule),
        rng=_rng_state(device, loader),
    )


class Checkpointer:
    """A :func:`~alexnet_core.train.train` callback that checkpoints the run after every epoch.

    ``Checkpointer(path)`` saves the whole run (model, optimizer, history, schedule, config,
    RNG states) atomically after every epoch, so a KeyboardInterrupt leaves the last
    finished epoch on disk. ``resume=True`` continues from ``path`` when it exists (and
    starts afresh when it does not yet), giving on CPU exactly the uninterrupted result.
    ``write=False`` only resumes: under torchrun every rank reads the checkpoint and only
    rank 0 writes it.
    """

    def __init__(
        self, path: str | os.PathLike, *, resume: bool = False, write: bool = True
    ) -> None:
        if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, got {path!r}")
        for value, name in ((resume, "resume"), (write, "write")):
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be True or False, got {value!r}")
        self.path, self.resume, self.write = Path(path), resume, write

    def on_start(self, run: Any) -> None:
        """Restore the saved run into ``run`` when resuming and the file exists."""
        if self.resume and self.path.exists():
            run.history, run.schedule = restore_run(
                self.path,
                run.model,
                run.optimizer,
                run.scaler,
                run.train_loader,
                run.config,
            )

    def on_epoch_end(self, run: Any) -> None:
        """Save the run as it stands after this epoch (when ``write``)."""
        if self.write:
            save_run(
                self.path,
                run.model,
                run.optimizer,
                run.scaler,
                run.history,
                run.config,
                run.schedule,
                run.device,
                run.train_loader,
            )

    def __repr__(self) -> str:
        return f"Checkpointer({str(self.path)!r}, resume={self.resume}, write={self.write})"
