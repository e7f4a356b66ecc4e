"""Training the way the paper did (§5): SGD with momentum and weight decay, and a learning rate divided
by 10 whenever the validation error stopped improving.

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012, §5: batch 128, momentum 0.9, weight decay 0.0005,

    v ← 0.9·v − 0.0005·ε·w − ε·⟨∂L/∂w⟩,    w ← w + v,

ε = 0.01 at the start, divided by 10 when the validation error stopped improving, three times before
the end (~90 epochs). Fig. 1 plots *training* error against epochs; `History.train_error` records the
same quantity and `epochs_to_reach` reads the "epochs to 25% training error" off it.

Works with any ``nn.Module`` classifier returning logits (N, classes) and any Dataset / DataLoader of
``(images, labels)``. On CPU a run is deterministic given ``TrainConfig.seed``, and a run resumed from
its checkpoint is bit-for-bit the uninterrupted run.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import math
import os
import pickle
import random
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, IterableDataset

from alexnet_core._checks import (
    check_choice,
    check_int,
    check_positive_float,
    check_probability,
)

__all__ = [
    "pick_device",
    "seed_everything",
    "PaperSGD",
    "TrainConfig",
    "History",
    "evaluate",
    "train",
    "epochs_to_reach",
    "save_checkpoint",
    "load_checkpoint",
    "throughput",
    "CHECKPOINT_MARKER",
]

CHECKPOINT_MARKER = "alexnet_core_checkpoint"  # key that save_checkpoint writes, load_checkpoint requires
_CHECKPOINT_VERSION = 1
Augment = Callable[
    [torch.Tensor], torch.Tensor
]  # images (N, C, H, W) on device -> images on device


# ---------------------------------------------------------------- devices and seeds


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def pick_device(preferred: str | torch.device | None = None) -> torch.device:
    """Return ``preferred`` as a torch.device after checking it exists; None/"auto" → cuda → mps → cpu."""
    if preferred is None or (isinstance(preferred, str) and preferred == "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if isinstance(preferred, torch.device):
        device = preferred
    elif isinstance(preferred, str):
        try:
            device = torch.device(preferred)
        except (RuntimeError, ValueError) as exc:
            raise ValueError(
                f"device must be None, 'auto', 'cpu', 'cuda', 'cuda:<index>' or 'mps', "
                f"got {preferred!r}"
            ) from exc
    else:
        raise TypeError(
            f"device must be a str, torch.device or None, got {preferred!r} ({type(preferred).__name__})"
        )
    if device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(
            f"device must be None, 'auto', 'cpu', 'cuda', 'cuda:<index>' or 'mps', got {preferred!r}"
        )
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={str(device)!r} was requested but torch.cuda.is_available() is False; "
                f"use 'cpu' or None"
            )
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise ValueError(
                f"device={str(device)!r} was requested but only {count} CUDA device(s) are visible"
            )
    if device.type == "mps" and not _mps_available():
        raise ValueError(
            "device='mps' was requested but torch.backends.mps.is_available() is False; "
            "use 'cpu' or None"
        )
    return device


def seed_everything(seed: int) -> torch.Generator:
    """Return a CPU torch.Generator seeded with ``seed``, after seeding Python's, NumPy's and torch's RNGs."""
    check_int(seed, "seed", minimum=0, maximum=2**64 - 1)
    random.seed(seed)
    try:
        import numpy
    except ImportError:  # numpy is optional here
        pass
    else:
        numpy.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------- the optimizer of §5


