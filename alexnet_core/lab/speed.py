"""Timing for the book: medians of repeated calls, the hardware they ran on, and §4.1's augmentation
done in one batched pass (:func:`~alexnet_core.augment.augment_batch`) against a per-image
torchvision ``transforms.v2`` pipeline, the way a ``Dataset`` usually applies it.

Times are medians of ``time.perf_counter`` over rounds in which every contender runs once, so a busy
neighbour process slows them all alike (the idea of ``bench/augment.py``, which has more contenders).
On CUDA every GPU is synchronised around every call. Use the numbers as ratios on one machine:
absolute times depend on the CPU, the thread count and what else is running.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .._checks import check_images, check_int
from ..augment import augment_batch, fit_pca, lighting_shift, sample_lighting
from ..runtime import hardware_summary, median_seconds

__all__ = [
    "hardware_summary",
    "median_seconds",
    "AugmentationTiming",
    "time_augmentation",
]


@dataclass(frozen=True)
class AugmentationTiming:
    """Median seconds per batch of each augmentation method, for ``batch_size`` images."""

    batch_size: int
    image_size: tuple[int, int]
    crop_size: int
    device: str
    seconds: dict[str, float]

    def images_per_second(self) -> dict[str, float]:
        """Return {method: images per second}."""
        return {name: self.batch_size / value for name, value in self.seconds.items()}

    def speedup(
        self, method: str = "augment_batch", baseline: str = "torchvision v2 per image"
    ) -> float:
        """Return how many times faster ``method`` is than ``baseline``."""
        return self.seconds[baseline] / self.seconds[method]

    def __str__(self) -> str:
        height, width = self.image_size
        lines = [
            f"{self.batch_size} images {height}×{width} → {self.crop_size}×{self.crop_size} on {self.device}:"
        ]
        for name, value in self.seconds.items():
            lines.append(
                f"  {name:26s} {1e3 * value:8.2f} ms per batch  {self.batch_size / value:10,.0f} images/s"
            )
        return "\n".join(lines)


def _contenders(
    images: Tensor, crop_size: int, eigvals: Tensor, eigvecs: Tensor, seed: int
) -> dict:
    """Return {name: function} of the two ways to augment ``images`` that are timed."""
    from torchvision.transforms import v2  # only this timing needs torchvision

    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # torchvision's transforms draw from the global generator
    per_image = v2.Compose([v2.RandomCrop(crop_size), v2.RandomHorizontalFlip()])

    def batched() -> Tensor:
        return augment_batch(
            images, crop_size, eigvals=eigvals, eigvecs=eigvecs, generator=generator
        )

    def torchvision_per_image() -> Tensor:
        outputs = []
        for image in images:
            shift = lighting_shift(
                sample_lighting(1, eigvals, generator=generator), eigvals, eigvecs
            )[0]  # (3,)
            outputs.append(per_image(image) + shift.to(image)[:, None, None])
        return torch.stack(outputs)  # (N, 3, crop, crop)

    return {"augment_batch": batched, "torchvision v2 per image": torchvision_per_image}


def time_augmentation(
    images: Tensor,
    crop_size: int = 224,
    *,
    rounds: int = 5,
    seed: int = 0,
    eigvals: Tensor | None = None,
    eigvecs: Tensor | None = None,
) -> AugmentationTiming:
    """Return the timing of crop + flip + fancy-PCA lighting (§4.1) of ``images`` (N, 3, H, W), two ways:

    * ``"augment_batch"``: :func:`~alexnet_core.augment.augment_batch`, the whole batch in one pass;
    * ``"torchvision v2 per image"``: ``v2.RandomCrop`` + ``v2.RandomHorizontalFlip`` on each image in
      a Python loop, plus that image's lighting shift, then ``torch.stack`` (what a ``Dataset`` with a
      per-image transform and the default collate does).

    Both produce the same kind of batch (N, 3, crop, crop); the random draws differ. ``eigvals`` and
    ``eigvecs`` default to :func:`~alexnet_core.augment.fit_pca` of ``images``.
    """
    images = check_images(images)
    crop_size = check_int(crop_size, "crop_size")
    if crop_size > min(images.shape[-2:]):
        raise ValueError(
            f"crop_size must be <= the image size {tuple(images.shape[-2:])}, got {crop_size}"
        )
    if (eigvals is None) != (eigvecs is None):
        raise ValueError(
            "eigvals and eigvecs must be given together (from fit_pca), got only one"
        )
    if eigvals is None:
        eigvals, eigvecs = fit_pca(images)
    contenders = _contenders(
        images, crop_size, eigvals, eigvecs, check_int(seed, "seed", minimum=0)
    )
    seconds = median_seconds(
        contenders,
        rounds=rounds,
        device=images.device,
    )
    return AugmentationTiming(
        len(images), tuple(images.shape[-2:]), crop_size, images.device.type, seconds
    )
