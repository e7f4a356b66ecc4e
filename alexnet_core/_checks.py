"""Argument checks shared by the public functions.

Every check raises ``TypeError`` (wrong kind of thing) or ``ValueError`` (right kind, wrong value)
with a message that names the argument, says what was expected and shows what came.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import torch

__all__ = [
    "check_tensor",
    "check_images",
    "check_int",
    "check_positive_float",
    "check_probability",
    "check_choice",
    "check_finite",
    "check_generator",
]


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    return f"{value!r} ({type(value).__name__})"


def check_tensor(
    value: object,
    name: str,
    *,
    ndim: int | Iterable[int] | None = None,
    min_ndim: int | None = None,
    floating: bool = False,
) -> torch.Tensor:
    """Return ``value`` unchanged after checking it is a tensor of the expected rank (and dtype)."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {_describe(value)}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if value.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(
                f"{name} must be a {want} tensor, got shape {tuple(value.shape)}"
            )
    if min_ndim is not None and value.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimensions, got shape {tuple(value.shape)}"
        )
    if floating and not value.is_floating_point():
        raise TypeError(
            f"{name} must be a floating-point tensor (e.g. float32), got dtype {value.dtype}; "
            f"convert integer images with .float() / 255"
        )
    return value


def check_images(
    value: object,
    name: str = "images",
    *,
    batched: bool = True,
    channels: int | None = 3,
) -> torch.Tensor:
    """Return ``value`` after checking it is a float image batch (N, C, H, W) (or (C, H, W))."""
    ndim = 4 if batched else 3
    layout = "(N, C, H, W)" if batched else "(C, H, W)"
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor of shape {layout}, got {_describe(value)}"
        )
    if value.ndim != ndim:
        raise ValueError(
            f"{name} must have shape {layout}, got shape {tuple(value.shape)}"
        )
    if channels is not None and value.shape[-3] != channels:
        raise ValueError(
            f"{name} must have {channels} (RGB) channels in dimension {-3 + ndim}, "
            f"got shape {tuple(value.shape)}"
        )
    if not value.is_floating_point():
        raise TypeError(
            f"{name} must be a floating-point tensor, got dtype {value.dtype}; "
            f"convert integer images with .float() / 255"
        )
    return value


def check_finite(value: torch.Tensor, name: str) -> torch.Tensor:
    """Return ``value`` after checking it holds no NaN or infinity."""
    if value.is_floating_point() and not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} must be finite, got a tensor containing NaN or inf")
    return value


def check_int(
    value: object, name: str, *, minimum: int | None = 1, maximum: int | None = None
) -> int:
    """Return ``value`` as an int after checking it is an integer within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {_describe(value)}")
    if minimum is not None and value < minimum:
        if minimum == 1 and maximum is None:
            raise ValueError(f"{name} must be a positive int, got {value}")
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_positive_float(
    value: object, name: str, *, allow_zero: bool = False
) -> float:
    """Return ``value`` as a float after checking it is a finite number > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {_describe(value)}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value}")
    return value


def check_probability(value: object, name: str, *, allow_one: bool = False) -> float:
    """Return ``value`` as a float after checking 0 <= value < 1 (or <= 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number in [0, 1), got {_describe(value)}")
    value = float(value)
    upper_ok = value <= 1 if allow_one else value < 1
    if not (value >= 0 and upper_ok):
        interval = "[0, 1]" if allow_one else "[0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value}")
    return value


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` after checking it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def check_generator(generator: object) -> torch.device:
    """Return the device to draw on: ``generator``'s, or the CPU when it is None."""
    if generator is not None and not isinstance(generator, torch.Generator):
        # e.g. a seed passed by mistake
        raise TypeError(
            f"generator must be a torch.Generator or None, got {generator!r} "
            f"({type(generator).__name__})"
        )
    return generator.device if generator is not None else torch.device("cpu")