class PaperSGD(torch.optim.Optimizer):
    """SGD exactly as printed in §5: ``v ← μ·v − wd·ε·w − ε·g``, ``w ← w + v``.

    While ε is constant this equals ``torch.optim.SGD(momentum=μ, weight_decay=wd, dampening=0)``
    (up to rounding): PyTorch keeps its buffer b in gradient units, b ← μ·b + g + wd·w, and steps
    w ← w − ε·b, so its velocity is −ε·b. The two part when ε changes: PyTorch multiplies the whole
    buffer by the *new* ε at once, whereas the paper's v already holds the old ε, so after a drop
    ε₁ → ε₂ the paper's next step is larger by μ·v·(1 − ε₂/ε₁) and the old rate fades out over a few
    steps (as μᵏ).
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 0.01,
        momentum: float = 0.9,
        weight_decay: float = 5e-4,
    ):
        check_positive_float(lr, "lr")
        check_probability(momentum, "momentum")
        check_positive_float(weight_decay, "weight_decay", allow_zero=True)
        super().__init__(
            params, {"lr": lr, "momentum": momentum, "weight_decay": weight_decay}
        )

    @torch.no_grad()
    def step(
        self, closure: Callable[[], torch.Tensor] | None = None
    ) -> torch.Tensor | None:
        """Return the closure's loss (or None) after one update of every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, momentum, decay = group["lr"], group["momentum"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "velocity" not in state:
                    state["velocity"] = torch.zeros_like(
                        p, memory_format=torch.preserve_format
                    )
                v = state["velocity"]
                v.mul_(momentum).add_(p, alpha=-decay * lr).add_(p.grad, alpha=-lr)
                p.add_(v)
        return loss


# ---------------------------------------------------------------- configuration and history


@dataclass
class TrainConfig:
    """The settings of a run; the defaults are the paper's (§5) except ``epochs`` (it ran ~90).

    ``schedule``: "plateau" divides lr by ``lr_drop_factor`` when the test error (the train error if
    there is no test data) has not improved for ``plateau_patience`` epochs, at most ``max_lr_drops``
    times; "step" divides it after each epoch listed in ``step_epochs``; "constant" never changes it.
    ``amp``: False, True (bf16 where supported, else fp16), "bf16" or "fp16"; used on CUDA only.
    ``log_every``: batches between updates of the progress bar's loss/error readout.
    """

    epochs: int = 10
    batch_size: int = 128
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 5e-4
    optimizer: str = "paper"
    schedule: str = "plateau"
    lr_drop_factor: float = 10.0
    plateau_patience: int = 2
    step_epochs: tuple[int, ...] = ()
    max_lr_drops: int = 3
    amp: bool | str = False
    compile: bool = False
    seed: int = 0
    progress: bool = True
    log_every: int = 10
    num_workers: int = 0

    def __post_init__(self) -> None:
        name = "TrainConfig.{}".format
        for key in ("epochs", "batch_size", "plateau_patience", "log_every"):
            check_int(getattr(self, key), name(key))
        for key in ("max_lr_drops", "num_workers"):
            check_int(getattr(self, key), name(key), minimum=0)
        check_int(self.seed, name("seed"), minimum=0, maximum=2**64 - 1)
        check_positive_float(self.lr, name("lr"))
        check_probability(self.momentum, name("momentum"))
        check_positive_float(self.weight_decay, name("weight_decay"), allow_zero=True)
        if check_positive_float(self.lr_drop_factor, name("lr_drop_factor")) <= 1:
            raise ValueError(
                f"TrainConfig.lr_drop_factor must be > 1, got {self.lr_drop_factor}"
            )
        check_choice(self.optimizer, name("optimizer"), ("paper", "sgd"))
        check_choice(self.schedule, name("schedule"), ("plateau", "step", "constant"))
        self._check_step_epochs()
        if not (
            isinstance(self.amp, bool)
            or (isinstance(self.amp, str) and self.amp in ("bf16", "fp16"))
        ):
            raise ValueError(
                f"TrainConfig.amp must be False, True, 'bf16' or 'fp16', got {self.amp!r}"
            )
        for key in ("compile", "progress"):
            if not isinstance(getattr(self, key), bool):
                raise TypeError(
                    f"TrainConfig.{key} must be a bool, got {getattr(self, key)!r}"
                )

    def _check_step_epochs(self) -> None:
        if not isinstance(self.step_epochs, (tuple, list)):
            raise TypeError(
                f"TrainConfig.step_epochs must be a tuple of epoch numbers, got {self.step_epochs!r}"
            )
        self.step_epochs = tuple(self.step_epochs)
        for epoch in self.step_epochs:
            check_int(epoch, "TrainConfig.step_epochs[i]")
        if list(self.step_epochs) != sorted(set(self.step_epochs)):
            raise ValueError(
                f"TrainConfig.step_epochs must be strictly increasing, got {self.step_epochs}"
            )
        if self.schedule == "step" and not self.step_epochs:
            raise ValueError(
                "TrainConfig.step_epochs must list at least one epoch when schedule='step', got ()"
            )
        if self.schedule != "step" and self.step_epochs:
            raise ValueError(
                f"TrainConfig.step_epochs is only used with schedule='step', "
                f"got schedule={self.schedule!r} and step_epochs={self.step_epochs}"
            )


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


