"""Natural images offline: patches of the real photographs that ship with the pinned packages.

The paper's effects (ReLU's speed, dropout, augmentation, edge-like first-layer kernels) depend on
the statistics of natural images: edges, textures, colour that varies smoothly. Procedural shapes
with random colours do not have them, and CIFAR-10 (§3.1) and ILSVRC (§2) need a download. So this
module builds a small natural-image classification task from ten photographs bundled with
scikit-image and matplotlib, in well under a second and with no network:

- **classes** are the photographs: a 32×32 patch must be told apart by the textures, edges and
  colours of the scene it comes from (an astronaut, a cat, a cup of coffee, a rocket, Grace Hopper,
  the Hubble deep field, a stained tissue slice, a retina, a motorcycle, a brick wall);
- **train and test share no pixels**: every photo (shorter side resized to ``short_side``) is cut
  into a grid of ``block``×``block`` squares; a fixed share of the squares of each photo
  (``test_share``, a quarter by default) is the test region, the rest the training region, and
  every patch lies inside one square. The split does not depend on ``seed``, so no training
  patch of any seed overlaps a test patch of any seed;
- **stored a little larger than the net sees** (``stored`` = 40 pixels for 32×32 crops), as §2
  stored 256×256 images for 224×224 crops, so that §4.1's random crops have room to move. A test
  patch is the centre ``crop``×``crop`` of its stored patch.

How it differs from the paper's data: CIFAR-10 has 10 object classes in 60,000 different 32×32
photographs; ILSVRC-2010 has 1.2 million photographs in 1,000 classes. Here ten photographs give
all the patches, so a class is one scene's texture and colour statistics, not an object category,
and neighbouring patches overlap. It is a stand-in with natural statistics, not a benchmark.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import torch
from torch.utils.data import Dataset

from ._checks import check_choice, check_int, check_probability

__all__ = ["PHOTO_CLASSES", "SHORT_SIDE", "load_photo", "PhotoPatches", "photo_patches", "luminance"]

PHOTO_CLASSES = (
    "astronaut", "chelsea", "coffee", "rocket", "grace_hopper",
    "hubble_deep_field", "immunohistochemistry", "retina", "motorcycle", "brick",
)  # fmt: skip
_SPLITS = ("train", "test")
SHORT_SIDE = 256  # photos resized to this shorter side: 232 training and 78 test squares
_TEST_SHARE = 0.25  # of each photo's squares
_SPLIT_SEED = 2012  # fixes which squares are test squares, for every seed


def load_photo(name: str) -> torch.Tensor:
    """Return one bundled photograph as a uint8 tensor (3, H, W), loaded offline.

    ``name`` is one of :data:`PHOTO_CLASSES`. "grace_hopper" ships with matplotlib, the others
    with scikit-image ("motorcycle" is the left image of its stereo pair, "brick" is grey).
    """
    check_choice(name, "name", PHOTO_CLASSES)
    import numpy as np

    if name == "grace_hopper":
        import matplotlib
        from PIL import Image

        path = os.path.join(
            matplotlib.get_data_path(), "sample_data", "grace_hopper.jpg"
        )
        with Image.open(path) as file:
            array = np.asarray(file.convert("RGB"))
    else:
        try:
            import skimage.data
        except ImportError as error:
            raise ImportError(f"load_photo({name!r}) needs scikit-image") from error
        if name == "motorcycle":
            array = skimage.data.stereo_motorcycle()[0]
        else:
            array = getattr(skimage.data, name)()
    if array.ndim == 2:  # grey photograph: the same values in R, G and B
        array = np.stack([array] * 3, axis=-1)
    return torch.from_numpy(np.array(array[..., :3], copy=True)).permute(2, 0, 1)


@functools.lru_cache(maxsize=32)
def _resized(name: str, short_side: int) -> torch.Tensor:
    """Return photo ``name`` as uint8 (3, H, W), its shorter side resized to ``short_side``."""
    from torchvision.transforms.v2 import functional as TF

    return TF.resize(load_photo(name), [short_side], antialias=True)  # uint8 in and out


@dataclass(frozen=True)
class _Grid:
    """A photo's squares: ``rows`` × ``columns`` of ``block`` pixels, and which are test squares."""

    rows: int
    columns: int
    test: torch.Tensor  # (rows * columns,) bool


def _grid(
    height: int, width: int, block: int, photo_index: int, test_share: float = _TEST_SHARE
) -> _Grid:
    rows, columns = height // block, width // block
    count = rows * columns
    generator = torch.Generator().manual_seed(_SPLIT_SEED + photo_index)
    order = torch.randperm(count, generator=generator)
    test = torch.zeros(count, dtype=torch.bool)
    test[order[: min(count - 1, max(1, round(count * test_share)))]] = True
    return _Grid(rows, columns, test)


