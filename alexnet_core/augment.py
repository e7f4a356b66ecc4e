"""The paper's data augmentation (§4.1) and its only preprocessing, mean subtraction (§2).

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012.

* §2: the only preprocessing is subtracting the mean activity over the training set from each pixel:
  :func:`mean_image` (a per-pixel mean image) and :func:`subtract_mean`.
* §4.1, first form: random 224×224 patches of the 256×256 images and their horizontal reflections
  (:func:`sample_crop_flip`, :func:`crop_flip`, :func:`random_crop_flip`); at test time the four corner
  patches, the centre patch and their reflections, with the ten softmax outputs averaged
  (:func:`ten_crop`, :func:`ten_crop_predict`).
* §4.1, second form ("fancy PCA"): PCA over the RGB values of all training pixels (:func:`fit_pca`); to
  every pixel of an image add ``[p1 p2 p3][α1λ1 α2λ2 α3λ3]^T`` with ``αi ~ N(0, 0.1²)`` drawn once per
  image each time it is used (:func:`sample_lighting`, :func:`lighting_shift`, :func:`pca_lighting`).
* :func:`augment_batch` does crop + flip + lighting in one pass over the output. On CPU it is one
  strided ``torch.add`` per image into a preallocated batch; on accelerators it is one index gather
  (both in ``alexnet_core.fused_crops``).

The fancy-PCA functions live in ``alexnet_core.lighting`` and are re-exported here.

Like torchvision's transforms v2, drawing the random parameters (``sample_*``) is separate from
applying them, so a ``torch.Generator`` reproduces an augmentation exactly and tests can fix it.
Images are float tensors ``(N, C, H, W)`` on any device; nothing here is learned or differentiated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from alexnet_core._checks import (
    check_generator,
    check_images,
    check_int,
    check_probability,
    check_tensor,
)
from alexnet_core.fused_crops import crop_flip_gather as _crop_flip_gather
from alexnet_core.fused_crops import fused_crops
from alexnet_core.lighting import (
    checked_shifts,
    fit_pca,
    lighting_shift,
    pca_lighting,
    sample_lighting,
)

__all__ = [
    "CropFlipParams",
    "sample_crop_flip",
    "crop_flip",
    "random_crop_flip",
    "ten_crop",
    "ten_crop_predict",
    "fit_pca",
    "sample_lighting",
    "lighting_shift",
    "pca_lighting",
    "augment_batch",
    "mean_image",
    "subtract_mean",
]


@dataclass(
    frozen=True, eq=False
)  # eq=False: comparing tensor fields with == has no single truth value
class CropFlipParams:
    """The random choices of :func:`crop_flip` for a batch: one window and one coin flip per image.

    ``tops`` and ``lefts`` (N,) long are the window's top-left corners, ``flips`` (N,) bool says which
    crops are mirrored left-right, ``crop_size`` is the side of the square window.
    """

    tops: Tensor
    lefts: Tensor
    flips: Tensor
    crop_size: int

    def __post_init__(self) -> None:
        check_int(self.crop_size, "crop_size")
        for name, dtype in (
            ("tops", torch.long),
            ("lefts", torch.long),
            ("flips", torch.bool),
        ):
            value = check_tensor(getattr(self, name), name, ndim=1)
            if value.dtype != dtype:
                raise TypeError(f"{name} must have dtype {dtype}, got {value.dtype}")
        if not self.tops.shape == self.lefts.shape == self.flips.shape:
            raise ValueError(
                f"tops, lefts and flips must have the same length, got {len(self.tops)}, {len(self.lefts)}, {len(self.flips)}"
            )

    def __len__(self) -> int:
        return len(self.tops)


def _image_hw(image_size: int | tuple[int, int]) -> tuple[int, int]:
    if isinstance(image_size, int) and not isinstance(image_size, bool):
        return check_int(image_size, "image_size"), image_size
    if isinstance(image_size, (tuple, list, torch.Size)) and len(image_size) == 2:
        return check_int(image_size[0], "image_size[0]"), check_int(
            image_size[1], "image_size[1]"
        )
    raise TypeError(f"image_size must be an int or a pair (H, W), got {image_size!r}")


def _check_crop(crop_size: object, height: int, width: int) -> int:
    crop_size = check_int(crop_size, "crop_size")
    if crop_size > height or crop_size > width:
        raise ValueError(
            f"crop_size must be <= the image size (H, W) = {(height, width)}, got {crop_size}"
        )
    return crop_size


def sample_crop_flip(
    batch_size: int,
    image_size: int | tuple[int, int],
    crop_size: int = 224,
    *,
    flip_probability: float = 0.5,
    generator: torch.Generator | None = None,
) -> CropFlipParams:
    """Return random crop windows and flips for ``batch_size`` images of ``image_size`` (§4.1).

    Each window's top and left offsets are uniform over every valid position, ``0 … H − crop_size``
    and ``0 … W − crop_size`` inclusive; each crop is flipped with probability ``flip_probability``.
    For 256 → 224 that is 33 × 33 positions × 2 reflections = 2178 distinct patches. The paper counts
    32 · 32 · 2 = 2048 ("a factor of 2048"): 256 − 224 = 32 is the number of offsets only if one end
    is excluded. We sample all 33 valid offsets per axis, so both extreme windows occur.

    Draws, in this order, tops, lefts and flips from ``generator`` (on its device; CPU if None).
    """
    batch_size = check_int(batch_size, "batch_size")
    height, width = _image_hw(image_size)
    crop_size = _check_crop(crop_size, height, width)
    flip_probability = check_probability(
        flip_probability, "flip_probability", allow_one=True
    )
    device = check_generator(generator)
    tops = torch.randint(
        0, height - crop_size + 1, (batch_size,), generator=generator, device=device
    )
    lefts = torch.randint(
        0, width - crop_size + 1, (batch_size,), generator=generator, device=device
    )
    flips = (
        torch.rand(batch_size, generator=generator, device=device) < flip_probability
    )
    return CropFlipParams(tops, lefts, flips, crop_size)


def _check_params(params: object, images: Tensor) -> CropFlipParams:
    if not isinstance(params, CropFlipParams):
        raise TypeError(f"params must be a CropFlipParams, got {type(params).__name__}")
    n, _, height, width = images.shape
    if len(params) != n:
        raise ValueError(
            f"params must hold one crop per image ({n}), got {len(params)}"
        )
    c = _check_crop(params.crop_size, height, width)
    if n and (
        int(params.tops.min()) < 0
        or int(params.lefts.min()) < 0
        or int(params.tops.max()) > height - c
        or int(params.lefts.max()) > width - c
    ):
        raise ValueError(
            f"params windows must lie inside the {height}×{width} images, got offsets out of range"
        )
    return params


def _crop_flip_loop(
    images: Tensor, params: CropFlipParams, shifts: Tensor | None
) -> Tensor:
    """CPU path: one strided op per image, straight into a preallocated (N, C, c, c) output."""
    return fused_crops(images, params, shifts)


def _apply_crop_flip(
    images: Tensor, params: CropFlipParams, shifts: Tensor | None
) -> Tensor:
    if images.device.type == "cpu" and not images.requires_grad:
        return _crop_flip_loop(images, params, shifts)
    return _crop_flip_gather(images, params, shifts)


def crop_flip(images: Tensor, params: CropFlipParams) -> Tensor:
    """Return the (N, C, crop, crop) windows of ``images`` chosen by ``params``, mirrored where flipped."""
    images = check_images(images, channels=None)
    return _apply_crop_flip(images, _check_params(params, images), None)


def random_crop_flip(
    images: Tensor, crop_size: int = 224, *, generator: torch.Generator | None = None
) -> Tensor:
    """Return a random crop of each image, mirrored with probability 1/2 (§4.1): (N, C, crop, crop)."""
    images = check_images(images, channels=None)
    params = sample_crop_flip(
        len(images), tuple(images.shape[-2:]), crop_size, generator=generator
    )
    return _apply_crop_flip(images, params, None)


def ten_crop(images: Tensor, crop_size: int = 224) -> Tensor:
    """Return the ten test-time patches of each image (§4.1): (N, 10, C, crop, crop).

    Order: top-left, top-right, bottom-left, bottom-right, centre, then the same five windows
    mirrored left-right. (torchvision's ``ten_crop`` five-crops the mirrored image instead, so its
    mirrored top-left/top-right and bottom-left/bottom-right swap places; the ten patches are the
    same.) The centre window starts at ((H − crop)//2, (W − crop)//2); torchvision rounds half up,
    which differs only when H − crop is odd.
    """
    images = check_images(images, channels=None)
    height, width = images.shape[-2:]
    c = _check_crop(crop_size, height, width)
    top, left = (height - c) // 2, (width - c) // 2
    corners = [
        (0, 0),
        (0, width - c),
        (height - c, 0),
        (height - c, width - c),
        (top, left),
    ]
    five = torch.stack(
        [images[:, :, y : y + c, x : x + c] for y, x in corners], dim=1
    )  # (N, 5, C, c, c)
    return torch.cat([five, five.flip(-1)], dim=1)  # (N, 10, C, c, c)


def ten_crop_predict(
    model: Callable[[Tensor], Tensor],
    images: Tensor,
    crop_size: int = 224,
    *,
    batch_size: int | None = None,
) -> Tensor:
    """Return the class probabilities averaged over each image's ten patches (§4.1): (N, num_classes).

    Runs ``model`` under ``torch.no_grad()`` on the ten crops of each image (at most ``batch_size``
    crops per call; all N·10 at once if None), applies a softmax to its outputs (logits) and averages.
    The model is used in whatever mode it is in: call ``model.eval()`` first so dropout is off.
    """
    if not callable(model):
        raise TypeError(
            f"model must be callable (an nn.Module), got {type(model).__name__}"
        )
    images = check_images(images, channels=None)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size")
    images_per_chunk = len(images) if batch_size is None else max(1, batch_size // 10)
    averaged = []
    with torch.no_grad():
        for chunk in images.split(max(images_per_chunk, 1)):
            crops = ten_crop(chunk, crop_size).flatten(0, 1)  # (k·10, C, c, c)
            logits = torch.cat(
                [model(piece) for piece in crops.split(batch_size or len(crops))]
            )
            if logits.ndim != 2 or len(logits) != len(crops):
                raise ValueError(
                    f"model must return (batch, num_classes) logits, got shape {tuple(logits.shape)}"
                )
            averaged.append(
                logits.softmax(dim=1).view(len(chunk), 10, -1).mean(dim=1)
            )  # (k, K)
    return torch.cat(averaged)


def augment_batch(
    images: Tensor,
    crop_size: int = 224,
    *,
    eigvals: Tensor | None = None,
    eigvecs: Tensor | None = None,
    std: float = 0.1,
    generator: torch.Generator | None = None,
    params: CropFlipParams | None = None,
    alphas: Tensor | None = None,
) -> Tensor:
    """Return random crops + flips (+ fancy-PCA lighting if ``eigvals``/``eigvecs`` given) (§4.1).

    The same result as ``pca_lighting(crop_flip(images, params), ..., alphas=alphas)``, computed in a
    single pass over the (N, C, crop, crop) output (no intermediate batch). Missing ``params`` and ``alphas`` are drawn from
    ``generator`` in that order, so with equal seeds it also equals ``random_crop_flip`` followed by
    ``pca_lighting``. Given ``params`` must have ``params.crop_size == crop_size``.
    """
    lighting = eigvals is not None or eigvecs is not None
    images = check_images(images, channels=3 if lighting else None)
    if lighting and (eigvals is None or eigvecs is None):
        raise ValueError(
            "eigvals and eigvecs must be given together (from fit_pca), got only one"
        )
    if alphas is not None and not lighting:
        raise ValueError(
            "alphas needs eigvals and eigvecs for the lighting shift, got neither"
        )
    if params is None:
        params = sample_crop_flip(
            len(images), tuple(images.shape[-2:]), crop_size, generator=generator
        )
    elif check_int(crop_size, "crop_size") != getattr(params, "crop_size", crop_size):
        raise ValueError(
            f"crop_size must equal params.crop_size ({params.crop_size}), got {crop_size}"
        )
    params = _check_params(params, images)
    shifts = None
    if lighting:
        if alphas is None:
            alphas = sample_lighting(len(images), eigvals, std, generator=generator)
        shifts = checked_shifts(images, alphas, eigvals, eigvecs)
    return _apply_crop_flip(images, params, shifts)


def mean_image(images: Tensor) -> Tensor:
    """Return the per-pixel mean over the batch, (C, H, W): the training-set mean activity of §2."""
    images = check_images(images, channels=None)
    if len(images) == 0:
        raise ValueError("images must hold at least one image, got an empty batch")
    return images.mean(dim=0)


def subtract_mean(images: Tensor, mean: Tensor) -> Tensor:
    """Return ``images`` minus the per-pixel ``mean`` image (§2); images (N, C, H, W) or (C, H, W).

    The paper subtracts the mean of the 256×256 training images before cropping, so subtract first
    and crop after (or crop the mean image with the same window).
    """
    images = check_tensor(images, "images", ndim=(3, 4), floating=True)
    mean = check_tensor(mean, "mean", ndim=3, floating=True)
    if mean.shape != images.shape[-3:]:
        raise ValueError(
            f"mean must have the image shape (C, H, W) = {tuple(images.shape[-3:])}, got {tuple(mean.shape)}"
        )
    return images - mean