# ---------------------------------------------------------------- checkpoints


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
            f"checkpoint {str(path)!r} was not written by alexnet_core.train.save_checkpoint "
            f"(no {CHECKPOINT_MARKER!r} key); for a plain state_dict use torch.load(path, weights_only=True)"
        )
    if state[CHECKPOINT_MARKER] != _CHECKPOINT_VERSION:
        raise ValueError(
            f"checkpoint {str(path)!r} has format version {state[CHECKPOINT_MARKER]!r}; "
            f"this alexnet_core reads version {_CHECKPOINT_VERSION}"
        )
    return state


# ---------------------------------------------------------------- loops


class _Quiet:
    """Stands in for a tqdm bar when progress is off."""

    def __init__(self, iterable: Iterable) -> None:
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def set_postfix(self, **values: Any) -> None:
        return None


def _progress(iterable: Iterable, enabled: bool, **options: Any):
    if not enabled or os.environ.get("TQDM_DISABLE", "").lower() not in (
        "",
        "0",
        "false",
    ):
        return _Quiet(iterable)
    from tqdm.auto import (
        tqdm,
    )  # imported lazily: in a notebook tqdm.auto pulls in ipywidgets

    return tqdm(
        iterable, disable=False, **options
    )  # explicit: tqdm reads TQDM_DISABLE only at import


