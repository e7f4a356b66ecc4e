"""Test-time crops (§4.1): the error of each of the ten patches and of their averaged softmax.

§4.1: "At test time, the network makes a prediction by extracting five 224 × 224 patches (the four
corner patches and the center patch) as well as their horizontal reflections (hence ten patches in
all), and averaging the predictions made by the network's softmax layer on the ten patches."
:func:`crop_errors` measures that against the single centre patch, and each patch on its own, so a
chapter can show where the gain (or its absence) comes from. :func:`enlarged` makes images larger
than the network's input (e.g. CIFAR-10's 32×32 to 36×36) so that crops of the input size can move.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import Dataset, TensorDataset

from .._checks import check_images, check_int, check_tensor
from ..augment import ten_crop
from ..data import as_tensors
from ..evaluation import model_device, predictions

__all__ = ["CropErrors", "crop_errors", "enlarged", "CROP_NAMES"]

CROP_NAMES = (
    "top-left",
    "top-right",
    "bottom-left",
    "bottom-right",
    "centre",
    "top-left mirrored",
    "top-right mirrored",
    "bottom-left mirrored",
    "bottom-right mirrored",
    "centre mirrored",
)  # the order of augment.ten_crop


@dataclass(frozen=True)
class CropErrors:
    """Top-1 error rates: ``per_crop`` (10,) in :data:`CROP_NAMES` order, and the ten-patch average."""

    per_crop: tuple[float, ...]
    ten_crop: float
    count: int
    # per image: wrong on the centre patch / wrong with the ten-patch average (bool, (N,))
    centre_wrong: Tensor | None = field(default=None, repr=False, compare=False)
    ten_crop_wrong: Tensor | None = field(default=None, repr=False, compare=False)

    @property
    def centre(self) -> float:
        """Return the error of the single centre patch (the usual one-crop test)."""
        return self.per_crop[4]

    def gain_interval(
        self, *, level: float = 0.95, resamples: int = 10_000, seed: int = 0
    ) -> tuple[float, float, float]:
        """Return (ten-crop − centre error, low, high): a paired bootstrap interval.

        The same images are resampled for both errors (they are paired: one net, one test
        set), ``resamples`` times; the interval holds the central ``level`` of the
        resampled differences.
        """
        if self.centre_wrong is None or self.ten_crop_wrong is None:
            raise ValueError("gain_interval needs the per-image results of crop_errors")
        check_int(resamples, "resamples", minimum=100)
        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1, got {level!r}")
        difference = self.ten_crop_wrong.double() - self.centre_wrong.double()  # (N,)
        generator = torch.Generator().manual_seed(seed)
        picks = torch.randint(len(difference), (resamples, len(difference)), generator=generator)
        means = difference[picks].mean(dim=1)
        tail = (1 - level) / 2
        low, high = torch.quantile(means, torch.tensor([tail, 1 - tail], dtype=torch.float64))
        return float(difference.mean()), float(low), float(high)

    def __str__(self) -> str:
        lines = [
            f"{name:22s} {error:6.1%}" for name, error in zip(CROP_NAMES, self.per_crop)
        ]
        lines.append(
            f"{'ten-crop average':22s} {self.ten_crop:6.1%}   ({self.count} images)"
        )
        return "\n".join(lines)


def crop_errors(
    model: nn.Module,
    images: Tensor,
    labels: Tensor,
    crop_size: int,
    *,
    batch_size: int = 100,
) -> CropErrors:
    """Return the top-1 errors of ``model`` on each of the ten test patches and on their average (§4.1).

    ``images`` (N, C, H, W) are larger than ``crop_size``; ``labels`` (N,) are class indices. The model
    runs under ``torch.no_grad()`` in eval mode (its own mode is restored), ``batch_size`` images at a
    time, on the device of its parameters. The average is over softmax outputs, as in
    :func:`~alexnet_core.augment.ten_crop_predict`.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    images = check_images(images, channels=None)
    labels = check_tensor(labels, "labels", ndim=1)
    if len(labels) != len(images) or len(images) == 0:
        raise ValueError(
            f"labels must have one entry per image ({len(images)}, at least 1), got {len(labels)}"
        )
    crop_size = check_int(crop_size, "crop_size")
    batch_size = check_int(batch_size, "batch_size")

    def patches(chunk: Tensor) -> Tensor:
        return ten_crop(chunk, crop_size).flatten(0, 1)  # (n·10, C, c, c)

    wrong_per_crop = torch.zeros(10, dtype=torch.long)
    centre_wrong, average_wrong = [], []
    batches = zip(images.split(batch_size), labels.split(batch_size))
    for logits, truth in predictions(
        model, batches, model_device(model), augment=patches
    ):
        probabilities = (
            logits.softmax(dim=1).view(len(truth), 10, -1).cpu()
        )  # (n, 10, K)
        truth = truth.cpu()
        wrong = probabilities.argmax(dim=2) != truth[:, None]  # (n, 10)
        wrong_per_crop += wrong.sum(dim=0)
        centre_wrong.append(wrong[:, 4])
        average_wrong.append(probabilities.mean(dim=1).argmax(dim=1) != truth)
    count = len(images)
    centre, average = torch.cat(centre_wrong), torch.cat(average_wrong)
    return CropErrors(
        tuple((wrong_per_crop / count).tolist()), float(average.double().mean()), count,
        centre_wrong=centre, ten_crop_wrong=average,
    )  # fmt: skip


def enlarged(dataset: Dataset, image_size: int) -> TensorDataset:
    """Return ``dataset``'s images resized (bilinear, antialiased) to ``image_size`` with their labels.

    Items of ``dataset`` must be (image (C, H, W) float tensor, label int). Used to give CIFAR-10's
    32×32 images room for random 32×32 crops, as the 256×256 ImageNet images have for 224×224 ones.
    """
    image_size = check_int(image_size, "image_size")
    images, labels = as_tensors(dataset)  # (N, C, H, W), (N,)
    check_images(images, channels=None)
    resized = F.interpolate(
        images,
        size=(image_size, image_size),
        mode="bilinear",
        antialias=True,
        align_corners=False,
    )
    return TensorDataset(resized.clamp(0, 1), labels)
