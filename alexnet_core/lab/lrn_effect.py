"""What local response normalization does to activations (§3.3): its denominator, gain and competition.

§3.3 divides each ReLU output a^i by d^β, d = k + c Σ_{j near i} (a^j)², where c = α as printed
(``convention="paper"``) or α/n as in cuda-convnet, Caffe and PyTorch (``"pytorch"``). Pulling k out
splits the multiplier ("gain") that LRN applies to each unit in two:

    b^i = a^i · d^−β = k^−β · a^i · (1 + (c/k) Σ (a^j)²)^−β
                       └ constant ┘     └── competition ∈ (0, 1] ──┘

The constant k^−β (2^−0.75 ≈ 0.595 for the paper's k = 2, β = 0.75) rescales every unit alike; only
the competition factor depends on the neighbours, and it is close to 1 unless c Σ a² is comparable
to k. Whether it is depends on the scale of the activations: the same α that makes strong units
compete at the paper's pixel scale (raw 0–255 values, §2) leaves units computed from [0, 1] pixels
untouched. These functions measure that; :mod:`alexnet_core.lrn` computes LRN itself.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import torch
from torch import nn

from .._checks import check_choice, check_int, check_positive_float, check_tensor
from ..lrn import (
    CONVENTIONS,
    LocalResponseNorm,
    channel_window_sum,
    local_response_norm,
)

__all__ = [
    "lrn_denominator",
    "lrn_gain",
    "lrn_competition",
    "lrn_peak",
    "scale_lrn_alpha_",
]


def _coefficient(size: int, alpha: float, convention: str) -> float:
    """Return the factor multiplying Σ a²: α (paper) or α/n (pytorch), after validating the arguments."""
    check_int(size, "size")
    check_positive_float(alpha, "alpha")
    check_choice(convention, "convention", CONVENTIONS)
    return alpha if convention == "paper" else alpha / size


def lrn_denominator(
    x: torch.Tensor,
    size: int = 5,
    alpha: float = 1e-4,
    k: float = 2.0,
    *,
    convention: str = "paper",
    groups: int = 1,
) -> torch.Tensor:
    """Return d = k + c Σ_{j=i−size//2}^{i+(size−1)//2} (x^j)², same shape as x (N, C, *spatial).

    The window is clipped to [0, C−1] inside each of ``groups`` blocks of channels, as in
    :func:`alexnet_core.lrn.local_response_norm`; c = α (``"paper"``) or α/size (``"pytorch"``).
    """
    coefficient = _coefficient(size, alpha, convention)
    check_positive_float(k, "k")
    check_tensor(x, "x", min_ndim=3, floating=True)
    groups = check_int(groups, "groups")
    if x.shape[1] % groups:
        raise ValueError(
            f"groups must divide the number of channels C={x.shape[1]} of x, got groups={groups}"
        )
    window_sum = channel_window_sum(x * x, size // 2, (size - 1) // 2, groups=groups)
    return k + coefficient * window_sum  # (N, C, *spatial)


def _gain_arguments(x: object, args: tuple, kwargs: dict) -> tuple:
    """Return (x, size, alpha, beta, k, convention, groups) read as local_response_norm reads them."""
    bound = inspect.signature(local_response_norm).bind(x, *args, **kwargs)
    bound.apply_defaults()
    a = bound.arguments
    check_positive_float(a["beta"], "beta")
    return (
        a["x"],
        a["size"],
        a["alpha"],
        a["beta"],
        a["k"],
        a["convention"],
        a["groups"],
    )


def lrn_gain(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """Return d^−β, the factor LRN multiplies each unit by (b = x · gain); at most k^−β.

    Takes :func:`~alexnet_core.lrn.local_response_norm`'s arguments: ``size=5``,
    ``alpha=1e-4``, ``beta=0.75``, ``k=2.0``, ``convention="paper"``, ``groups=1``.
    """
    x, size, alpha, beta, k, convention, groups = _gain_arguments(x, args, kwargs)
    denominator = lrn_denominator(
        x, size, alpha, k, convention=convention, groups=groups
    )
    return denominator.pow(-beta)


def lrn_competition(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """Return (d/k)^−β ∈ (0, 1]: the part of the gain due to activity in the window (1 = none).

    Takes :func:`lrn_gain`'s arguments. ``lrn_gain == k**-beta * lrn_competition``; a value of
    0.8 means the unit and its neighbours cost it 20% of its output on top of the constant
    k^−β.
    """
    x, size, alpha, beta, k, convention, groups = _gain_arguments(x, args, kwargs)
    denominator = lrn_denominator(
        x, size, alpha, k, convention=convention, groups=groups
    )
    return (denominator / k).pow(-beta)


lrn_gain.__signature__ = lrn_competition.__signature__ = (
    inspect.signature(  # for help()
        local_response_norm
    )
)


def lrn_peak(
    alpha: float = 1e-4,
    beta: float = 0.75,
    k: float = 2.0,
    *,
    size: int = 5,
    convention: str = "paper",
) -> float:
    """Return the activation a at which a lone active unit's output a·(k + c·a²)^−β is largest.

    d/da [a (k + c a²)^−β] = 0 at a² = k / (c (2β − 1)); beyond it a stronger input gives a weaker
    output. For β ≤ 1/2 the output keeps growing and the answer is ``math.inf``. The paper's
    constants give √(2 / (1e-4 · 0.5)) = 200.
    """
    coefficient = _coefficient(size, alpha, convention)
    check_positive_float(beta, "beta")
    check_positive_float(k, "k")
    if beta <= 0.5:
        return math.inf
    return math.sqrt(k / (coefficient * (2 * beta - 1)))


@torch.no_grad()
def scale_lrn_alpha_(model: nn.Module, factor: float) -> nn.Module:
    """Return ``model`` after multiplying α of every :class:`~alexnet_core.lrn.LocalResponseNorm` by ``factor``.

    Inputs scaled by s scale every ReLU activation below the first LRN by s (with biases scaled too);
    ``factor = s**2`` makes LRN compete exactly as strongly on the unscaled activations. Example:
    ``factor = 255**2`` gives a net fed [0, 1] pixels the normalization the paper's constants give on
    0–255 pixels. Raises ValueError if the model has no LRN layer.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    factor = check_positive_float(factor, "factor")
    layers = [m for m in model.modules() if isinstance(m, LocalResponseNorm)]
    if not layers:
        raise ValueError(
            "model must contain at least one alexnet_core LocalResponseNorm layer, found none"
        )
    for layer in layers:
        layer.alpha *= factor
    return model