def _check_module(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


def _check_callable(value: object, name: str) -> None:
    if value is not None and not callable(value):
        raise TypeError(f"{name} must be callable or None, got {value!r}")


def _as_loader(
    data: object,
    name: str,
    *,
    batch_size: int,
    shuffle: bool,
    generator: torch.Generator | None,
    device: torch.device,
    num_workers: int = 0,
) -> DataLoader:
    if isinstance(data, DataLoader):
        return data
    if not isinstance(data, Dataset):
        raise TypeError(
            f"{name} must be a torch Dataset or DataLoader of (image, label) pairs "
            f"(e.g. TensorDataset(images, labels)), got {type(data).__name__}"
        )
    if isinstance(data, IterableDataset):
        shuffle = False
    elif hasattr(data, "__len__") and len(data) == 0:
        raise ValueError(f"{name} must not be empty, got a dataset of length 0")
    return DataLoader(
        data,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=generator if shuffle else None,
        num_workers=num_workers,
        pin_memory=device.type == "cuda",
    )


def _to_device(
    batch: object, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise TypeError(
            f"each batch must be an (images, labels) pair, got {type(batch).__name__}"
        )
    non_blocking = device.type == "cuda"
    return batch[0].to(device, non_blocking=non_blocking), batch[1].to(
        device, non_blocking=non_blocking
    ).long()


def _autocast(device: torch.device, dtype: torch.dtype | None):
    return (
        torch.autocast(device.type, dtype=dtype)
        if dtype is not None
        else contextlib.nullcontext()
    )


def _model_device(model: nn.Module) -> torch.device:
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def _evaluate_loader(
    forward: Callable,
    model: nn.Module,
    loader: Iterable,
    device: torch.device,
    augment: Augment | None,
    amp_dtype: torch.dtype | None,
) -> tuple[float, float]:
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    loss_sum = torch.zeros((), device=device)
    wrong = torch.zeros((), dtype=torch.int64, device=device)
    count = 0
    try:
        with torch.no_grad():
            for batch in loader:
                images, labels = _to_device(batch, device)
                if augment is not None:
                    images = augment(images)
                with _autocast(device, amp_dtype):
                    logits = forward(images)  # (N, classes)
                loss_sum += F.cross_entropy(logits.float(), labels, reduction="sum")
                wrong += (logits.argmax(dim=1) != labels).sum()
                count += labels.shape[0]
    finally:
        for (
            module,
            mode,
        ) in modes:  # restore each module's own flag, not just the root's
            module.training = mode
    if count == 0:
        raise ValueError("data yielded no batches")
    return loss_sum.item() / count, wrong.item() / count


def evaluate(
    model: nn.Module,
    data: Dataset | DataLoader,
    *,
    device: str | torch.device | None = None,
    batch_size: int = 256,
    augment: Augment | None = None,
) -> tuple[float, float]:
    """Return (mean cross-entropy loss, top-1 error rate) of ``model`` on ``data``, in eval mode under no_grad.

    ``device`` None means where the model's parameters are; otherwise the model is moved there.
    ``augment(images) -> images`` is applied to each batch on the device (e.g. a centre crop).
    Each submodule's train/eval flag is restored afterwards.
    """
    _check_module(model)
    check_int(batch_size, "batch_size")
    _check_callable(augment, "augment")
    device = _model_device(model) if device is None else pick_device(device)
    model.to(device)
    loader = _as_loader(
        data,
        "data",
        batch_size=batch_size,
        shuffle=False,
        generator=None,
        device=device,
    )
    return _evaluate_loader(model, model, loader, device, augment, None)


def _train_epoch(
    forward: Callable,
    model: nn.Module,
    batches: Any,
    optimizer: torch.optim.Optimizer,
    scaler: Any,
    device: torch.device,
    augment: Augment | None,
    amp_dtype: torch.dtype | None,
    log_every: int,
) -> tuple[float, float, int]:
    model.train()
    loss_sum = torch.zeros(
        (), device=device
    )  # kept on the device: no host sync per batch
    wrong = torch.zeros((), dtype=torch.int64, device=device)
    count = 0
    for step, batch in enumerate(batches, 1):
        images, labels = _to_device(batch, device)
        if augment is not None:
            images = augment(images)
        with _autocast(device, amp_dtype):
            logits = forward(images)  # (N, classes)
            loss = F.cross_entropy(logits.float(), labels)
        optimizer.zero_grad(set_to_none=True)
        if (
            scaler is not None
        ):  # fp16: scale the loss so small gradients do not underflow
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        loss_sum += loss.detach() * labels.shape[0]
        wrong += (logits.detach().argmax(dim=1) != labels).sum()
        count += labels.shape[0]
        if step % log_every == 0 and not isinstance(
            batches, _Quiet
        ):  # .item() waits for the device
            batches.set_postfix(
                loss=f"{loss_sum.item() / count:.3f}", err=f"{wrong.item() / count:.3f}"
            )
    if count == 0:
        raise ValueError("train_data yielded no batches")
    return loss_sum.item() / count, wrong.item() / count, count


@dataclass
class _ScheduleState:
    best: float = math.inf
    bad_epochs: int = 0
    drops: int = 0


def _lr_should_drop(
    config: TrainConfig, state: _ScheduleState, history: History
) -> bool:
    if config.schedule == "step":
        return history.epoch[-1] in config.step_epochs
    if config.schedule == "constant":
        return False
    metric = (
        history.test_error[-1]
        if history.test_error[-1] is not None
        else history.train_error[-1]
    )
    if metric < state.best:
        state.best, state.bad_epochs = metric, 0
        return False
    state.bad_epochs += 1
    if (
        state.bad_epochs >= config.plateau_patience
        and state.drops < config.max_lr_drops
    ):
        state.bad_epochs, state.drops = 0, state.drops + 1
        return True
    return False


def _amp_dtype(amp: bool | str, device: torch.device) -> torch.dtype | None:
    if amp is False:
        return None
    if device.type != "cuda":
        warnings.warn(
            f"TrainConfig.amp={amp!r} is ignored on {device}: mixed precision is used on CUDA only",
            stacklevel=3,
        )
        return None
    if amp is True:
        amp = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return torch.bfloat16 if amp == "bf16" else torch.float16


def _make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters (requires_grad=True)")
    kind = PaperSGD if config.optimizer == "paper" else torch.optim.SGD
    return kind(
        params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
    )


def _rng_state(device: torch.device, loader: DataLoader) -> dict[str, Any]:
    generator = getattr(loader, "generator", None)
    return {
        "torch": torch.get_rng_state(),  # dropout and augmentation on CPU
        "cuda": torch.cuda.get_rng_state_all() if device.type == "cuda" else [],
        "mps": torch.mps.get_rng_state() if device.type == "mps" else None,
        "loader": generator.get_state()
        if generator is not None
        else None,  # the shuffling order
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


def _restore(
    path: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: Any,
    loader: DataLoader,
    config: TrainConfig,
) -> tuple[History, _ScheduleState]:
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
    return History.from_dict(state["history"]), _ScheduleState(**state["schedule"])


def _save_run(
    path: str | os.PathLike,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: Any,
    history: History,
    config: TrainConfig,
    schedule: _ScheduleState,
    device: torch.device,
    loader: DataLoader,
) -> None:
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


def train(
    model: nn.Module,
    train_data: Dataset | DataLoader,
    test_data: Dataset | DataLoader | None = None,
    config: TrainConfig | None = None,
    *,
    device: str | torch.device | None = None,
    augment: Augment | None = None,
    test_augment: Augment | None = None,
    callback: Callable[[History], bool | None] | None = None,
    checkpoint_path: str | os.PathLike | None = None,
    resume: bool = False,
    move_model: bool = True,
    write_checkpoints: bool = True,
) -> History:
    """Return the History of training ``model`` with the paper's SGD and lr schedule (§5).

    ``config`` None means ``TrainConfig()``. The model is moved to ``device`` (``pick_device``).
    A Dataset is wrapped in a DataLoader shuffled by a generator seeded from ``config.seed``; a
    DataLoader is used as given. ``augment(images) -> images`` is applied to every training batch on
    the device, ``test_augment`` to every test batch; to resume bit-for-bit they should draw from
    torch's global RNG (checkpointed) rather than a private generator. ``callback(history)`` runs
    after every epoch; returning True stops training. With ``checkpoint_path`` the state (model,
    optimizer, history, schedule, config, RNG states) is saved atomically after every epoch, so a
    KeyboardInterrupt leaves the last finished epoch on disk; ``resume=True`` continues from it (or
    starts afresh if the file does not exist yet), giving on CPU exactly the uninterrupted result.
    Train/eval flags of the model's modules are restored on return.

    For data-parallel runs (``python -m alexnet_core.train`` under torchrun) pass a
    ``DistributedDataParallel`` model and a DataLoader with a ``DistributedSampler`` (its
    ``set_epoch`` is called every epoch) and ``write_checkpoints=False`` on every rank but 0: all
    ranks read the checkpoint to resume, only rank 0 writes it. ``move_model=False`` leaves a model
    that places its own parts (``TwoTowerAlexNet``) where it is; batches still go to ``device``.
    """
    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise TypeError(
            f"config must be a TrainConfig or None, got {type(config).__name__}"
        )
    _check_module(model)
    for value, name in (
        (augment, "augment"),
        (test_augment, "test_augment"),
        (callback, "callback"),
    ):
        _check_callable(value, name)
    if resume and checkpoint_path is None:
        raise ValueError(
            "resume=True needs a checkpoint_path to resume from, got checkpoint_path=None"
        )
    device = pick_device(device)
    generator = seed_everything(config.seed)
    if move_model:
        model.to(device)
    optimizer = _make_optimizer(model, config)
    amp_dtype = _amp_dtype(config.amp, device)
    scaler = torch.amp.GradScaler("cuda") if amp_dtype is torch.float16 else None
    train_loader = _as_loader(
        train_data,
        "train_data",
        batch_size=config.batch_size,
        shuffle=True,
        generator=generator,
        device=device,
        num_workers=config.num_workers,
    )
    test_loader = (
        None
        if test_data is None
        else _as_loader(
            test_data,
            "test_data",
            batch_size=config.batch_size,
            shuffle=False,
            generator=None,
            device=device,
            num_workers=config.num_workers,
        )
    )
    forward = torch.compile(model) if config.compile else model
    history, schedule = History(), _ScheduleState()
    if resume and Path(checkpoint_path).exists():
        history, schedule = _restore(
            Path(checkpoint_path), model, optimizer, scaler, train_loader, config
        )
    modes = [(module, module.training) for module in model.modules()]
    try:
        with _progress(
            range(len(history) + 1, config.epochs + 1),
            config.progress,
            desc="epochs",
            total=config.epochs,
            initial=min(len(history), config.epochs),
        ) as epochs:
            for epoch in epochs:
                sampler = getattr(train_loader, "sampler", None)
                if hasattr(
                    sampler, "set_epoch"
                ):  # DistributedSampler: a new shuffle every epoch
                    sampler.set_epoch(epoch)
                start, lr = time.perf_counter(), optimizer.param_groups[0]["lr"]
                with _progress(
                    train_loader, config.progress, desc=f"epoch {epoch}", leave=False
                ) as batches:
                    train_loss, train_error, count = _train_epoch(
                        forward,
                        model,
                        batches,
                        optimizer,
                        scaler,
                        device,
                        augment,
                        amp_dtype,
                        config.log_every,
                    )
                train_seconds = time.perf_counter() - start
                test_loss = test_error = None
                if test_loader is not None:
                    test_loss, test_error = _evaluate_loader(
                        forward, model, test_loader, device, test_augment, amp_dtype
                    )
                history._append(
                    epoch=epoch,
                    train_loss=train_loss,
                    train_error=train_error,
                    test_loss=test_loss,
                    test_error=test_error,
                    lr=lr,
                    seconds=time.perf_counter() - start,
                    images_per_second=count / train_seconds,
                )
                if _lr_should_drop(config, schedule, history):
                    for group in optimizer.param_groups:
                        group["lr"] /= config.lr_drop_factor
                if checkpoint_path is not None and write_checkpoints:
                    _save_run(
                        checkpoint_path,
                        model,
                        optimizer,
                        scaler,
                        history,
                        config,
                        schedule,
                        device,
                        train_loader,
                    )
                epochs.set_postfix(
                    train_err=f"{train_error:.3f}",
                    lr=f"{lr:.2g}",
                    **({} if test_error is None else {"test_err": f"{test_error:.3f}"}),
                )
                if callback is not None and callback(history):
                    break
    finally:
        for module, mode in modes:
            module.training = mode
    return history


# ---------------------------------------------------------------- speed


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def throughput(
    model: nn.Module,
    *,
    batch_size: int = 32,
    input_size: int = 224,
    device: str | torch.device | None = None,
    steps: int = 5,
    warmup: int = 2,
    train: bool = True,
    copy_model: bool = True,
) -> float:
    """Return images per second of a training step (forward + backward + §5's SGD step) or of inference.

    Times ``model`` on random (batch_size, 3, input_size, input_size) inputs, after ``warmup``
    untimed steps; multiply by the epoch size to estimate an epoch (the paper: ~1.2M images × 90
    epochs). By default a deep copy is timed and ``model`` is untouched; ``copy_model=False`` trains
    ``model`` itself (and moves it to ``device``), which saves one copy of the weights in memory.
    The step is :class:`PaperSGD`'s, whose in-place update needs no memory beyond its momentum.
    """
    _check_module(model)
    check_int(batch_size, "batch_size")
    check_int(input_size, "input_size")
    check_int(steps, "steps")
    check_int(warmup, "warmup", minimum=0)
    if not isinstance(train, bool):
        raise TypeError(f"train must be a bool, got {train!r}")
    if not isinstance(copy_model, bool):
        raise TypeError(f"copy_model must be a bool, got {copy_model!r}")
    device = pick_device(device)
    net = (copy.deepcopy(model) if copy_model else model).to(device).train(train)
    images = torch.randn(
        batch_size,
        3,
        input_size,
        input_size,  # (N, 3, S, S); own generator: no global RNG use
        generator=torch.Generator().manual_seed(0),
    ).to(device)
    labels = torch.zeros(batch_size, dtype=torch.int64, device=device)
    optimizer = (
        PaperSGD(net.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)
        if train
        else None
    )

    def step() -> None:
        if optimizer is None:
            with torch.no_grad():
                net(images)
            return
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(net(images), labels).backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    _synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    _synchronize(device)
    return batch_size * steps / (time.perf_counter() - start)


if (
    __name__ == "__main__"
):  # python -m alexnet_core.train: the command-line trainer lives in cli.py
    from alexnet_core.cli import main

    raise SystemExit(main())
