"""The training loop of §5: epochs of SGD steps, a test pass, the lr schedule, callbacks.

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural
Networks", NIPS 2012, §5. The recipe (the update rule, the settings, the schedule) is in
:mod:`alexnet_core.recipe`, the record of a run in :mod:`alexnet_core.history`, checkpoints in
:mod:`alexnet_core.checkpoint`, devices and seeds in :mod:`alexnet_core.runtime`; this module is
the loop that puts them together.

Works with any ``nn.Module`` classifier returning logits (N, classes) and any Dataset /
DataLoader of ``(images, labels)``. On CPU a run is deterministic given ``TrainConfig.seed``, and
a run resumed from its checkpoint (``callback=Checkpointer(path, resume=True)``) is bit for bit
the uninterrupted run.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .evaluation import (
    Augment,
    as_loader,
    autocast,
    check_callable,
    check_module,
    evaluate,
    loss_and_error,
    predictions,
    to_device,
)
from .history import History, epochs_to_reach
from .recipe import (
    PaperSGD,
    ScheduleState,
    TrainConfig,
    amp_dtype,
    lr_should_drop,
    make_optimizer,
)
from .runtime import pick_device, preserved_modes, seed_everything

__all__ = [
    "Run",
    "train",
    "evaluate",
    "TrainConfig",
    "History",
    "PaperSGD",
    "epochs_to_reach",
]

Callback = Callable[[History], "bool | None"]


@dataclass
class Run:
    """What a running :func:`train` holds; callbacks with ``on_start`` / ``on_epoch_end`` get it.

    A plain function callback gets only ``history``. An object may define
    ``on_start(run)`` (before the first epoch: :class:`~alexnet_core.checkpoint.Checkpointer`
    resumes there) and ``on_epoch_end(run) -> bool | None`` (True stops training).
    """

    model: nn.Module
    forward: Callable[[torch.Tensor], torch.Tensor]
    optimizer: torch.optim.Optimizer
    scaler: Any
    config: TrainConfig
    device: torch.device
    train_loader: DataLoader
    test_loader: DataLoader | None
    amp_dtype: torch.dtype | None
    history: History
    schedule: ScheduleState


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
    from tqdm.auto import tqdm  # lazily: in a notebook tqdm.auto pulls in ipywidgets

    return tqdm(
        iterable, disable=False, **options
    )  # tqdm reads TQDM_DISABLE at import only


def _step(run: Run, images: torch.Tensor, labels: torch.Tensor) -> tuple:
    """Return (loss, logits) after one SGD step on a batch."""
    with autocast(run.device, run.amp_dtype):
        logits = run.forward(images)  # (N, classes)
        loss = F.cross_entropy(logits.float(), labels)
    run.optimizer.zero_grad(set_to_none=True)
    if (
        run.scaler is not None
    ):  # fp16: scale the loss so small gradients do not underflow
        run.scaler.scale(loss).backward()
        run.scaler.step(run.optimizer)
        run.scaler.update()
    else:
        loss.backward()
        run.optimizer.step()
    return loss.detach(), logits.detach()


def _train_epoch(run: Run, batches: Any, augment: Augment | None) -> tuple:
    """Return (mean loss, error, images seen) of one epoch of training."""
    run.model.train()
    loss_sum = torch.zeros(
        (), device=run.device
    )  # on the device: no host sync per batch
    wrong = torch.zeros((), dtype=torch.int64, device=run.device)
    count = 0
    for step, batch in enumerate(batches, 1):
        images, labels = to_device(batch, run.device)
        if augment is not None:
            images = augment(images)
        loss, logits = _step(run, images, labels)
        loss_sum += loss * labels.shape[0]
        wrong += (logits.argmax(dim=1) != labels).sum()
        count += labels.shape[0]
        if step % run.config.log_every == 0 and not isinstance(batches, _Quiet):
            batches.set_postfix(  # .item() waits for the device
                loss=f"{loss_sum.item() / count:.3f}", err=f"{wrong.item() / count:.3f}"
            )
    if count == 0:
        raise ValueError("train_data yielded no batches")
    return loss_sum.item() / count, wrong.item() / count, count


def _callbacks(callback: object) -> list:
    items = list(callback) if isinstance(callback, (list, tuple)) else [callback]
    for item in items:
        hooks = hasattr(item, "on_start") or hasattr(item, "on_epoch_end")
        if item is not None and not (hooks or callable(item)):
            raise TypeError(
                f"callback must be a function of the History, an object with on_start/"
                f"on_epoch_end, a list of these, or None, got {item!r}"
            )
    return [item for item in items if item is not None]


def _end_of_epoch(run: Run, callbacks: list) -> bool:
    """Return True when a callback asks to stop, after running every callback.

    ``on_epoch_end`` hooks run first (a Checkpointer saves before any plain function can
    interrupt or draw random numbers), then the plain functions, each in list order.
    """
    stop = False
    for item in callbacks:
        if hasattr(item, "on_epoch_end"):
            stop = bool(item.on_epoch_end(run)) or stop
    for item in callbacks:
        if not (hasattr(item, "on_epoch_end") or hasattr(item, "on_start")):
            stop = bool(item(run.history)) or stop
    return stop


def _to_channels_last(model: nn.Module, config: TrainConfig) -> bool:
    """Return True after putting ``model``'s 4-D weights in NHWC order, as ``config`` asks.

    Only a model whose 4-D weights are all in NCHW order on CPU or CUDA is converted (one that
    is already NHWC, e.g. wrapped by DDP after conversion, is left as it is).
    """
    weights = [p for p in model.parameters() if p.dim() == 4]
    if not config.channels_last or not weights:
        return False
    if any(
        p.device.type not in ("cpu", "cuda") or not p.is_contiguous() for p in weights
    ):
        return False
    model.to(memory_format=torch.channels_last)
    return True


def _start(model, train_data, test_data, config, device) -> Run:
    """Return the Run of a fresh start: seeds, optimizer, loaders, the model on ``device``."""
    generator = seed_everything(config.seed)
    if not hasattr(model, "devices"):  # TwoTowerAlexNet places its own parts
        model.to(device)
    dtype = amp_dtype(config.amp, device)
    loaders = [
        None
        if data is None
        else as_loader(
            data,
            name,
            batch_size=config.batch_size,
            shuffle=shuffle,
            generator=generator,
            device=device,
            num_workers=config.num_workers,
        )
        for data, name, shuffle in (
            (train_data, "train_data", True),
            (test_data, "test_data", False),
        )
    ]
    return Run(
        model=model,
        forward=torch.compile(model) if config.compile else model,
        optimizer=make_optimizer(model, config),
        scaler=torch.amp.GradScaler("cuda") if dtype is torch.float16 else None,
        config=config,
        device=device,
        train_loader=loaders[0],
        test_loader=loaders[1],
        amp_dtype=dtype,
        history=History(),
        schedule=ScheduleState(),
    )


def _epoch(run: Run, epoch: int, augment, test_augment) -> None:
    """Train one epoch, test, record it in the history and apply the schedule."""
    sampler = getattr(run.train_loader, "sampler", None)
    if hasattr(sampler, "set_epoch"):  # DistributedSampler: a new shuffle every epoch
        sampler.set_epoch(epoch)
    start, lr = time.perf_counter(), run.optimizer.param_groups[0]["lr"]
    bar = _progress(
        run.train_loader, run.config.progress, desc=f"epoch {epoch}", leave=False
    )
    with bar as batches:
        train_loss, train_error, count = _train_epoch(run, batches, augment)
    train_seconds = time.perf_counter() - start
    test_loss = test_error = None
    if run.test_loader is not None:
        outputs = predictions(
            run.model,
            run.test_loader,
            run.device,
            augment=test_augment,
            forward=run.forward,
            amp_dtype=run.amp_dtype,
        )
        test_loss, test_error = loss_and_error(outputs, run.device)
    run.history._append(
        epoch=epoch,
        train_loss=train_loss,
        train_error=train_error,
        test_loss=test_loss,
        test_error=test_error,
        lr=lr,
        seconds=time.perf_counter() - start,
        images_per_second=count / train_seconds,
    )
    if lr_should_drop(run.config, run.schedule, run.history):
        for group in run.optimizer.param_groups:
            group["lr"] /= run.config.lr_drop_factor


def _postfix(last: dict[str, Any]) -> dict[str, str]:
    shown = {"train_err": f"{last['train_error']:.3f}", "lr": f"{last['lr']:.2g}"}
    if last["test_error"] is not None:
        shown["test_err"] = f"{last['test_error']:.3f}"
    return shown


def train(
    model: nn.Module,
    train_data: Dataset | DataLoader,
    test_data: Dataset | DataLoader | None = None,
    config: TrainConfig | None = None,
    *,
    device: str | torch.device | None = None,
    augment: Augment | None = None,
    test_augment: Augment | None = None,
    callback: Callback | object | Sequence | None = None,
) -> History:
    """Return the History of training ``model`` with the paper's SGD and lr schedule (§5).

    ``config`` None means ``TrainConfig()``. The model is moved to ``device`` unless it
    places its own parts (a ``devices`` attribute, as ``TwoTowerAlexNet`` has). A Dataset is
    wrapped in a DataLoader shuffled from ``config.seed``; a DataLoader is used as given.
    ``augment`` / ``test_augment`` (images -> images, on the device) transform every
    training / test batch; to resume bit for bit they draw from torch's global RNG.
    ``callback``: ``callback(history)`` after every epoch (True stops), an object with the
    hooks :class:`Run` describes (``Checkpointer(path, resume=True)`` saves and resumes), or
    a list of these. Train/eval flags of the model's modules are restored on return.
    """
    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise TypeError(
            f"config must be a TrainConfig or None, got {type(config).__name__}"
        )
    check_module(model)
    check_callable(augment, "augment")
    check_callable(test_augment, "test_augment")
    callbacks = _callbacks(callback)
    run = _start(model, train_data, test_data, config, pick_device(device))
    converted = _to_channels_last(model, config)
    try:
        _run_epochs(run, callbacks, augment, test_augment)
    finally:
        if converted:  # hand the model back in the memory order it came in
            model.to(memory_format=torch.contiguous_format)
    return run.history


def _run_epochs(run: Run, callbacks: list, augment, test_augment) -> None:
    """Run the callbacks' ``on_start``, then the epochs left, until done or told to stop."""
    model, config = run.model, run.config
    for item in callbacks:
        if hasattr(item, "on_start"):
            item.on_start(run)
    done = min(len(run.history), config.epochs)
    epochs = range(len(run.history) + 1, config.epochs + 1)
    with preserved_modes(model):
        bar = _progress(
            epochs, config.progress, desc="epochs", total=config.epochs, initial=done
        )
        with bar as epochs:
            for epoch in epochs:
                _epoch(run, epoch, augment, test_augment)
                epochs.set_postfix(**_postfix(run.history.last()))
                if _end_of_epoch(run, callbacks):
                    break


if __name__ == "__main__":  # the command line is a face (layer 5); this module has none
    import sys

    print(
        "alexnet_core.train is the training loop, not a command: "
        "run `python -m alexnet_core --help` for the command-line trainer",
        file=sys.stderr,
    )
    sys.exit(2)
