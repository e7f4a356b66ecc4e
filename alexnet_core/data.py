"""Data for the book: CIFAR-10, ImageNet-style folders, sample photos, in-memory tensors.

AlexNet was trained on ILSVRC (§2): images rescaled so the shorter side is 256, then the central
256×256 crop taken; Fig. 1 (§3.1) used CIFAR-10. :func:`cifar10` and :func:`image_folder` read
them when they are on disk (the offline stand-in is :mod:`alexnet_core.shapes`);
:func:`sample_photo` gives real colour photographs that ship with scikit-image and matplotlib.

§2's only preprocessing: "subtracting the mean activity over the training set from each pixel".
:func:`centred` does it for a whole dataset, :func:`small_task` for a few classes carved out of a
bigger labelled set; both go through :func:`as_tensors`, the one "dataset to tensors" helper.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset

from ._checks import check_choice, check_int, check_tensor
from .augment import mean_image, subtract_mean
from .shapes import SHAPE_CLASSES, OfflineShapes, offline_dataset

if TYPE_CHECKING:  # pragma: no cover - only for type hints
    from torchvision.datasets import CIFAR10, ImageFolder

__all__ = [
    "SHAPE_CLASSES",
    "CIFAR10_CLASSES",
    "SAMPLE_PHOTOS",
    "OfflineShapes",
    "offline_dataset",
    "make_loaders",
    "cifar10",
    "image_folder",
    "sample_photo",
    "sample_photos",
    "as_tensors",
    "centred",
    "small_task",
]

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
SAMPLE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "grace_hopper")


def make_loaders(
    train_set: Dataset,
    test_set: Dataset,
    batch_size: int = 128,
    *,
    seed: int = 0,
    num_workers: int = 0,
) -> tuple[DataLoader, DataLoader]:
    """Return (train loader, test loader); the training order is shuffled reproducibly from ``seed``.

    Batch size 128 is the paper's (§5). The test loader keeps the dataset's order.
    """
    check_int(batch_size, "batch_size")
    check_int(seed, "seed", minimum=0)
    check_int(num_workers, "num_workers", minimum=0)
    generator = torch.Generator().manual_seed(seed)
    train = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=generator,
                       num_workers=num_workers)  # fmt: skip
    test = DataLoader(
        test_set, batch_size=batch_size, shuffle=False, num_workers=num_workers
    )
    return train, test


def _to_float_tensor(image) -> torch.Tensor:
    """Return a PIL image as a float32 (3, H, W) tensor in [0, 1] (like ToTensor)."""
    from torchvision.transforms.v2 import functional as TF

    return TF.to_dtype(
        TF.pil_to_tensor(image.convert("RGB")), torch.float32, scale=True
    )


def _describe(value: object) -> str:
    return f"{value!r} ({type(value).__name__})"


def _check_folder_arguments(root: object, transform: object) -> Path:
    """Return ``root`` as a Path after checking it is a path and ``transform`` is callable or None."""
    if isinstance(root, bool) or not isinstance(root, (str, os.PathLike)):
        raise TypeError(
            f"root must be a folder path (str or os.PathLike), got {_describe(root)}"
        )
    if transform is not None and not callable(transform):
        raise TypeError(
            f"transform must be callable or None, got {_describe(transform)}"
        )
    return Path(root)


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return value


def _download_cifar10(root: Path) -> None:
    """Download and unpack CIFAR-10 into ``root``; raise ConnectionError saying what to do offline."""
    from torchvision.datasets import CIFAR10
    from torchvision.datasets.utils import download_and_extract_archive

    archive = root / CIFAR10.filename
    archive_was_there = archive.exists()
    try:
        download_and_extract_archive(
            CIFAR10.url, str(root), filename=CIFAR10.filename, md5=CIFAR10.tgz_md5
        )
    except (OSError, RuntimeError) as error:
        # OSError: no network, refused, DNS, timeout (urllib's URLError is one);
        # RuntimeError: torchvision's "File not found or corrupted." after a bad download
        if not archive_was_there:
            archive.unlink(missing_ok=True)  # leave nothing half-written behind
        what = "network" if isinstance(error, OSError) else "corrupted download"
        raise ConnectionError(
            f"could not download CIFAR-10 ({what}: {type(error).__name__}: {error}); with "
            f"no internet, put cifar-10-batches-py (unpacked from {CIFAR10.url}) under "
            f"{root.resolve()}"
        ) from error


def cifar10(
    root: str | os.PathLike = "data", *, train: bool = True, download: bool = False,
    transform: Callable | None = None,
) -> CIFAR10:  # fmt: skip
    """Return torchvision's CIFAR-10 dataset (Fig. 1, §3.1); images are float (3, 32, 32) in [0, 1] by default.

    Nothing is downloaded unless ``download=True`` (about 170 MB, into ``root``). ``transform``
    replaces the default PIL → float tensor conversion. Raises FileNotFoundError when the files are
    missing and ``download`` is False, ConnectionError when the download fails, and ValueError when
    the files fail torchvision's MD5 check.
    """
    from torchvision.datasets import CIFAR10

    path = _check_folder_arguments(root, transform)
    _check_bool(train, "train")
    _check_bool(download, "download")
    folder = path / CIFAR10.base_folder
    needed = [name for name, _ in CIFAR10.train_list + CIFAR10.test_list] + [
        CIFAR10.meta["filename"]
    ]
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing and download:
        _download_cifar10(path)
    elif missing:
        raise FileNotFoundError(
            f"CIFAR-10 not found: looked in {folder.resolve()} and did not find {', '.join(missing)}; "
            f"pass download=True (needs internet) or put cifar-10-batches-py in {path.resolve()}"
        )
    try:
        return CIFAR10(
            str(path),
            train=train,
            download=False,
            transform=transform or _to_float_tensor,
        )
    except RuntimeError as error:  # torchvision's MD5 check failed
        raise ValueError(
            f"CIFAR-10 files in {folder.resolve()} failed torchvision's MD5 check (corrupted or partial "
            f"download); delete the folder and pass download=True"
        ) from error


def image_folder(
    root: str | os.PathLike, *, image_size: int = 256, transform: Callable | None = None
) -> ImageFolder:
    """Return an ImageFolder over root/<class>/<image>; shorter side resized to ``image_size``, then centre-cropped (§2).

    Default items are float (3, image_size, image_size) tensors in [0, 1]; ``transform`` replaces
    the default resize + crop + conversion.
    """
    from torchvision.datasets import ImageFolder
    from torchvision.transforms import v2

    path = _check_folder_arguments(root, transform)
    check_int(image_size, "image_size")
    if not path.is_dir():
        raise FileNotFoundError(
            f"root must be an existing folder of class subfolders, got {str(path)!r}"
        )
    if not any(child.is_dir() for child in path.iterdir()):
        raise FileNotFoundError(
            f"root must contain one subfolder per class (root/<class>/<image>.jpg), found none in {str(path)!r}"
        )
    if transform is None:
        transform = v2.Compose([
            v2.ToImage(), v2.Resize(image_size, antialias=True), v2.CenterCrop(image_size),
            v2.ToDtype(torch.float32, scale=True), v2.ToPureTensor(),
        ])  # fmt: skip
    return ImageFolder(str(path), transform=transform)


def _resize_centre_crop(image: torch.Tensor, size: int) -> torch.Tensor:
    from torchvision.transforms.v2 import functional as TF

    image = TF.resize(image, [size], antialias=True)  # shorter side -> size
    return TF.center_crop(image, [size, size]).clamp(0, 1)  # (3, size, size)


def _matplotlib_sample(filename: str) -> Path:
    """Return the path of one of matplotlib's sample files, without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the 'grace_hopper' photo ships with matplotlib: pip install matplotlib"
        )
    package = Path(next(iter(spec.submodule_search_locations)))
    return package / "mpl-data" / "sample_data" / filename


