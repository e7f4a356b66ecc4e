"""Local response normalization, §3.3 of Krizhevsky, Sutskever & Hinton (NIPS 2012).

The paper normalises the activity a^i_{x,y} of kernel i at position (x, y) by its neighbours in
channel order:

    b^i = a^i / (k + α Σ_{j=max(0, i−n/2)}^{min(N−1, i+n/2)} (a^j)²)^β,   k=2, n=5, α=1e-4, β=0.75,

applied after the ReLU of conv1 and conv2. Convention trap: the paper multiplies the sum by α, while
``torch.nn.LocalResponseNorm`` (like Krizhevsky's cuda-convnet code) multiplies it by α/n.
``convention="paper"`` reads α as printed, ``convention="pytorch"`` as torch does;
:func:`torch_alpha` converts. The window of channel i is i − size//2 … i + (size−1)//2 clipped to
[0, C−1]: the paper's for odd sizes, torch's for even ones.

:func:`local_response_norm` is the fast version (a custom autograd function: squares written into
a zero-padded buffer so that a window sum is size−1 shifted-slice adds, β = 0.75 as rsqrt·sqrt
instead of a fractional ``pow``, a hand-written backward, buffers reused).
:func:`local_response_norm_loop` is the same formula as a readable per-channel loop.
``bench/lrn.py`` measures both against torch's layer and documents the formulations tried.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import check_choice, check_int, check_positive_float, check_tensor

__all__ = [
    "local_response_norm",
    "LocalResponseNorm",
    "local_response_norm_loop",
    "torch_alpha",
]

CONVENTIONS = ("paper", "pytorch")


def _check_parameters(
    size: object, alpha: object, beta: object, k: object, convention: object
):
    """Return (size, alpha, beta, k, convention) validated and converted to int/float/str."""
    size = check_int(size, "size")
    alpha = check_positive_float(alpha, "alpha")
    beta = check_positive_float(beta, "beta")
    k = check_positive_float(k, "k")  # k > 0 keeps the denominator away from zero
    convention = check_choice(convention, "convention", CONVENTIONS)
    return size, alpha, beta, k, convention


def _check_input(x: object, groups: object) -> tuple[torch.Tensor, int]:
    """Return (x, groups) after checking x is a floating (N, C, *spatial) tensor and groups divides C."""
    x = check_tensor(x, "x", min_ndim=3, floating=True)
    groups = check_int(groups, "groups")
    if x.shape[1] % groups != 0:
        raise ValueError(
            f"groups must divide the number of channels C={x.shape[1]} of x, got groups={groups}"
        )
    return x, groups


def torch_alpha(alpha: float, size: int, convention: str = "paper") -> float:
    """Return the ``alpha`` to pass to ``torch.nn.LocalResponseNorm`` for the same normalization.

    Torch divides α by the window size, so the paper's α = 1e-4 with n = 5 is torch's
    ``alpha=5e-4`` (``convention="paper"``); a torch-convention α passes through unchanged.
    """
    size, alpha, _, _, convention = _check_parameters(size, alpha, 1.0, 1.0, convention)
    return alpha * size if convention == "paper" else alpha


def _sum_coefficient(alpha: float, size: int, convention: str) -> float:
    """Return the factor that multiplies Σ a² in the denominator: α (paper) or α/n (pytorch)."""
    return alpha if convention == "paper" else alpha / size


# ---------------------------------------------------------------------------------------------
# Fast path


def _grouped(t: torch.Tensor, groups: int) -> torch.Tensor:
    """Return a (N, groups, C/groups, *spatial) view of a (N, C, *spatial) tensor."""
    return t.unflatten(1, (groups, t.shape[1] // groups))


def _padded_like(
    like: torch.Tensor, before: int, after: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (buffer, middle): ``like`` zero-padded by before/after channels along dim 2, uninitialised.

    The buffer has ``like``'s dimension order in memory (so channels_last stays channels_last) and
    ``middle`` is the view of shape ``like.shape`` that the caller fills.
    """
    shape = list(like.shape)
    shape[2] += before + after
    order = sorted(
        range(like.ndim), key=like.stride, reverse=True
    )  # outermost dimension first
    buffer = like.new_empty([shape[d] for d in order]).permute(
        [order.index(d) for d in range(like.ndim)]
    )
    buffer.narrow(2, 0, before).zero_()
    buffer.narrow(2, shape[2] - after, after).zero_()
    return buffer, buffer.narrow(2, before, like.shape[2])


