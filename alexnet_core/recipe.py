"""The paper's training recipe (§5): its SGD update, the run's settings, the lr schedule.

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural
Networks", NIPS 2012, §5: batch 128, momentum 0.9, weight decay 0.0005,

    v ← 0.9·v − 0.0005·ε·w − ε·⟨∂L/∂w⟩,    w ← w + v,

ε = 0.01 at the start, divided by 10 when the validation error stopped improving, three times
before the end (~90 epochs). :class:`PaperSGD` is that update, :class:`TrainConfig` holds the
settings of a run (the paper's by default) and :func:`lr_should_drop` is the schedule;
:func:`alexnet_core.train.train` runs the loop.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

import torch
from torch import nn

from ._checks import check_choice, check_int, check_positive_float, check_probability

__all__ = [
    "PaperSGD",
    "TrainConfig",
    "lr_should_drop",
    "make_optimizer",
    "amp_dtype",
]

if TYPE_CHECKING:  # pragma: no cover - only for type hints
    from .history import History


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
    ``channels_last``: train with 4-D weights and activations in NHWC memory order
    (``torch.channels_last``) on CPU and CUDA; :func:`~alexnet_core.train.train` hands the model
    back in the order it came. The same arithmetic in another summation order, so results differ
    from NCHW at float rounding. Measured on 2 CPU cores: training steps 1.5× faster for
    ``alexnet("fig1")`` (its NCHW max-pooling is slow), 1.2× for ``"cifar_towers"``, 1.1× for
    ``"paper"`` at 224.
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
    channels_last: bool = True

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
        for key in ("compile", "progress", "channels_last"):
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


@dataclass
class ScheduleState:
    """Where the plateau schedule stands: the best error so far, bad epochs, drops made."""

    best: float = math.inf
    bad_epochs: int = 0
    drops: int = 0


def lr_should_drop(config: TrainConfig, state: ScheduleState, history: History) -> bool:
    """Return whether to divide lr after the epoch just recorded (updates ``state``)."""
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


def amp_dtype(amp: bool | str, device: torch.device) -> torch.dtype | None:
    """Return the autocast dtype for ``TrainConfig.amp`` on ``device`` (None: full precision)."""
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


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """Return the optimizer ``config.optimizer`` names over the trainable parameters."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters (requires_grad=True)")
    kind = PaperSGD if config.optimizer == "paper" else torch.optim.SGD
    return kind(
        params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
    )