def sample_photo(name: str = "astronaut", *, size: int | None = None) -> torch.Tensor:
    """Return a real colour photograph (3, H, W) float32 in [0, 1], loaded offline.

    ``name`` is one of :data:`SAMPLE_PHOTOS`: "astronaut", "chelsea", "coffee", "rocket" ship with
    scikit-image, "grace_hopper" with matplotlib. With ``size``, the shorter side is resized to
    ``size`` and the centre ``size``×``size`` crop kept (as §2 does with 256).
    """
    check_choice(name, "name", SAMPLE_PHOTOS)
    if size is not None:
        check_int(size, "size")
    if name == "grace_hopper":
        import numpy as np
        from PIL import Image

        with Image.open(_matplotlib_sample("grace_hopper.jpg")) as file:
            array = np.asarray(file.convert("RGB"))
    else:
        try:
            import skimage.data
        except ImportError as error:
            raise ImportError(
                f"sample_photo({name!r}) needs scikit-image: pip install scikit-image"
            ) from error
        array = getattr(skimage.data, name)()
    image = torch.from_numpy(array.copy()).permute(2, 0, 1).float() / 255  # (3, H, W)
    return image if size is None else _resize_centre_crop(image, size)


def sample_photos(size: int = 256) -> torch.Tensor:
    """Return every photo of :data:`SAMPLE_PHOTOS` as a (K, 3, size, size) batch in [0, 1]."""
    check_int(size, "size")
    return torch.stack([sample_photo(name, size=size) for name in SAMPLE_PHOTOS])