def _window_sum(
    buffer: torch.Tensor, channels: int, *, inplace: bool = True
) -> torch.Tensor:
    """Return Σ_o buffer[:, :, o : o + channels] over every offset o of a padded buffer.

    ``inplace=True`` accumulates into one tensor (the fast path); ``False`` uses out-of-place
    adds only, so the result can be differentiated twice. Both add in the same order.
    """
    offsets = buffer.shape[2] - channels + 1  # the window size
    total = buffer.narrow(2, 0, channels)
    if offsets == 1:
        return total.clone()
    total = total + buffer.narrow(2, 1, channels)
    for offset in range(2, offsets):
        window = buffer.narrow(2, offset, channels)
        total = total.add_(window) if inplace else total + window
    return total


def _inverse_power_(
    denominator: torch.Tensor, beta: float, out: torch.Tensor
) -> torch.Tensor:
    """Return ``out`` filled with denominator^(−β); exact-to-rounding shortcuts for common β."""
    if (
        beta == 0.75
    ):  # the paper's β: d^−0.75 = d^−0.5 · (d^−0.5)^0.5, ~10x cheaper than pow on CPU
        torch.rsqrt(denominator, out=out)
        return out.mul_(out.sqrt())
    if beta == 0.5:
        return torch.rsqrt(denominator, out=out)
    if beta == 1.0:
        return torch.reciprocal(denominator, out=out)
    return torch.pow(denominator, -beta, out=out)


