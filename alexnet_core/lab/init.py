"""He initialisation: the fix that later work found for the paper's fixed N(0, 0.01²) weights (§5).

§5 draws every weight from N(0, 0.01²) and sets some biases to 1 (:func:`alexnet_core.model.paper_init_`).
With a fixed standard deviation the signal shrinks or grows by a constant factor per layer, depending on
how many inputs each unit has; in a small net for 32×32 images (conv1 with 5×5×3 = 75 inputs per unit)
0.01 is far too small and the logits start almost independent of the image, so training sits at chance for
a long time. He et al. (ICCV 2015, "Delving deep into rectifiers") derived the scale that keeps the variance
of a ReLU network's activations constant from layer to layer: std = sqrt(2 / fan_in), fan_in = input
channels per group × kernel height × kernel width (in_features for a linear layer).
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["he_init_", "he_std"]


def he_std(layer: nn.Module) -> float:
    """Return sqrt(2 / fan_in) for a Conv2d or Linear layer (fan_in counts one group's input channels)."""
    if not isinstance(layer, (nn.Conv2d, nn.Linear)):
        raise TypeError(
            f"layer must be an nn.Conv2d or nn.Linear, got {type(layer).__name__}"
        )
    fan_in = layer.weight[0].numel()  # (in/groups) × kh × kw, or in_features
    return math.sqrt(2.0 / fan_in)


@torch.no_grad()
def he_init_(
    model: nn.Module, *, generator: torch.Generator | None = None
) -> nn.Module:
    """Return ``model`` after drawing every Conv2d / Linear weight from N(0, 2 / fan_in) and zeroing biases, in place.

    The same as ``nn.init.kaiming_normal_(w, nonlinearity="relu")`` layer by layer, with an optional
    ``generator`` for reproducible draws. Other modules (LRN, pooling, dropout) have no weights.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator or None, got {type(generator).__name__}"
        )
    for layer in model.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            layer.weight.normal_(0.0, he_std(layer), generator=generator)
            if layer.bias is not None:
                layer.bias.zero_()
    return model
