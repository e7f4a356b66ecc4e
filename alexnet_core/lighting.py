"""Fancy-PCA lighting, the second form of data augmentation (§4.1).

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012, §4.1: PCA over the RGB values of all training pixels (:func:`fit_pca`); to every pixel
of an image add ``[p1 p2 p3][α1λ1 α2λ2 α3λ3]^T`` with ``αi ~ N(0, 0.1²)`` drawn once per image
each time it is used (:func:`sample_lighting`, :func:`lighting_shift`, :func:`pca_lighting`).

Drawing α (``sample_lighting``) is separate from applying it, so a ``torch.Generator`` reproduces
the shift exactly. ``alexnet_core.augment`` re-exports these names and fuses the shift into its
crop (``augment_batch``).
"""

from __future__ import annotations

import torch
from torch import Tensor

from alexnet_core._checks import (
    check_finite,
    check_generator,
    check_images,
    check_int,
    check_positive_float,
    check_tensor,
)

__all__ = ["fit_pca", "sample_lighting", "lighting_shift", "pca_lighting"]


def fit_pca(images: Tensor) -> tuple[Tensor, Tensor]:
    """Return (eigenvalues (3,), eigenvectors (3, 3) as columns) of the RGB covariance (§4.1).

    The covariance (normalised by n − 1) is over the RGB values of every pixel of every image;
    ``images`` is (N, 3, H, W) or (3, H, W). Computed in float64, returned in the input's dtype.
    Eigenvalues are in descending order and clamped at 0; each eigenvector's largest-magnitude
    component is made positive, so the result is deterministic.
    """
    images = check_tensor(images, "images", ndim=(3, 4))
    images = check_images(images, batched=images.ndim == 4)
    check_finite(images, "images")
    pixels = images.movedim(-3, -1).reshape(-1, 3).double()  # (n, 3)
    if len(pixels) < 2:
        raise ValueError(
            f"images must hold at least 2 pixels to estimate a covariance, got {len(pixels)}"
        )
    eigvals, eigvecs = torch.linalg.eigh(torch.cov(pixels.T))  # ascending
    eigvals, eigvecs = eigvals.flip(0).clamp(min=0), eigvecs.flip(1)
    largest = eigvecs.gather(0, eigvecs.abs().argmax(dim=0, keepdim=True))  # (1, 3)
    eigvecs = eigvecs * torch.where(largest < 0, -1.0, 1.0)
    return eigvals.to(images.dtype), eigvecs.to(images.dtype)


def _check_pca(eigvals: object, eigvecs: object | None = None) -> None:
    eigvals = check_tensor(eigvals, "eigvals", floating=True)
    if eigvals.shape != (3,):
        raise ValueError(f"eigvals must have shape (3,), got {tuple(eigvals.shape)}")
    check_finite(eigvals, "eigvals")
    if eigvecs is not None:
        eigvecs = check_tensor(eigvecs, "eigvecs", floating=True)
        if eigvecs.shape != (3, 3):
            raise ValueError(
                f"eigvecs must have shape (3, 3) (eigenvectors as columns), got {tuple(eigvecs.shape)}"
            )
        check_finite(eigvecs, "eigvecs")


def sample_lighting(
    batch_size: int,
    eigvals: Tensor,
    std: float = 0.1,
    *,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Return the fancy-PCA coefficients α ~ N(0, std), one row per image: (N, 3) (§4.1).

    Drawn on the generator's device in ``eigvals``' dtype, then moved to ``eigvals``' device.
    """
    batch_size = check_int(batch_size, "batch_size")
    _check_pca(eigvals)
    std = check_positive_float(std, "std", allow_zero=True)
    draws = torch.randn(
        (batch_size, 3),
        generator=generator,
        device=check_generator(generator),
        dtype=eigvals.dtype,
    )
    return (draws * std).to(eigvals.device)


def lighting_shift(alphas: Tensor, eigvals: Tensor, eigvecs: Tensor) -> Tensor:
    """Return the RGB shift ``[p1 p2 p3][α1λ1 α2λ2 α3λ3]^T`` for each image: (N, 3) (§4.1)."""
    _check_pca(eigvals, eigvecs)
    alphas = check_tensor(alphas, "alphas", ndim=2, floating=True)
    if alphas.shape[1] != 3:
        raise ValueError(f"alphas must have shape (N, 3), got {tuple(alphas.shape)}")
    return (alphas * eigvals) @ eigvecs.T  # row n = Σ_j α_nj λ_j p_j


def pca_lighting(
    images: Tensor,
    eigvals: Tensor,
    eigvecs: Tensor,
    std: float = 0.1,
    generator: torch.Generator | None = None,
    *,
    alphas: Tensor | None = None,
) -> Tensor:
    """Return ``images`` with one random RGB shift per image added to every pixel (§4.1 fancy PCA).

    α is drawn afresh (:func:`sample_lighting`) on every call unless ``alphas`` (N, 3) is given.
    """
    images = check_images(images)
    if alphas is None:
        alphas = sample_lighting(len(images), eigvals, std, generator=generator)
    shifts = checked_shifts(images, alphas, eigvals, eigvecs)
    return images + shifts[:, :, None, None]


def checked_shifts(
    images: Tensor, alphas: Tensor, eigvals: Tensor, eigvecs: Tensor
) -> Tensor:
    """Return the lighting shifts (N, 3) in ``images``' device and dtype, one row per image."""
    shifts = lighting_shift(alphas, eigvals, eigvecs)
    if len(shifts) != len(images):
        raise ValueError(
            f"alphas must have one row per image ({len(images)}), got {len(shifts)}"
        )
    return shifts.to(device=images.device, dtype=images.dtype)  # (N, 3)
