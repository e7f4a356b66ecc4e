"""Prepared images: a folder of JPEGs stored once at 256×256 uint8, cropped per epoch (§2, §4.1).

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012. §2: every image is rescaled so that its shorter side is 256, then the central 256×256
patch is kept. §4.1 takes random 224×224 patches of those, their reflections and a fancy-PCA
colour shift.

* :func:`prepare_folder` decodes every JPEG of ``class/xxx.jpg`` once and writes a storage folder:
  ``images.u8`` (a 4096-byte header, then the images as (N, 3, S, S) uint8, channels first so that a
  crop window is a plain strided view), ``labels.npy`` (N,) int64, and ``manifest.json`` (count, shape,
  dtype, classes, source, SHA-256 checksums, format version), written last: a folder without it is
  unfinished. It shows a progress bar (tqdm; ``TQDM_DISABLE=1`` hides it) and resumes: ``progress.json``
  records how many source files are done, after the image bytes are flushed.
* :class:`PreparedImages` opens such a folder memory-mapped and checks it against its manifest.
* :class:`PreparedBatches` yields training batches made in one fused pass per image from the uint8
  storage: crop + flip + fancy-PCA lighting + uint8→float + mean subtraction
  (``alexnet_core.augment``'s loop), or the centre crop at test time. Seeded by a ``torch.Generator``.

Bad input stops with a ``ValueError`` naming the file and keeps what was done: a file that is not a
decodable image stops the run (nothing is dropped silently; fix or remove it and run again, the run
resumes). Hidden files (``.DS_Store``) are ignored. Command line::

    python -m alexnet_core.prepared SOURCE DESTINATION [--size 256] [--workers N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from ._checks import check_int, check_positive_float
from .augment import (
    _fused_crops,
    fit_pca,
    lighting_shift,
    sample_crop_flip,
    sample_lighting,
)

__all__ = [
    "IMAGE_EXTENSIONS",
    "FORMAT_VERSION",
    "prepare_folder",
    "PreparedImages",
    "PreparedBatches",
    "main",
]

FORMAT_VERSION = 1
MAGIC = b"ALEXNET-PREPARED-IMAGES\n"
HEADER_BYTES = 4096  # the images start page-aligned
IMAGE_EXTENSIONS = (
    ".jpg",
    ".jpeg",
    ".png",
    ".ppm",
    ".bmp",
    ".pgm",
    ".tif",
    ".tiff",
    ".webp",
)  # torchvision's
IMAGES, LABELS, MANIFEST, PROGRESS = (
    "images.u8",
    "labels.npy",
    "manifest.json",
    "progress.json",
)
CHECKPOINT_SECONDS = 2.0  # how often progress.json is rewritten


# ------------------------------------------------------------------------------------ the listing


def _list_source(source: Path) -> tuple[list[str], list[tuple[str, int]]]:
    """Return (class names, [(relative path, label)]) of an ImageNet-style folder, sorted like ImageFolder."""
    if not source.is_dir():
        raise ValueError(
            f"source must be a folder of class folders (class/xxx.jpg), got {str(source)!r}"
        )
    classes = sorted(
        entry.name
        for entry in source.iterdir()
        if entry.is_dir() and not entry.name.startswith(".")
    )
    if not classes:
        raise ValueError(
            f"source must hold one folder per class, got no sub-folders in {str(source)!r}"
        )
    files = []
    for label, name in enumerate(classes):
        entries = sorted(
            p
            for p in (source / name).rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )
        if not entries:
            raise ValueError(
                f"class folder {str(source / name)!r} holds no image files; remove it or add images"
            )
        files.extend((p.relative_to(source).as_posix(), label) for p in entries)
    return classes, files


def _listing_digest(
    classes: Sequence[str], files: Sequence[tuple[str, int]], size: int
) -> str:
    text = json.dumps({"classes": list(classes), "files": list(files), "size": size})
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------------- one image


def _load_image(path: Path, size: int) -> np.ndarray:
    """Return the §2 preprocessing of one file: shorter side to ``size``, centre crop, (3, size, size) uint8.

    Uses torchvision's ``Resize(size)`` (bilinear, antialiased) and ``CenterCrop(size)`` on the PIL
    image, so the stored pixels are those the standard per-image pipeline computes.
    """
    from torchvision.transforms import functional as F  # only preparation needs it

    if path.suffix.lower() not in IMAGE_EXTENSIONS:
        raise ValueError(
            f"{str(path)!r} is not an image file (expected one of {', '.join(IMAGE_EXTENSIONS)}); "
            "remove it and run again: the run resumes where it stopped"
        )
    try:
        with Image.open(path) as image:
            image = image.convert("RGB")  # decodes; grey, palette and CMYK become RGB
    except (
        OSError,
        ValueError,
        Image.DecompressionBombError,
    ) as error:  # truncated, corrupt, not an image
        raise ValueError(
            f"{str(path)!r} could not be decoded as an image ({error}); fix or remove it and run "
            "again: the run resumes where it stopped"
        ) from error
    image = F.center_crop(F.resize(image, size), size)
    return np.asarray(image, dtype=np.uint8).transpose(2, 0, 1)  # (H, W, 3) → (3, S, S)


def _load_job(
    job: tuple[str, int],
) -> np.ndarray:  # a top-level function, so worker processes can pickle it
    return _load_image(Path(job[0]), job[1])


# ------------------------------------------------------------------------------- the storage file


def _header(count: int, size: int, digest: str) -> bytes:
    fields = json.dumps(
        {
            "version": FORMAT_VERSION,
            "count": count,
            "shape": [count, 3, size, size],
            "dtype": "uint8",
            "listing": digest,
        }
    ).encode()
    return (MAGIC + fields + b"\n").ljust(HEADER_BYTES, b"\0")


def _read_header(path: Path) -> dict:
    """Return the JSON fields of an ``images.u8`` header; ValueError if the file is not one."""
    with open(path, "rb") as handle:
        head = handle.read(HEADER_BYTES)
    if not head.startswith(MAGIC):
        raise ValueError(
            f"{str(path)!r} is not a prepared-images file (no {MAGIC.strip().decode()} header); "
            "was it written by alexnet_core.prepared?"
        )
    try:
        return json.loads(head[len(MAGIC) :].split(b"\n", 1)[0])
    except ValueError as error:
        raise ValueError(f"{str(path)!r} has a damaged header ({error})") from error


def _write_json_atomic(path: Path, value: dict) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(value, indent=1) + "\n")
    os.replace(
        partial, path
    )  # readers see the old file or the new one, never half of one


def _sha256(path: Path, *, progress: bool = False, desc: str = "checksum") -> str:
    from tqdm.auto import tqdm

    digest, total = hashlib.sha256(), path.stat().st_size
    with (
        open(path, "rb") as handle,
        tqdm(
            total=total, unit="B", unit_scale=True, desc=desc, **_quiet(progress)
        ) as bar,
    ):
        while chunk := handle.read(1 << 24):
            digest.update(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()


def _quiet(progress: bool) -> dict:
    return (
        {} if progress else {"disable": True}
    )  # with progress, tqdm's own default reads TQDM_DISABLE


def _image_bytes(count: int, size: int) -> int:
    return HEADER_BYTES + count * 3 * size * size


# ---------------------------------------------------------------------------------- preparation


def prepare_folder(
    source: str | os.PathLike,
    destination: str | os.PathLike,
    *,
    size: int = 256,
    progress: bool = True,
    workers: int = 0,
) -> "PreparedImages":
    """Return the opened storage after writing every image of ``source`` at ``size``×``size`` uint8 (§2).

    ``source`` is an ImageNet-style folder (one sub-folder per class, classes sorted by name as in
    ``torchvision.datasets.ImageFolder``); ``destination`` is created (or must be empty, an unfinished
    preparation of the same listing, which is resumed, or a finished one, which is returned as is).
    ``workers`` > 0 decodes in that many processes. A file that cannot be decoded stops the run with a
    ValueError naming it; everything before it is kept and the next run resumes after the last
    checkpoint (every ~2 s). Disk use: 3·size² bytes per image, 196,608 at 256.
    """
    from tqdm.auto import tqdm

    source, destination = Path(source), Path(destination)
    size = check_int(size, "size")
    workers = check_int(workers, "workers", minimum=0)
    classes, files = _list_source(source)
    digest = _listing_digest(classes, files, size)
    if (destination / MANIFEST).exists():
        prepared = PreparedImages(destination)
        if prepared.manifest.get("listing") != digest:
            raise ValueError(
                f"destination {str(destination)!r} already holds prepared images of another folder or "
                f"size ({prepared.manifest.get('source')!r}, size {prepared.size}); choose another destination"
            )
        (destination / PROGRESS).unlink(
            missing_ok=True
        )  # a finish interrupted between manifest and clean-up
        return prepared
    state = _start_or_resume(destination, source, digest, len(files), size)
    storage = np.memmap(
        destination / IMAGES,
        dtype=np.uint8,
        mode="r+",
        offset=HEADER_BYTES,
        shape=(len(files), 3, size, size),
    )
    jobs = [(str(source / name), size) for name, _ in files[state["done"] :]]
    bar = tqdm(
        total=len(files),
        initial=state["done"],
        unit="img",
        desc=f"preparing {source.name}",
        **_quiet(progress),
    )
    pool, done = None, state["done"]
    try:
        if workers:
            import multiprocessing

            pool = multiprocessing.get_context("spawn").Pool(workers)
            images = pool.imap(_load_job, jobs, chunksize=8)
        else:
            images = map(_load_job, jobs)
        last, done = time.monotonic(), state["done"]
        for image in images:
            storage[done] = image
            done += 1
            bar.update(1)
            if time.monotonic() - last > CHECKPOINT_SECONDS:
                _checkpoint(storage, destination, state, done)
                last = time.monotonic()
    finally:  # also on a bad file or Ctrl-C: keep what was written, so the next run resumes after it
        bar.close()
        if pool is not None:
            pool.terminate()
        if done > state["done"]:
            _checkpoint(storage, destination, state, done)
        del storage
    return _finish(destination, source, classes, files, digest, size, progress)


def _start_or_resume(
    destination: Path, source: Path, digest: str, count: int, size: int
) -> dict:
    """Return the progress state of ``destination``: a fresh one (file created) or the interrupted run's."""
    progress_file = destination / PROGRESS
    if progress_file.exists():
        try:
            state = json.loads(progress_file.read_text())
        except ValueError as error:
            raise ValueError(
                f"{str(progress_file)!r} is damaged ({error}); delete {str(destination)!r} and start again"
            ) from error
        if state.get("listing") != digest:
            raise ValueError(
                f"destination {str(destination)!r} holds an unfinished preparation of another folder or size "
                f"({state.get('source')!r}, size {state.get('size')}); choose another destination"
            )
        images = destination / IMAGES
        if (
            not images.exists()
            or images.stat().st_size != _image_bytes(count, size)
            or _read_header(images).get("listing") != digest
        ):
            raise ValueError(
                f"{str(images)!r} does not match {str(progress_file)!r} (missing, truncated or foreign); "
                f"delete {str(destination)!r} and start again"
            )
        return state
    if destination.exists() and any(destination.iterdir()):
        raise ValueError(
            f"destination must be a new or empty folder (or an unfinished preparation to resume), "
            f"got {str(destination)!r} holding other files"
        )
    destination.mkdir(parents=True, exist_ok=True)
    with open(destination / IMAGES, "wb") as handle:
        handle.write(_header(count, size, digest))
        handle.truncate(
            _image_bytes(count, size)
        )  # sparse: disk is used as images arrive
    state = {
        "version": FORMAT_VERSION,
        "source": str(source.resolve()),
        "size": size,
        "count": count,
        "listing": digest,
        "done": 0,
    }
    _write_json_atomic(progress_file, state)
    return state


