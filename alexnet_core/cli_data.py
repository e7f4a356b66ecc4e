"""The command-line trainer's data: what ``--dataset`` names, turned into batches (§2, §4.1).

``python -m alexnet_core --dataset …`` takes ``photos`` (patches of ten bundled photographs,
:class:`~alexnet_core.natural.PhotoPatches`: natural images, offline, 40×40 stored and 32×32
seen), ``offline`` (procedural shapes), ``cifar10``, a prepared folder (made by
``python -m alexnet_core.prepared SRC DST``: read by
:class:`~alexnet_core.prepared_batches.PreparedBatches`, crop + flip + PCA lighting + mean
subtraction in one fused pass), or an ImageNet-style folder of JPEGs (decoded per item). The
tensor datasets get the mean image subtracted (§2) by a
:class:`~alexnet_core.preprocess.Preprocess` fitted on a sample of the training images.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import torch

from .augment import fit_pca
from .preprocess import Preprocess

__all__ = ["Inputs", "inputs", "RankShare", "DATASET_SIZES"]

# (training, test) images when --num-train / --num-test are not given
DATASET_SIZES = {"photos": (2000, 1000), "offline": (5000, 1000)}
_PREPARED_CROPS = (224, 32)  # the paper's crop (§4.1), else the 32×32 variants'


@dataclass
class Inputs:
    """What ``train`` gets: the data, the crop the model sees and the batch transforms."""

    train: Any  # a Dataset, or PreparedBatches (already cropped and centred)
    test: Any | None
    crop: int
    augment: Callable | None = None
    test_augment: Callable | None = None
    description: str = ""


class RankShare:
    """One torchrun process's share of every batch of a :class:`PreparedBatches`.

    Every rank draws the same permutation (``order``, seeded alike on every rank) and takes
    rows ``rank::world`` of each global batch; crops, flips and lighting come from the
    batches' own generator, seeded per rank.
    """

    def __init__(self, batches: Any, rank: int, world: int, seed: int) -> None:
        self.batches, self.rank, self.world = batches, rank, world
        self.batch_size = batches.batch_size // world
        self.order = torch.Generator().manual_seed(seed)
        self.generator = batches.generator  # what a checkpoint saves and restores

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        size, labels = self.batches.batch_size, self.batches.data.labels
        order = torch.randperm(len(labels), generator=self.order)
        for start in range(0, len(self) * size, size):
            rows = order[start : start + size][self.rank :: self.world]
            yield self.batches.batch(rows), labels[rows]


def _sizes(args: argparse.Namespace) -> tuple[int, int]:
    default = DATASET_SIZES[args.dataset]
    train = default[0] if args.num_train is None else args.num_train
    return train, default[1] if args.num_test is None else args.num_test


def _tensor_sets(args: argparse.Namespace) -> tuple[Any, Any, int, str]:
    """Return (train set, test set, crop, description) of photos, offline or cifar10."""
    if args.dataset == "photos":
        from .natural import PhotoPatches

        train, test = _sizes(args)
        if train < 10 or test < 10:
            raise ValueError(
                f"--num-train and --num-test must be >= 10 for photos (10 classes), got {train} and {test}"
            )
        sets = [
            PhotoPatches(count // 10, split=split, stored=40, seed=args.seed)
            for count, split in ((train, "train"), (test, "test"))
        ]
        return (*sets, 32, "photos: patches of 10 photos, 40×40 stored, 32×32 crops")
    if args.dataset == "offline":
        from .shapes import OfflineShapes

        train, test = _sizes(args)
        size = 36 if args.augment else 32  # 4 px larger: random 32×32 crops have room
        sets = [
            OfflineShapes(count, image_size=size, seed=args.seed, split=split)
            for count, split in ((train, "train"), (test, "test"))
        ]
        return (*sets, 32, f"offline shapes, {size}×{size}")
    from .data import cifar10

    sets = [
        cifar10(args.data_root, train=train, download=args.download)
        for train in (True, False)
    ]
    return (*sets, 32, "CIFAR-10")


def _preprocess(args: argparse.Namespace, train_set, crop: int) -> Preprocess:
    """Return the mean image (§2) and the crops, flips and lighting (§4.1) of ``train_set``."""
    count = min(1000, len(train_set))
    sample = torch.stack([train_set[i][0] for i in range(count)])  # (n, 3, H, W)
    side = sample.shape[-1]
    lighting = args.augment and crop == 224  # §4.1's PCA lighting, at the paper's scale
    pad = 4 if args.augment and side == crop else 0  # CIFAR-10: room for random crops
    return Preprocess.fit(
        sample, crop, lighting=lighting, pad=pad, augment=args.augment
    )


def _prepared(folder: Path, args: argparse.Namespace, rank: int, world: int) -> Inputs:
    """Return the Inputs of a prepared folder (and of a prepared sibling ``val/``)."""
    from .prepared import PreparedBatches, PreparedImages

    data = PreparedImages(folder)
    crop = next((c for c in _PREPARED_CROPS if data.size >= c), None)
    if crop is None:
        raise ValueError(
            f"--dataset {str(folder)!r} must hold images of side >= 32, got {data.size}"
        )
    mean, eigvals, eigvecs = data.statistics(seed=args.seed)
    lighting = dict(eigvals=eigvals, eigvecs=eigvecs) if args.augment else {}
    generator = torch.Generator().manual_seed(args.seed + rank)
    train = PreparedBatches(
        data,
        args.batch_size,
        crop_size=crop,
        mean=mean,
        generator=generator,
        **lighting,
    )
    if world > 1:
        train = RankShare(train, rank, world, args.seed)
    sibling, test = folder.parent / "val", None
    if (sibling / "manifest.json").exists():
        held_out = PreparedImages(sibling)
        same = held_out.size == data.size  # else the per-channel mean (3,)
        test = PreparedBatches(
            held_out, args.batch_size, train=False, crop_size=crop,
            mean=mean if same else mean.mean(dim=(1, 2)),
        )  # fmt: skip
    shown = f"prepared {data}, {crop}×{crop} crops" + (
        " + PCA lighting" if lighting else ""
    )
    return Inputs(train, test, crop, description=shown)


def _folder(folder: Path, args: argparse.Namespace, device) -> Inputs:
    """Return the Inputs of an ImageNet-style folder of JPEGs (and of a sibling ``val/``)."""
    from .data import image_folder

    train = image_folder(folder)
    sibling = folder.parent / "val"
    test = image_folder(sibling) if sibling.is_dir() else None
    preprocess = Preprocess(224, augment=False)  # centre crops
    if args.augment:  # §4.1's PCA lighting, fitted on a sample of the training images
        count = min(256, len(train))
        eigvals, eigvecs = fit_pca(torch.stack([train[i][0] for i in range(count)]))
        preprocess = Preprocess(224, eigvals=eigvals, eigvecs=eigvecs)
    preprocess = preprocess.to(device)
    return Inputs(
        train, test, 224, preprocess.train, preprocess.test, f"folder {str(folder)!r}"
    )


def inputs(
    args: argparse.Namespace, device: torch.device, rank: int = 0, world: int = 1
) -> Inputs:
    """Return the training and test data ``--dataset`` names, with their transforms."""
    if args.dataset in ("photos", "offline", "cifar10"):
        train, test, crop, description = _tensor_sets(args)
        preprocess = _preprocess(args, train, crop).to(device)
        shown = f"{description}, {len(train)} train / {len(test)} test, mean image subtracted"
        return Inputs(train, test, crop, preprocess.train, preprocess.test, shown)
    folder = Path(args.dataset)
    if not folder.is_dir():
        raise ValueError(
            "--dataset must be 'photos', 'offline', 'cifar10', a prepared folder or an "
            f"ImageNet-style folder, got {args.dataset!r}"
        )
    if (folder / "manifest.json").exists() or (folder / "progress.json").exists():
        return _prepared(folder, args, rank, world)
    return _folder(folder, args, device)