def as_tensors(
    dataset: Dataset, name: str = "dataset"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (images (N, C, H, W) float32, labels (N,) int64) of a dataset of (image, label) pairs.

    Uses the tensors an eager :class:`~alexnet_core.shapes.OfflineShapes` or a
    ``TensorDataset`` already holds (no copy); otherwise reads every item (fine for
    CIFAR-10's 50,000 32×32 images: 600 MB as float32).
    """
    images, labels = getattr(dataset, "images", None), getattr(dataset, "labels", None)
    if isinstance(dataset, TensorDataset) and len(dataset.tensors) >= 2:
        images, labels = dataset.tensors[0], dataset.tensors[1]
    if isinstance(images, torch.Tensor) and isinstance(labels, torch.Tensor):
        return images.float(), labels.long()
    if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
        raise TypeError(
            f"{name} must be a map-style dataset of (image, label) pairs with a length, "
            f"got {type(dataset).__name__}"
        )
    if len(dataset) == 0:
        raise ValueError(f"{name} must hold at least one image, got an empty dataset")
    pairs = [
        dataset[i] for i in range(len(dataset))
    ]  # e.g. CIFAR10: decodes every image
    odd = next(
        (p for p in pairs if not isinstance(p, (tuple, list)) or len(p) < 2), None
    )
    if odd is not None:
        raise TypeError(
            f"{name} must yield (image, label) pairs, got an item of type {type(odd).__name__}"
        )
    images = torch.stack(
        [
            check_tensor(image, f"{name} image", ndim=3, floating=True)
            for image, _ in pairs
        ]
    )
    return images, torch.tensor([int(label) for _, label in pairs], dtype=torch.int64)


def centred(
    dataset: Dataset, mean: torch.Tensor | None = None
) -> tuple[TensorDataset, torch.Tensor]:
    """Return (TensorDataset of (image − mean, label), mean) of a dataset (§2).

    ``mean`` None means this dataset's own mean image; pass the *training* set's mean for the
    test set. The result is in memory, which ``train`` and ``lab.experiments.compare`` take as
    it is.
    """
    images, labels = as_tensors(dataset)
    if mean is None:
        mean = mean_image(images)  # (C, H, W)
    elif tuple(mean.shape) != tuple(images.shape[1:]):
        raise ValueError(
            f"mean must have the images' shape {tuple(images.shape[1:])}, "
            f"got {tuple(mean.shape)}"
        )
    return TensorDataset(subtract_mean(images, mean), labels), mean


def _select(
    labels: torch.Tensor, classes: list[int], per_class: int | None, name: str
) -> torch.Tensor:
    """Return the indices of the first ``per_class`` images of each class, in order."""
    chosen = []
    for label in classes:
        rows = (labels == label).nonzero().squeeze(1)
        if per_class is not None:
            if len(rows) < per_class:
                raise ValueError(
                    f"{name} has only {len(rows)} images of class {label}, "
                    f"fewer than per_class={per_class}"
                )
            rows = rows[:per_class]
        chosen.append(rows)
    return torch.cat(chosen).sort().values


def _check_task(
    classes: list, train_per_class, test_per_class, subtract: object
) -> None:
    if not classes or len(set(classes)) != len(classes):
        raise ValueError(
            f"classes must list at least one class label, each once, got {classes}"
        )
    for label in classes:
        check_int(label, "classes[i]", minimum=0)
    for value, name in (
        (train_per_class, "train_per_class"),
        (test_per_class, "test_per_class"),
    ):
        if value is not None:
            check_int(value, name)
    _check_bool(subtract, "subtract_mean")


def small_task(
    train_data: Dataset,
    test_data: Dataset,
    classes: Sequence[int],
    *,
    train_per_class: int | None = None,
    test_per_class: int | None = None,
    subtract_mean: bool = True,
) -> tuple[TensorDataset, TensorDataset]:
    """Return (train_set, test_set) holding only ``classes``, relabelled 0 … len(classes) − 1.

    Some chapters need a net that learns *something* within seconds on a CPU, or a training
    set small enough to overfit. ``train_per_class`` / ``test_per_class`` keep the first that
    many images of each class (None: all). With ``subtract_mean`` both sets have the mean
    image of the *selected training images* subtracted (§2). The images are copied into
    memory as float tensors (N, C, H, W).
    """
    classes = list(classes)
    _check_task(classes, train_per_class, test_per_class, subtract_mean)
    renumber = {label: index for index, label in enumerate(classes)}
    sets = []
    for data, per_class, name in (
        (train_data, train_per_class, "train_data"),
        (test_data, test_per_class, "test_data"),
    ):
        images, labels = as_tensors(data, name)
        rows = _select(labels, classes, per_class, name)
        new_labels = torch.tensor(
            [renumber[int(label)] for label in labels[rows]], dtype=torch.int64
        )
        sets.append([images[rows].clone(), new_labels])
    if subtract_mean:
        mean = sets[0][0].mean(
            dim=0
        )  # (C, H, W): §2's mean image, training images only
        for pair in sets:
            pair[0] -= mean
    return TensorDataset(*sets[0]), TensorDataset(*sets[1])