def _checkpoint(storage: np.memmap, destination: Path, state: dict, done: int) -> None:
    storage.flush()  # the bytes first, then the claim that they are there
    state["done"] = done
    _write_json_atomic(destination / PROGRESS, state)


def _finish(
    destination: Path,
    source: Path,
    classes: list[str],
    files: list[tuple[str, int]],
    digest: str,
    size: int,
    progress: bool,
) -> "PreparedImages":
    labels_partial = destination / (LABELS + ".partial.npy")
    np.save(labels_partial, np.array([label for _, label in files], dtype=np.int64))
    os.replace(labels_partial, destination / LABELS)
    manifest = {
        "format": "alexnet_core.prepared",
        "version": FORMAT_VERSION,
        "count": len(files),
        "shape": [len(files), 3, size, size],
        "dtype": "uint8",
        "layout": "NCHW",
        "header_bytes": HEADER_BYTES,
        "size": size,
        "classes": classes,
        "source": str(source.resolve()),
        "listing": digest,
        "preprocessing": "§2: shorter side resized to size (torchvision Resize, bilinear, antialias), centre crop",
        "sha256": {
            IMAGES: _sha256(destination / IMAGES, progress=progress),
            LABELS: _sha256(destination / LABELS),
        },
    }
    _write_json_atomic(
        destination / MANIFEST, manifest
    )  # written last: its presence means "finished"
    (destination / PROGRESS).unlink(missing_ok=True)
    return PreparedImages(destination)


