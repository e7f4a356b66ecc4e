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

import math
from dataclasses import replace
from typing import Callable, Iterable, Mapping

import torch
from torch import nn

from ._checks import check_choice, check_positive_float, check_tensor
from .train import History, TrainConfig, epochs_to_reach, train

__all__ = [
    "gain_init_",
    "RecordingBuilder",
    "HistoryCache",
    "speedup",
    "saturation",
    "derivative",
]


@torch.no_grad()
def gain_init_(
    model: nn.Module, activation: str, *, generator: torch.Generator | None = None
) -> nn.Module:
    """Return ``model`` after drawing every conv/linear weight from N(0, (gain / √fan_in)²), biases 0, in place.

    ``gain`` is ``torch.nn.init.calculate_gain(activation)``: √2 for "relu" (He et al.), 5/3 for
    "tanh", so that the signal keeps its scale from layer to layer for either unit. The last layer
    (the one producing the logits) gets gain 1. PyTorch's default initialisation instead shrinks the
    signal by about √3 (tanh) to √6 (ReLU) per layer, which leaves a deep-ish net without
    normalisation on a long plateau before it starts to learn.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_choice(activation, "activation", ("relu", "tanh"))
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    if not layers:
        raise ValueError("model has no nn.Conv2d or nn.Linear layer to initialise")
    for layer in layers:
        gain = 1.0 if layer is layers[-1] else nn.init.calculate_gain(activation)
        fan_in = layer.weight[0].numel()  # in_channels/groups × kH × kW, or in_features
        layer.weight.normal_(0.0, gain / math.sqrt(fan_in), generator=generator)
        if layer.bias is not None:
            layer.bias.zero_()
    return model


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
    hooks = []
    for path, module in model.named_modules():
        kind = (
            "relu"
            if isinstance(module, nn.ReLU)
            else "tanh"
            if isinstance(module, nn.Tanh)
            else None
        )
        name = names.get(path, path)
        if kind is None or (wanted is not None and name not in wanted):
            continue

        def hook(module, inputs, output, name=name, kind=kind):
            fractions[name] = (
                (derivative(kind, inputs[0].float()) < threshold).float().mean().item()
            )

        hooks.append(module.register_forward_hook(hook))
    if wanted is not None and len(hooks) != len(wanted):
        raise ValueError(
            f"layers must name activation layers of the model; got {sorted(wanted)}"
        )
    was_training = model.training
    try:
        model.eval()
        model(images.to(next(model.parameters()).device))
    finally:
        model.train(was_training)
        for handle in hooks:
            handle.remove()
    return fractions
