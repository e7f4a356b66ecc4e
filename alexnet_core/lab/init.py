"""Initialisers beside the paper's: He (2015) and per-activation gains (§3.1, §5).

The fix that later work found for the paper's fixed N(0, 0.01²) weights (§5).

§5 draws every weight from N(0, 0.01²) and sets some biases to 1 (:func:`alexnet_core.model.paper_init_`).
With a fixed standard deviation the signal shrinks or grows by a constant factor per layer, depending on
how many inputs each unit has; in a small net for 32×32 images (conv1 with 5×5×3 = 75 inputs per unit)
0.01 is far too small and the logits start almost independent of the image, so training sits at chance for
a long time. He et al. (ICCV 2015, "Delving deep into rectifiers") derived the scale that keeps the variance
of a ReLU network's activations constant from layer to layer: std = sqrt(2 / fan_in), fan_in = input
channels per group × kernel height × kernel width (in_features for a linear layer).

:func:`gain_init_` gives each activation its standard fan-in scale (ReLU √2, tanh 5/3), which
the ReLU-versus-tanh experiment of §3.1 needs. All three initialisers, and
:func:`alexnet_core.model.paper_init_` (§5), are written with the one loop
:func:`alexnet_core.model.normal_init_`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .._checks import check_choice
from ..model import normal_init_, paper_init_

__all__ = ["he_init_", "he_std", "gain_init_", "paper_init_"]


def _weighted(model: object) -> list[nn.Module]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def he_std(layer: nn.Module) -> float:
    """Return sqrt(2 / fan_in) for a Conv2d or Linear layer (fan_in: one group's inputs)."""
    if not isinstance(layer, (nn.Conv2d, nn.Linear)):
        raise TypeError(
            f"layer must be an nn.Conv2d or nn.Linear, got {type(layer).__name__}"
        )
    fan_in = layer.weight[0].numel()  # (in/groups) × kh × kw, or in_features
    return math.sqrt(2.0 / fan_in)


def he_init_(
    model: nn.Module, *, generator: torch.Generator | None = None
) -> nn.Module:
    """Return ``model`` after drawing every Conv2d / Linear weight from N(0, 2 / fan_in).

    Biases are zeroed, in place. The same as ``nn.init.kaiming_normal_(w,
    nonlinearity="relu")`` layer by layer, with an optional ``generator`` for reproducible
    draws. Other modules (LRN, pooling, dropout) have no weights.
    """
    _weighted(model)
    return normal_init_(model, he_std, generator=generator)


def gain_init_(
    model: nn.Module, activation: str, *, generator: torch.Generator | None = None
) -> nn.Module:
    """Return ``model`` after drawing each conv/linear weight from N(0, (gain/√fan_in)²).

    Biases 0, in place. ``gain`` is ``torch.nn.init.calculate_gain(activation)``: √2 for
    "relu" (He et al.), 5/3 for "tanh", so that the signal keeps its scale from layer to
    layer for either unit. The last layer (the one producing the logits) gets gain 1.
    PyTorch's default initialisation instead shrinks the signal by about √3 (tanh) to √6
    (ReLU) per layer, which leaves a deep-ish net without normalisation on a long plateau
    before it starts to learn.
    """
    layers = _weighted(model)
    check_choice(activation, "activation", ("relu", "tanh"))
    if not layers:
        raise ValueError("model has no nn.Conv2d or nn.Linear layer to initialise")

    def std(layer: nn.Module) -> float:
        gain = 1.0 if layer is layers[-1] else nn.init.calculate_gain(activation)
        return gain / math.sqrt(layer.weight[0].numel())  # in/groups × kH × kW, or in

    return normal_init_(model, std, generator=generator)