# -------------------------------------------------------------------------------- opening it


class PreparedImages:
    """A prepared storage folder, memory-mapped: ``images`` (N, 3, S, S) uint8, ``labels`` (N,) int64 (§2).

    Opening checks the manifest against the files (header, byte size, label count and range); pass
    ``verify=True`` (or call :meth:`verify`) to recompute the SHA-256 checksums too, which reads every
    byte (minutes at ImageNet scale). ``images`` is a copy-on-write map: writing to it never reaches
    the file.
    """

    def __init__(self, root: str | os.PathLike, *, verify: bool = False) -> None:
        self.root = Path(root)
        manifest_file = self.root / MANIFEST
        if not manifest_file.exists():
            unfinished = (self.root / PROGRESS).exists()
            raise ValueError(
                f"root {str(self.root)!r} is "
                + (
                    "an unfinished preparation; run prepare_folder again to resume it"
                    if unfinished
                    else "not a prepared-images folder (no manifest.json)"
                )
            )
        try:
            self.manifest = json.loads(manifest_file.read_text())
        except ValueError as error:
            raise ValueError(
                f"{str(manifest_file)!r} is not valid JSON ({error})"
            ) from error
        if (
            self.manifest.get("format") != "alexnet_core.prepared"
            or self.manifest.get("version") != FORMAT_VERSION
        ):
            raise ValueError(
                f"{str(manifest_file)!r} must be a version-{FORMAT_VERSION} alexnet_core.prepared manifest, "
                f"got format {self.manifest.get('format')!r} version {self.manifest.get('version')!r}"
            )
        count, size, classes = (
            self.manifest["count"],
            self.manifest["size"],
            self.manifest["classes"],
        )
        self._check_files(count, size)
        storage = np.memmap(
            self.root / IMAGES,
            dtype=np.uint8,
            mode="c",
            offset=HEADER_BYTES,
            shape=(count, 3, size, size),
        )
        self.images: Tensor = torch.from_numpy(
            storage
        )  # (N, 3, S, S) uint8, memory-mapped
        labels = np.load(self.root / LABELS, mmap_mode="c")
        if (
            labels.shape != (count,)
            or labels.dtype != np.int64
            or (count and not 0 <= labels.min() <= labels.max() < len(classes))
        ):
            raise ValueError(
                f"{str(self.root / LABELS)!r} must hold {count} int64 labels in [0, {len(classes)}) "
                f"(the manifest), got shape {labels.shape} dtype {labels.dtype}"
            )
        self.labels: Tensor = torch.from_numpy(labels)  # (N,) int64
        self.classes: list[str] = list(classes)
        self.size: int = size
        if verify:
            self.verify()

    def _check_files(self, count: int, size: int) -> None:
        images = self.root / IMAGES
        if not images.exists() or not (self.root / LABELS).exists():
            raise ValueError(
                f"root {str(self.root)!r} must hold {IMAGES} and {LABELS} beside its manifest, got "
                f"{sorted(p.name for p in self.root.iterdir())}"
            )
        header = _read_header(images)
        expected = _image_bytes(count, size)
        if (
            header.get("count") != count
            or header.get("shape") != self.manifest["shape"]
            or header.get("listing") != self.manifest.get("listing")
        ):
            raise ValueError(
                f"{str(images)!r} does not match its manifest: header says {header.get('count')} images "
                f"of shape {header.get('shape')}, manifest says {count} of {self.manifest['shape']}"
            )
        if images.stat().st_size != expected:
            raise ValueError(
                f"{str(images)!r} must be {expected:,} bytes for {count} images of 3×{size}×{size} "
                f"(the manifest), got {images.stat().st_size:,}: truncated or overwritten"
            )

    def verify(self) -> None:
        """Return None after recomputing the SHA-256 of each file; ValueError naming the file that differs."""
        for name, expected in self.manifest["sha256"].items():
            if _sha256(self.root / name) != expected:
                raise ValueError(
                    f"{str(self.root / name)!r} does not match the checksum in its manifest: "
                    "the file changed after preparation; prepare it again"
                )

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        """Return (image (3, S, S) uint8, label) of one stored image."""
        return self.images[index], int(self.labels[index])

    def __repr__(self) -> str:
        return f"PreparedImages({str(self.root)!r}: {len(self)} images 3×{self.size}×{self.size}, {len(self.classes)} classes)"

    def statistics(
        self, limit: int = 10_000, *, seed: int = 0
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Return (mean image (3, S, S), PCA eigenvalues (3,), eigenvectors (3, 3)) of up to ``limit`` images.

        The §2 mean activity and the §4.1 RGB covariance, in [0, 1] float units, estimated from a seeded
        random subset (the paper used the whole training set; 10,000 images estimate both closely).
        """
        limit = check_int(limit, "limit")
        picks = (
            torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))[
                :limit
            ]
            .sort()
            .values
        )
        total = torch.zeros(3, self.size, self.size, dtype=torch.float64)
        for chunk in picks.split(256):
            total += self.images[chunk].sum(dim=0, dtype=torch.float64)
        mean = (total / (255 * len(picks))).float()
        few = (
            self.images[picks[:256], :, ::4, ::4].float() / 255
        )  # (k, 3, S/4, S/4): plenty for a 3×3 covariance
        eigvals, eigvecs = fit_pca(few)
        return mean, eigvals, eigvecs


# -------------------------------------------------------------------------------- the batches


@dataclass(eq=False)  # eq=False: tensor fields have no single truth value
class PreparedBatches:
    """Iterable of (images (B, 3, crop, crop) float32, labels (B,) int64) from prepared storage (§2, §4.1).

    Training (``train=True``): each epoch shuffles, then every batch is made in one pass per image
    straight from the uint8 storage: a random crop, a flip with probability 1/2, uint8→float ÷ 255,
    minus ``mean`` (a per-pixel mean image (3, S, S) or per-channel (3,), §2), plus fancy-PCA lighting
    if ``eigvals``/``eigvecs`` are given (§4.1). Test (``train=False``): the centre crop, in order.
    With the same ``generator`` state the batch equals ``augment_batch(subtract_mean(x / 255, mean),
    …)`` on the same images: draws are the permutation, then per batch the crops and flips, then the
    lighting.
    """

    data: PreparedImages
    batch_size: int = 128
    train: bool = True
    crop_size: int = 224
    mean: Tensor | None = None
    eigvals: Tensor | None = None
    eigvecs: Tensor | None = None
    std: float = 0.1
    drop_last: bool = False
    generator: torch.Generator | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.data, PreparedImages):
            raise TypeError(
                f"data must be a PreparedImages, got {type(self.data).__name__}"
            )
        check_int(self.batch_size, "batch_size")
        check_int(self.crop_size, "crop_size", maximum=self.data.size)
        check_positive_float(self.std, "std", allow_zero=True)
        if (self.eigvals is None) != (self.eigvecs is None):
            raise ValueError(
                "eigvals and eigvecs must be given together (from PreparedImages.statistics), got only one"
            )
        size = self.data.size
        if self.mean is not None:
            if not isinstance(self.mean, Tensor) or not self.mean.is_floating_point():
                raise TypeError(
                    f"mean must be a float tensor of shape (3,) or (3, {size}, {size}), got {self.mean!r}"
                )
            if tuple(self.mean.shape) not in ((3,), (3, size, size)):
                raise ValueError(
                    f"mean must have shape (3,) or (3, {size}, {size}), got {tuple(self.mean.shape)}"
                )
        if self.generator is None:
            self.generator = torch.Generator().manual_seed(0)

    def __len__(self) -> int:
        full, rest = divmod(len(self.data), self.batch_size)
        return full + (rest > 0 and not self.drop_last)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        n = len(self.data)
        order = (
            torch.randperm(n, generator=self.generator)
            if self.train
            else torch.arange(n)
        )
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            rows = order[start : start + self.batch_size]
            yield self.batch(rows), self.data.labels[rows]

    def batch(self, rows: Tensor) -> Tensor:
        """Return the float batch (B, 3, crop, crop) of the stored images ``rows`` (training or test pass)."""
        channel_mean = (
            self.mean if self.mean is not None and self.mean.ndim == 1 else None
        )
        pixel_mean = (
            self.mean if self.mean is not None and self.mean.ndim == 3 else None
        )
        if not self.train:
            return self._centre(self.data.images[rows], channel_mean, pixel_mean)
        params = sample_crop_flip(
            len(rows), self.data.size, self.crop_size, generator=self.generator
        )
        shifts = None
        if self.eigvals is not None:
            alphas = sample_lighting(
                len(rows), self.eigvals, self.std, generator=self.generator
            )
            shifts = lighting_shift(
                alphas, self.eigvals, self.eigvecs
            ).float()  # (B, 3)
        if (
            channel_mean is not None
        ):  # a per-channel mean folds into the per-image shift
            shifts = (
                -channel_mean.expand(len(rows), 3)
                if shifts is None
                else shifts - channel_mean
            )
        offset = None if pixel_mean is None else -pixel_mean
        return _fused_crops(
            self.data.images,
            params,
            shifts,
            rows=rows.tolist(),
            scale=1 / 255,
            offset=offset,
        )

    def _centre(
        self, images: Tensor, channel_mean: Tensor | None, pixel_mean: Tensor | None
    ) -> Tensor:
        top = (
            self.data.size - self.crop_size
        ) // 2  # the §4.1 centre patch, as in ten_crop
        window = slice(top, top + self.crop_size)
        out = images[:, :, window, window].float().div_(255)  # (B, 3, c, c)
        if pixel_mean is not None:
            out.sub_(pixel_mean[:, window, window])
        if channel_mean is not None:
            out.sub_(channel_mean[:, None, None])
        return out


# ------------------------------------------------------------------------------ the command


def main(argv: Sequence[str] | None = None) -> int:
    """Return 0 after preparing SOURCE into DESTINATION (the command ``python -m alexnet_core.prepared``)."""
    parser = argparse.ArgumentParser(
        prog="python -m alexnet_core.prepared", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "source", help="ImageNet-style folder: one sub-folder of images per class"
    )
    parser.add_argument(
        "destination",
        help="new or empty folder (or an interrupted preparation, to resume)",
    )
    parser.add_argument(
        "--size",
        type=int,
        default=256,
        help="side of the stored square images (default 256, §2)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="decoding processes (default 0: this process)",
    )
    args = parser.parse_args(argv)
    try:
        prepared = prepare_folder(
            args.source, args.destination, size=args.size, workers=args.workers
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"{prepared}; {prepared.manifest['sha256'][IMAGES][:16]}… (sha256 of {IMAGES})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
