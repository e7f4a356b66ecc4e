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
* :class:`PreparedImages` (``alexnet_core.prepared_storage``, with the format) opens such a folder
  memory-mapped and checks it against its manifest.
* :class:`PreparedBatches` (``alexnet_core.prepared_batches``) yields training batches made in one
  fused pass per image from the uint8 storage: crop + flip + fancy-PCA lighting + uint8→float + mean
  subtraction (``alexnet_core.fused_crops``'s loop), or the centre crop at test time. Seeded by a
  ``torch.Generator``.

All of these are importable from here.

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
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from ._checks import check_int
from .prepared_batches import PreparedBatches
from .prepared_storage import (
    FORMAT_VERSION,
    HEADER_BYTES,
    IMAGES,
    LABELS,
    MANIFEST,
    PROGRESS,
    PreparedImages,
    image_file_bytes,
    make_header,
    quiet,
    read_header,
    read_json,
    sha256_file,
    write_json_atomic,
)

__all__ = [
    "IMAGE_EXTENSIONS",
    "FORMAT_VERSION",
    "prepare_folder",
    "PreparedImages",
    "PreparedBatches",
    "main",
]

# torchvision's
IMAGE_EXTENSIONS = tuple(".jpg .jpeg .png .ppm .bmp .pgm .tif .tiff .webp".split())
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


# ---------------------------------------------------------------------------------- preparation


def prepare_folder(
    source: str | os.PathLike,
    destination: str | os.PathLike,
    *,
    size: int = 256,
    progress: bool = True,
    workers: int = 0,
) -> PreparedImages:
    """Return the opened storage after writing every image of ``source`` at ``size``×``size`` uint8 (§2).

    ``source`` is an ImageNet-style folder (one sub-folder per class, classes sorted by name as in
    ``torchvision.datasets.ImageFolder``); ``destination`` is created (or must be empty, an unfinished
    preparation of the same listing, which is resumed, or a finished one, which is returned as is).
    ``workers`` > 0 decodes in that many processes. A file that cannot be decoded stops the run with a
    ValueError naming it; everything before it is kept and the next run resumes after the last
    checkpoint (every ~2 s). Disk use: 3·size² bytes per image, 196,608 at 256.
    """
    source, destination = Path(source), Path(destination)
    size = check_int(size, "size")
    workers = check_int(workers, "workers", minimum=0)
    classes, files = _list_source(source)
    digest = _listing_digest(classes, files, size)
    if (destination / MANIFEST).exists():
        return _already_prepared(destination, digest)
    state = _start_or_resume(destination, source, digest, len(files), size)
    jobs = [(str(source / name), size) for name, _ in files[state["done"] :]]
    storage = np.memmap(
        destination / IMAGES,
        dtype=np.uint8,
        mode="r+",
        offset=HEADER_BYTES,
        shape=(len(files), 3, size, size),
    )
    bar = _progress_bar(len(files), state["done"], f"preparing {source.name}", progress)
    _write_images(storage, jobs, destination, state, bar, workers)
    return _finish(destination, source, classes, files, digest, size, progress)


def _already_prepared(destination: Path, digest: str) -> PreparedImages:
    """Return the finished storage at ``destination`` if it holds this listing, else ValueError."""
    prepared = PreparedImages(destination)
    if prepared.manifest.get("listing") != digest:
        raise ValueError(
            f"destination {str(destination)!r} already holds prepared images of another folder or "
            f"size ({prepared.manifest.get('source')!r}, size {prepared.size}); choose another destination"
        )
    # a finish interrupted between manifest and clean-up
    (destination / PROGRESS).unlink(missing_ok=True)
    return prepared


def _progress_bar(total: int, done: int, desc: str, progress: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, unit="img", desc=desc, **quiet(progress))


def _write_images(
    storage: np.memmap,
    jobs: list[tuple[str, int]],
    destination: Path,
    state: dict,
    bar,
    workers: int,
) -> None:
    """Decode ``jobs`` into ``storage`` after the ``state["done"]`` stored, checkpointing as it goes."""
    pool, done = None, state["done"]
    try:
        if workers:
            import multiprocessing

            pool = multiprocessing.get_context("spawn").Pool(workers)
            images = pool.imap(_load_job, jobs, chunksize=8)
        else:
            images = map(_load_job, jobs)
        last = time.monotonic()
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


def _start_or_resume(
    destination: Path, source: Path, digest: str, count: int, size: int
) -> dict:
    """Return the progress state of ``destination``: a fresh one (file created) or the interrupted run's."""
    progress_file = destination / PROGRESS
    if progress_file.exists():
        advice = f"; delete {str(destination)!r} and start again"
        state = read_json(progress_file, advice)
        if state.get("listing") != digest:
            raise ValueError(
                f"destination {str(destination)!r} holds an unfinished preparation of another folder or size "
                f"({state.get('source')!r}, size {state.get('size')}); choose another destination"
            )
        images = destination / IMAGES
        if (
            not images.exists()
            or images.stat().st_size != image_file_bytes(count, size)
            or read_header(images).get("listing") != digest
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
        handle.write(make_header(count, size, digest))
        handle.truncate(
            image_file_bytes(count, size)
        )  # sparse: disk is used as images arrive
    state = {
        "version": FORMAT_VERSION,
        "source": str(source.resolve()),
        "size": size,
        "count": count,
        "listing": digest,
        "done": 0,
    }
    write_json_atomic(progress_file, state)
    return state


def _checkpoint(storage: np.memmap, destination: Path, state: dict, done: int) -> None:
    storage.flush()  # the bytes first, then the claim that they are there
    state["done"] = done
    write_json_atomic(destination / PROGRESS, state)


def _finish(
    destination: Path,
    source: Path,
    classes: list[str],
    files: list[tuple[str, int]],
    digest: str,
    size: int,
    progress: bool,
) -> PreparedImages:
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
            IMAGES: sha256_file(destination / IMAGES, progress=progress),
            LABELS: sha256_file(destination / LABELS),
        },
    }
    write_json_atomic(
        destination / MANIFEST, manifest
    )  # written last: its presence means "finished"
    (destination / PROGRESS).unlink(missing_ok=True)
    return PreparedImages(destination)


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
