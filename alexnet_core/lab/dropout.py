"""Dropout (§4.2) spelt out: draw a mask, then apply it with the paper's or PyTorch's scaling.

§4.2 sets each hidden unit of fc6 and fc7 to zero with probability p = 0.5 while training, and at
test time uses every unit with its output multiplied by 0.5 (in general 1 − p). PyTorch's
``nn.Dropout`` does "inverted" dropout instead: kept units are multiplied by 1/(1 − p) while
training and nothing changes at test time. Either way the expected training output of a unit equals
its test output:

    paper:     E[h·m] = (1 − p)·h = test output (1 − p)·h
    inverted:  E[h·m/(1 − p)] = h = test output h          (m ~ Bernoulli(1 − p))

so the two differ only by the constant 1 − p, which the next layer's weights absorb. As with the
augmentations, drawing the random mask (:func:`sample_keep_mask`) is split from applying it
(:func:`apply_dropout`), so the same mask can be shown, reused and tested. The layers the models use
are ``torch.nn.Dropout`` and :class:`alexnet_core.model.PaperDropout`.
"""

from __future__ import annotations

import torch

from .._checks import check_choice, check_probability, check_tensor

__all__ = ["MODES", "sample_keep_mask", "apply_dropout", "inference_output"]

MODES = ("inverted", "paper")


def _check_generator(generator: object) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator or None, got {type(generator).__name__}"
        )


def sample_keep_mask(
    shape: tuple[int, ...] | torch.Size,
    p: float = 0.5,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Return a bool tensor of ``shape``: True (kept) with probability 1 − p, False (dropped) with probability p."""
    p = check_probability(p, "p")
    _check_generator(generator)
    if not isinstance(shape, (tuple, list, torch.Size)) or not all(
        isinstance(s, int) and s >= 0 for s in shape
    ):
        raise ValueError(f"shape must be a tuple of non-negative ints, got {shape!r}")
    return torch.rand(tuple(shape), generator=generator) >= p


def apply_dropout(
    x: torch.Tensor, keep: torch.Tensor, p: float = 0.5, *, mode: str = "inverted"
) -> torch.Tensor:
    """Return the training-time output: x·keep/(1 − p) (``"inverted"``, PyTorch) or x·keep (``"paper"``, §4.2)."""
    check_tensor(x, "x", floating=True)
    check_tensor(keep, "keep")
    if keep.dtype != torch.bool or keep.shape != x.shape:
        raise ValueError(
            f"keep must be a bool tensor of x's shape {tuple(x.shape)}, got {keep.dtype} {tuple(keep.shape)}"
        )
    p = check_probability(p, "p")
    check_choice(mode, "mode", MODES)
    kept = x * keep.to(device=x.device, dtype=x.dtype)
    return kept / (1.0 - p) if mode == "inverted" else kept


def inference_output(
    x: torch.Tensor, p: float = 0.5, *, mode: str = "inverted"
) -> torch.Tensor:
    """Return the test-time output: x unchanged (``"inverted"``) or x·(1 − p) (``"paper"``: §4.2's ×0.5 for p = 0.5)."""
    check_tensor(x, "x", floating=True)
    p = check_probability(p, "p")
    check_choice(mode, "mode", MODES)
    return x.clone() if mode == "inverted" else x * (1.0 - p)
