"""How colourful first-layer kernels are, and whether the two towers differ (Fig. 3, §6.1).

§6.1 about Fig. 3: "the kernels on GPU 1 are largely color-agnostic, while the kernels on on GPU 2
are largely color-specific", in every run, whatever the initialisation. To test that on a trained
net we need a number per kernel. :func:`colourfulness` splits a kernel w (3, h, w) into its grey part
(the same weights in R, G and B: the mean over channels at each pixel) and the rest, and returns the
share of the kernel's norm that is not grey:

    colourfulness(w) = ‖w − grey(w)‖ / ‖w‖,   grey(w)[c, y, x] = mean over c' of w[c', y, x].

0 means a colour-agnostic kernel (it responds to brightness only); 1 means a kernel whose three
channels cancel at every pixel (it responds to colour only). A kernel of independent random weights
scores sqrt(2/3) ≈ 0.82 on average, because two of the three directions of RGB space are not grey.
:func:`tower_difference` compares the two towers' scores with a permutation test, and
:func:`grey_share` measures how much of a data set's edge signal a colour-agnostic kernel can see.
"""

from __future__ import annotations

import torch

from .._checks import check_int, check_tensor

__all__ = ["colourfulness", "tower_difference", "grey_share", "RANDOM_COLOURFULNESS"]

RANDOM_COLOURFULNESS = (
    2 / 3
) ** 0.5  # the score of isotropic random kernels, in expectation of its square


def colourfulness(weight: torch.Tensor) -> torch.Tensor:
    """Return each RGB kernel's non-grey share of its norm, (K,) in [0, 1], for weights (K, 3, h, w)."""
    check_tensor(weight, "weight", ndim=4, floating=True)
    if weight.shape[1] != 3:
        raise ValueError(
            f"weight must hold RGB kernels (K, 3, h, w), got shape {tuple(weight.shape)}"
        )
    weight = weight.detach().to(torch.float64, memory_format=torch.contiguous_format)
    colour = weight - weight.mean(
        dim=1, keepdim=True
    )  # (K, 3, h, w): remove the grey part
    norms = weight.flatten(1).norm(dim=1)
    if bool((norms == 0).any()):
        raise ValueError(
            "weight must not contain an all-zero kernel (its colourfulness is undefined)"
        )
    return (colour.flatten(1).norm(dim=1) / norms).float()


def tower_difference(
    scores: torch.Tensor, *, permutations: int = 10_000, seed: int = 0
) -> tuple[float, float]:
    """Return (mean of the first half − mean of the second half, two-sided permutation p-value).

    ``scores`` (K,) are per-kernel values in tower order (kernels 0 … K/2 − 1 on GPU 1, the rest on
    GPU 2, as in Fig. 3). The p-value is the share of ``permutations`` random relabellings of the
    kernels into two towers whose difference is at least as large in magnitude (plus one, so it is
    never 0): small means the towers really differ, large means the difference is what chance gives.
    """
    check_tensor(scores, "scores", ndim=1, floating=True)
    if len(scores) < 4 or len(scores) % 2:
        raise ValueError(
            f"scores must hold an even number (>= 4) of kernels, got {len(scores)}"
        )
    check_int(permutations, "permutations")
    check_int(seed, "seed", minimum=0)
    scores = scores.detach().double().cpu()
    half = len(scores) // 2
    observed = (scores[:half].mean() - scores[half:].mean()).item()
    generator = torch.Generator().manual_seed(seed)
    order = torch.argsort(
        torch.rand(permutations, len(scores), generator=generator), dim=1
    )  # (P, K)
    shuffled = scores[order]
    differences = shuffled[:, :half].mean(dim=1) - shuffled[:, half:].mean(dim=1)
    extreme = int((differences.abs() >= abs(observed) - 1e-12).sum())
    return observed, (extreme + 1) / (permutations + 1)


def grey_share(images: torch.Tensor) -> float:
    """Return the share of the variance of horizontal pixel differences (N, 3, H, W) that lies along grey.

    A first-layer edge detector sees differences between neighbouring pixels. Projected on the grey
    axis (1, 1, 1)/sqrt(3), they are what a colour-agnostic kernel responds to; the rest (two
    directions) is what only a colour-specific kernel sees. Natural photographs put most of it on
    grey; colours drawn uniformly at random give 1/3.
    """
    check_tensor(images, "images", ndim=4, floating=True)
    if images.shape[1] != 3 or images.shape[-1] < 2:
        raise ValueError(
            f"images must have shape (N, 3, H, W) with W >= 2, got {tuple(images.shape)}"
        )
    steps = (
        (images[..., 1:] - images[..., :-1]).movedim(1, -1).reshape(-1, 3).double()
    )  # (pixels, 3)
    steps = steps - steps.mean(dim=0)
    covariance = steps.T @ steps  # (3, 3), unnormalised: only ratios matter
    grey = torch.full((3,), 3**-0.5, dtype=torch.float64)
    total = covariance.trace()
    if total == 0:
        raise ValueError(
            "images must vary from pixel to pixel (every horizontal difference is 0)"
        )
    return float(grey @ covariance @ grey / total)
