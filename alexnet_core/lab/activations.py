"""ReLU versus tanh (§3.1, Fig. 1): initialisation per activation, the speed-up ratio, and saturation.

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012, §3.1: "Deep convolutional neural networks with ReLUs train several times faster than their
equivalents with tanh units." Fig. 1: a four-layer convolutional net on CIFAR-10 reaches 25%
training error six times faster (in epochs) with ReLUs than with tanh units; no regularization, each
net's learning rate chosen independently to train as fast as possible.

The tools here serve that experiment: :func:`gain_init_` (each activation's standard fan-in
initialisation), :class:`RecordingBuilder` (keeps the models an ``lr_sweep`` trains, so they can be
inspected afterwards), :func:`speedup` (the Fig. 1 ratio read off two histories) and
:func:`saturation` (how many units pass almost no gradient: tanh units far from 0, ReLUs below 0).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable, Mapping

import torch
from torch import nn

from .._checks import check_choice, check_positive_float, check_tensor
from ..features import run_with_hooks
from ..history import History, epochs_to_reach
from ..recipe import TrainConfig
from ..train import train
from .init import gain_init_

__all__ = [
    "gain_init_",
    "RecordingBuilder",
    "HistoryCache",
    "speedup",
    "saturation",
    "derivative",
]


class RecordingBuilder:
    """A model-building function that also keeps every model it built, in order, in ``models``.

    ``experiments.lr_sweep(RecordingBuilder(build), rates, ...)`` builds one model per rate, in the
    order of ``rates``; afterwards ``models[i]`` is the trained model for ``rates[i]``.
    """

    def __init__(self, build: Callable[[], nn.Module]) -> None:
        if not callable(build):
            raise TypeError(
                f"build must be a function returning a model, got {type(build).__name__}"
            )
        self.build = build
        self.models: list[nn.Module] = []

    def __call__(self) -> nn.Module:
        model = self.build()
        self.models.append(model)
        return model


class HistoryCache:
    """Training histories by (activation, learning rate): runs already done are looked up, others trained.

    ``build(activation)`` returns a fresh model; a missing run is trained like
    ``experiments.lr_sweep`` trains it (global RNG seeded with ``config.seed`` right before
    ``build``, then ``train`` with ``config`` at that learning rate, no test data), so a cached and a
    freshly trained run of the same (activation, lr) agree. ``known`` is {activation: {lr: History}},
    e.g. the histories of two ``lr_sweep`` calls. Interactive figures use it to redraw from runs
    already done and train only what the reader asks for anew.
    """

    def __init__(
        self,
        build: Callable[[str], nn.Module],
        train_set,
        config: TrainConfig,
        *,
        known: Mapping[str, Mapping[float, History]] | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        if not callable(build):
            raise TypeError(
                f"build must be a function activation -> model, got {type(build).__name__}"
            )
        if not isinstance(config, TrainConfig):
            raise TypeError(
                f"config must be a TrainConfig, got {type(config).__name__}"
            )
        self.build, self.train_set, self.config, self.device = (
            build,
            train_set,
            config,
            device,
        )
        self.runs: dict[tuple[str, float], History] = {
            (activation, float(lr)): history
            for activation, runs in (known or {}).items()
            for lr, history in runs.items()
        }

    def get(self, activation: str, lr: float) -> History:
        """Return the History of ``activation`` trained at learning rate ``lr`` (training it if not known yet)."""
        key = (
            check_choice(activation, "activation", ("relu", "tanh")),
            float(check_positive_float(lr, "lr")),
        )
        if key not in self.runs:
            torch.manual_seed(self.config.seed)
            model = self.build(activation)
            self.runs[key] = train(
                model,
                self.train_set,
                None,
                replace(self.config, lr=float(lr)),
                device=self.device,
            )
        return self.runs[key]


def speedup(relu: History, tanh: History, *, target: float = 0.25) -> float | None:
    """Return Fig. 1's ratio: epochs tanh needs to reach ``target`` training error / epochs ReLU needs.

    Above 1: ReLU is faster (the paper: 6 on CIFAR-10). None if either run never reached ``target``
    (then compare ``epochs_to_reach`` of each directly: one that never reached it took longer than
    its run).
    """
    relu_epochs, tanh_epochs = (
        epochs_to_reach(relu, target),
        epochs_to_reach(tanh, target),
    )
    if relu_epochs is None or tanh_epochs is None:
        return None
    return tanh_epochs / relu_epochs


def derivative(activation: str, x: torch.Tensor) -> torch.Tensor:
    """Return f′(x) for "relu" (1 where x > 0, else 0) or "tanh" (1 − tanh²x)."""
    check_choice(activation, "activation", ("relu", "tanh"))
    check_tensor(x, "x", floating=True)
    if activation == "relu":
        return (x > 0).to(x.dtype)
    return 1.0 - torch.tanh(x) ** 2


@torch.no_grad()
def saturation(
    model: nn.Module,
    images: torch.Tensor,
    *,
    threshold: float = 0.1,
    layers: Iterable[str] | None = None,
) -> dict[str, float]:
    """Return {activation layer: fraction of its units whose derivative f′(pre-activation) < ``threshold``}.

    A unit with f′ ≈ 0 passes almost no gradient back: a tanh unit whose input is far from 0
    (|x| > 1.82 for threshold 0.1), or a ReLU whose input is negative. Measured on ``images``
    (N, 3, H, W) with the model in eval mode, via forward hooks on the ``nn.ReLU`` / ``nn.Tanh``
    modules (named as in ``model.layer_names`` where it has them, e.g. "relu1", "tanh2").
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_tensor(images, "images", ndim=4, floating=True)
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    names = getattr(model, "layer_names", {})
    wanted = None if layers is None else set(layers)
    fractions: dict[str, float] = {}

    def measure(name: str, kind: str):
        def hook(module, inputs, output) -> None:
            below = derivative(kind, inputs[0].float()) < threshold
            fractions[name] = below.float().mean().item()

        return hook

    hooks = []
    for path, module in model.named_modules():
        relu, tanh = isinstance(module, nn.ReLU), isinstance(module, nn.Tanh)
        kind = "relu" if relu else "tanh" if tanh else None
        name = names.get(path, path)
        if kind is not None and (wanted is None or name in wanted):
            hooks.append((module, measure(name, kind)))
    if wanted is not None and len(hooks) != len(wanted):
        raise ValueError(
            f"layers must name activation layers of the model; got {sorted(wanted)}"
        )
    run_with_hooks(model, images, hooks)
    return fractions