class _LocalResponseNormFunction(torch.autograd.Function):
    """LRN with a hand-written backward.

    With d_i = k + c Σ_{j ∈ W(i)} a_j², b_i = a_i d_i^−β and upstream gradient g:
        ∂L/∂a_i = g_i d_i^−β − 2cβ a_i Σ_{j : i ∈ W(j)} g_j a_j d_j^(−β−1).
    W(j) = j − before … j + after, so {j : i ∈ W(j)} = i − after … i + before: the transposed
    window, which differs from W(i) only for even sizes.
    """

    @staticmethod
    def forward(ctx, x, size, coefficient, beta, k, groups):  # noqa: D102 (see class docstring)
        x_grouped = _grouped(x, groups)  # (N, g, C/g, *spatial)
        buffer, squares = _padded_like(x_grouped, size // 2, (size - 1) // 2)
        torch.mul(
            x_grouped, x_grouped, out=squares
        )  # zero padding clips the window at the edges
        denominator = _window_sum(buffer, x_grouped.shape[2])
        denominator.mul_(coefficient).add_(k)  # d = k + c Σ a²
        scale = _inverse_power_(
            denominator, beta, out=squares
        )  # d^−β, reusing the buffer
        out = torch.empty_like(x)  # (N, C, *spatial), x's memory format
        torch.mul(x_grouped, scale, out=_grouped(out, groups))
        ctx.save_for_backward(x, denominator, scale)
        ctx.parameters = (size, coefficient, beta, k, groups)
        return out

    @staticmethod
    def backward(ctx, grad_output):  # noqa: D102
        x, denominator, scale = ctx.saved_tensors
        size, coefficient, beta, k, groups = ctx.parameters
        if (
            torch.is_grad_enabled()
        ):  # create_graph=True: use differentiable ops for double backward
            grad = _backward_differentiable(
                x, grad_output, size, coefficient, beta, k, groups
            )
            return grad, None, None, None, None, None
        x_grouped = _grouped(x, groups)
        grad = torch.empty_like(x)
        grad_grouped = _grouped(grad, groups)
        torch.mul(_grouped(grad_output, groups), scale, out=grad_grouped)  # g d^−β
        # the transposed window: j runs over i − (size−1)//2 … i + size//2
        buffer, weighted = _padded_like(x_grouped, (size - 1) // 2, size // 2)
        torch.mul(grad_grouped, x_grouped, out=weighted).div_(
            denominator
        )  # g a d^(−β−1)
        window = _window_sum(buffer, x_grouped.shape[2])
        grad_grouped.addcmul_(x_grouped, window, value=-2.0 * coefficient * beta)
        return grad, None, None, None, None, None


def channel_window_sum(
    values: torch.Tensor, before: int, after: int, *, groups: int = 1
) -> torch.Tensor:
    """Return Σ_{j=i−before}^{i+after} values[:, j] for every channel i, clipped to [0, C−1].

    ``values`` is (N, C, *spatial); with ``groups`` the window stays inside each block of
    C/groups channels. Out-of-place (twice differentiable); same shape as ``values``.
    """
    grouped = _grouped(values, groups)  # (N, g, C/g, *spatial)
    padded = F.pad(
        grouped, [0, 0] * (values.ndim - 2) + [before, after]
    )  # zeros: clipped
    return _window_sum(padded, grouped.shape[2], inplace=False).flatten(1, 2)


def _backward_differentiable(x, grad_output, size, coefficient, beta, k, groups):
    """Return ∂L/∂x from the same formula as the fast backward, built from differentiable ops."""
    before, after = size // 2, (size - 1) // 2
    denominator = k + coefficient * channel_window_sum(
        x * x, before, after, groups=groups
    )
    grad = grad_output * denominator.pow(-beta)
    window = channel_window_sum(grad * x / denominator, after, before, groups=groups)
    return grad - 2.0 * coefficient * beta * x * window


# ---------------------------------------------------------------------------------------------
# Public API


def local_response_norm(
    x: torch.Tensor,
    size: int = 5,
    alpha: float = 1e-4,
    beta: float = 0.75,
    k: float = 2.0,
    *,
    convention: str = "paper",
    groups: int = 1,
) -> torch.Tensor:
    """Return x normalised across neighbouring channels (§3.3), same shape and memory format.

    Args:
        x: floating tensor (N, C, *spatial), e.g. conv1's (N, 96, 55, 55) after the ReLU.
        size: the window n; channel i sees i − size//2 … i + (size−1)//2, clipped to [0, C−1].
        alpha, beta, k: the paper's α, β, k (defaults: its values, 1e-4, 0.75, 2).
        convention: ``"paper"`` (k + α Σ a²) or ``"pytorch"`` (k + α/n Σ a², torch/cuda-convnet).
        groups: normalise each of ``groups`` blocks of C/groups consecutive channels on its own,
            as each of the paper's two GPUs normalised its own 48 conv1 maps.

    Differentiable to any order (double backward recomputes through plain torch ops); runs on
    any device.
    """
    size, alpha, beta, k, convention = _check_parameters(
        size, alpha, beta, k, convention
    )
    x, groups = _check_input(x, groups)
    coefficient = _sum_coefficient(alpha, size, convention)
    return _LocalResponseNormFunction.apply(x, size, coefficient, beta, k, groups)


_SIGNATURE = inspect.signature(local_response_norm)


def local_response_norm_loop(
    x: torch.Tensor,
    size: int = 5,
    alpha: float = 1e-4,
    beta: float = 0.75,
    k: float = 2.0,
    *,
    convention: str = "paper",
) -> torch.Tensor:
    """Return x normalised across channels (§3.3), computed one channel at a time (slow, readable)."""
    size, alpha, beta, k, convention = _check_parameters(
        size, alpha, beta, k, convention
    )
    x, _ = _check_input(x, 1)
    coefficient = _sum_coefficient(alpha, size, convention)
    channels = x.shape[1]
    outputs = []
    for i in range(channels):
        first, last = max(0, i - size // 2), min(channels - 1, i + (size - 1) // 2)
        neighbours = x[:, first : last + 1]  # (N, ≤size, *spatial)
        denominator = k + coefficient * (neighbours**2).sum(dim=1)  # (N, *spatial)
        outputs.append(x[:, i] / denominator**beta)
    return torch.stack(outputs, dim=1)  # (N, C, *spatial)


class LocalResponseNorm(nn.Module):
    """Local response normalization layer (§3.3); see :func:`local_response_norm`.

    ``LocalResponseNorm()`` is the paper's layer as printed (k=2, n=5, α=1e-4, β=0.75, α
    multiplying the sum); ``LocalResponseNorm(convention="pytorch")`` matches
    ``torch.nn.LocalResponseNorm(5, 1e-4, 0.75, 2)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Take :func:`local_response_norm`'s arguments after ``x`` (size, alpha, beta, k, …)."""
        super().__init__()
        bound = _SIGNATURE.bind(None, *args, **kwargs)  # None stands in for x
        bound.apply_defaults()
        _, size, alpha, beta, k, convention, groups = bound.arguments.values()
        self.size, self.alpha, self.beta, self.k, self.convention = _check_parameters(
            size, alpha, beta, k, convention
        )
        self.groups = check_int(groups, "groups")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the normalised activations, same shape as ``x``."""
        return local_response_norm(
            x,
            self.size,
            self.alpha,
            self.beta,
            self.k,
            convention=self.convention,
            groups=self.groups,
        )

    def extra_repr(self) -> str:
        return (
            f"size={self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}, "
            f"convention={self.convention!r}, groups={self.groups}"
        )


LocalResponseNorm.__init__.__signature__ = _SIGNATURE.replace(  # what help() shows
    return_annotation=None,
    parameters=[inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    + list(_SIGNATURE.parameters.values())[1:],
)
