"""What happens to a batch before the net sees it: §2's mean image and §4.1's augmentation.

§2: "We did not pre-process the images in any other way, except for subtracting the mean
activity over the training set from each pixel." §4.1: random crops and horizontal flips, plus
PCA colour lighting, while training; the centre patch at test time (ten patches in the paper,
:func:`alexnet_core.augment.ten_crop_predict`).

A :class:`Preprocess` holds the training set's mean image and the PCA of its RGB values, and
gives the two halves as methods: ``.train(images)`` for training batches, ``.test(images)`` for
test batches; ``.to(device)`` moves what it holds. Pass the methods to
:func:`~alexnet_core.train.train`: ``augment=pre.train, test_augment=pre.test``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ._checks import check_images, check_int, check_positive_float, check_tensor
from .augment import augment_batch, fit_pca, mean_image

__all__ = ["Preprocess"]


def _centre(images: Tensor, crop_size: int) -> Tensor:
    top = (images.shape[-2] - crop_size) // 2
    left = (images.shape[-1] - crop_size) // 2
    return images[..., top : top + crop_size, left : left + crop_size]


def _moved(tensor: Tensor | None, device: torch.device | str) -> Tensor | None:
    return None if tensor is None else tensor.to(device)


class Preprocess:
    """The mean image (§2) and the crop / flip / lighting of §4.1, for training and testing.

    Args:
        crop_size: the side of what the net sees (224 for the paper, 32 for CIFAR-sized nets).
        mean: the training set's mean image (C, H, W) to subtract, or None for none.
        eigvals, eigvecs: the PCA of the training RGB values (``fit_pca``), or None for no
            colour lighting; both or neither.
        pad: reflect-pad each side by this many pixels before the random crop (CIFAR-10's
            32×32 images have no room for 32×32 crops otherwise).
        std: the standard deviation of the lighting coefficients α (0.1 in §4.1).
        augment: False makes ``train`` the same as ``test`` (no random crop or flip).

    ``train(images)``: subtract the mean, pad, then one random crop + flip + lighting per
    image (:func:`~alexnet_core.augment.augment_batch`, drawing from torch's global RNG so a
    checkpointed run resumes bit for bit). ``test(images)``: subtract the mean and keep the
    centre ``crop_size`` patch.
    """

    def __init__(
        self,
        crop_size: int,
        *,
        mean: Tensor | None = None,
        eigvals: Tensor | None = None,
        eigvecs: Tensor | None = None,
        pad: int = 0,
        std: float = 0.1,
        augment: bool = True,
    ) -> None:
        self.crop_size = check_int(crop_size, "crop_size")
        self.pad = check_int(pad, "pad", minimum=0)
        self.std = check_positive_float(std, "std", allow_zero=True)
        if not isinstance(augment, bool):
            raise TypeError(f"augment must be True or False, got {augment!r}")
        if mean is not None:
            check_tensor(mean, "mean", ndim=3, floating=True)
        if (eigvals is None) != (eigvecs is None):
            raise ValueError(
                "eigvals and eigvecs must be given together (from fit_pca)"
            )
        if eigvals is not None:
            check_tensor(eigvals, "eigvals", ndim=1, floating=True)
            check_tensor(eigvecs, "eigvecs", ndim=2, floating=True)
            if eigvals.shape != (3,) or eigvecs.shape != (3, 3):
                raise ValueError(
                    f"eigvals must have shape (3,) and eigvecs (3, 3), got "
                    f"{tuple(eigvals.shape)} and {tuple(eigvecs.shape)}"
                )
        self.mean, self.eigvals, self.eigvecs = mean, eigvals, eigvecs
        self.augment = augment

    @classmethod
    def fit(
        cls, images: Tensor, crop_size: int, *, lighting: bool = True, **options
    ) -> Preprocess:
        """Return a Preprocess with the mean image (and the PCA) of ``images`` (N, 3, H, W).

        ``lighting=False`` leaves out the PCA lighting; ``options`` are the other keywords
        of :class:`Preprocess` (``pad``, ``std``, ``augment``).
        """
        check_images(images)
        eigvals, eigvecs = fit_pca(images) if lighting else (None, None)
        return cls(
            crop_size,
            mean=mean_image(images),
            eigvals=eigvals,
            eigvecs=eigvecs,
            **options,
        )

    def to(self, device: torch.device | str) -> Preprocess:
        """Return a copy whose mean image and PCA live on ``device``."""
        return Preprocess(
            self.crop_size,
            mean=_moved(self.mean, device),
            eigvals=_moved(self.eigvals, device),
            eigvecs=_moved(self.eigvecs, device),
            pad=self.pad,
            std=self.std,
            augment=self.augment,
        )

    def _centred(self, images: Tensor) -> Tensor:
        return images if self.mean is None else images - self.mean

    def train(self, images: Tensor) -> Tensor:
        """Return a training batch (N, C, crop, crop): mean off, padded, cropped, lit."""
        if not self.augment:
            return self.test(images)
        images = self._centred(images)
        if self.pad:
            images = F.pad(images, [self.pad] * 4, mode="reflect")
        return augment_batch(
            images,
            self.crop_size,
            eigvals=self.eigvals,
            eigvecs=self.eigvecs,
            std=self.std,
        )

    def test(self, images: Tensor) -> Tensor:
        """Return a test batch (N, C, crop, crop): mean off, the centre patch."""
        return _centre(self._centred(images), self.crop_size)

    def __repr__(self) -> str:
        held = [name for name in ("mean", "eigvals") if getattr(self, name) is not None]
        return (
            f"Preprocess(crop_size={self.crop_size}, pad={self.pad}, std={self.std}, "
            f"augment={self.augment}, holds={held})"
        )