def _patches(
    photo: torch.Tensor,
    grid: _Grid,
    squares: torch.Tensor,
    count: int,
    *,
    block: int,
    stored: int,
    generator: torch.Generator,
) -> torch.Tensor:
    """Return (uint8 patches (count, 3, stored, stored), their (top, left) corners (count, 2)).

    Each patch lies inside one of ``squares``.
    """
    pick = squares[torch.randint(len(squares), (count,), generator=generator)]
    dy = torch.randint(block - stored + 1, (count,), generator=generator)
    dx = torch.randint(block - stored + 1, (count,), generator=generator)
    tops = (pick // grid.columns) * block + dy
    lefts = (pick % grid.columns) * block + dx
    rows = tops[:, None] + torch.arange(stored)  # (count, stored)
    columns = lefts[:, None] + torch.arange(stored)
    patches = photo[:, rows[:, :, None], columns[:, None, :]].permute(1, 0, 2, 3)
    return patches, torch.stack([tops, lefts], dim=1)


class PhotoPatches(Dataset):
    """Patches of ten bundled photographs, one class per photo (see the module docstring).

    ``images`` is (N, 3, stored, stored) float32 in [0, 1] (``raw`` the same as uint8 0–255),
    ``labels`` (N,) int64, classes in :data:`PHOTO_CLASSES` order, ``per_class`` patches each;
    ``corners`` (N, 2) the (top, left) pixel of each patch in its photo resized to ``short_side``.
    Deterministic from ``seed``; train and test regions are disjoint for every seed.
    """

    def __init__(
        self, per_class: int = 200, *, split: str = "train", stored: int = 40,
        short_side: int = SHORT_SIDE, block: int = 48, seed: int = 0,
        test_share: float = _TEST_SHARE,
    ) -> None:  # fmt: skip
        check_int(per_class, "per_class")
        check_probability(test_share, "test_share")
        if test_share == 0:
            raise ValueError("test_share must be above 0 (some squares are test squares), got 0")
        check_choice(split, "split", _SPLITS)
        check_int(stored, "stored", minimum=4)
        check_int(block, "block", minimum=stored)
        check_int(short_side, "short_side", minimum=2 * block)
        check_int(seed, "seed", minimum=0)
        self.split, self.stored, self.seed = split, stored, seed
        self.short_side = short_side
        self.classes = PHOTO_CLASSES
        # a different stream per split, so that train and test positions are independent draws
        generator = torch.Generator().manual_seed(seed * 2 + _SPLITS.index(split))
        patches, corners, labels = [], [], []
        for index, name in enumerate(PHOTO_CLASSES):
            photo = _resized(name, short_side)
            grid = _grid(photo.shape[1], photo.shape[2], block, index, test_share)
            want_test = split == "test"
            squares = torch.nonzero(grid.test == want_test).flatten()
            found, where = _patches(
                photo, grid, squares, per_class, block=block, stored=stored,
                generator=generator,
            )  # fmt: skip
            patches.append(found)
            corners.append(where)
            labels.append(torch.full((per_class,), index, dtype=torch.int64))
        self.raw = torch.cat(patches).contiguous()  # (N, 3, stored, stored) uint8
        self.labels = torch.cat(labels)
        self.corners = torch.cat(corners)  # (N, 2): (top, left) in the resized photo
        self.images = self.raw.float() / 255

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.images[index], int(self.labels[index])

    def __repr__(self) -> str:
        return (
            f"PhotoPatches({len(self)} {self.split} patches of {len(self.classes)} photos, "
            f"{self.stored}×{self.stored}, seed={self.seed})"
        )


def photo_patches(
    per_class: int = 200,
    test_per_class: int = 200,
    *,
    stored: int = 40,
    seed: int = 0,
) -> tuple[PhotoPatches, PhotoPatches]:
    """Return (train, test) :class:`PhotoPatches` from disjoint regions of the same photographs."""
    train = PhotoPatches(per_class, split="train", stored=stored, seed=seed)
    test = PhotoPatches(test_per_class, split="test", stored=stored, seed=seed)
    return train, test


def luminance(images: torch.Tensor) -> torch.Tensor:
    """Return (N, 3, H, W) images replaced by their luminance, 0.299 R + 0.587 G + 0.114 B, in every channel.

    Colour alone tells most of the ten photographs apart; without it a net must use texture.
    """
    if (
        not isinstance(images, torch.Tensor)
        or images.dim() != 4
        or images.shape[1] != 3
    ):
        got = (
            tuple(images.shape)
            if isinstance(images, torch.Tensor)
            else type(images).__name__
        )
        raise ValueError(f"images must be an (N, 3, H, W) tensor, got {got}")
    if not images.is_floating_point():
        raise TypeError(f"images must be a float tensor, got {images.dtype}")
    weights = torch.tensor(
        [0.299, 0.587, 0.114], dtype=images.dtype, device=images.device
    )
    grey = (images * weights[:, None, None]).sum(dim=1, keepdim=True)
    return grey.expand(-1, 3, -1, -1).contiguous()
