"""Prepared storage: the on-disk format of ``alexnet_core.prepared`` and :class:`PreparedImages` (§2).

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012. §2 keeps every image as its central 256×256 patch after rescaling the shorter side to 256;
a storage folder holds those patches once, as uint8:

* ``images.u8``: a 4096-byte header (``MAGIC``, then one JSON line: version, count, shape, dtype,
  listing digest), then the images as (N, 3, S, S) uint8, channels first so that a crop window is a
  plain strided view;
* ``labels.npy``: (N,) int64;
* ``manifest.json``: count, shape, dtype, classes, source, SHA-256 checksums, format version, written
  last: a folder without it is unfinished (``progress.json`` then says how far it got).

:class:`PreparedImages` opens such a folder memory-mapped and checks it against its manifest.
Writing one is ``alexnet_core.prepared.prepare_folder``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ._checks import check_int
from .lighting import fit_pca

__all__ = ["FORMAT_VERSION", "PreparedImages"]

FORMAT_VERSION = 1
MAGIC = b"ALEXNET-PREPARED-IMAGES\n"
HEADER_BYTES = 4096  # the images start page-aligned
IMAGES, LABELS, MANIFEST, PROGRESS = (
    "images.u8",
    "labels.npy",
    "manifest.json",
    "progress.json",
)


# ------------------------------------------------------------------------------- the storage file


def make_header(count: int, size: int, digest: str) -> bytes:
    """Return the 4096-byte header of an ``images.u8`` file for ``count`` images of side ``size``."""
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


def read_header(path: Path) -> dict:
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


def read_json(path: Path, advice: str = "") -> dict:
    """Return the JSON in ``path``; ValueError naming the file (then ``advice``) if it is damaged."""
    try:
        return json.loads(path.read_text())
    except ValueError as error:
        raise ValueError(
            f"{str(path)!r} is not valid JSON ({error}){advice}"
        ) from error


def write_json_atomic(path: Path, value: dict) -> None:
    """Return None after writing ``value`` as JSON to ``path`` by an atomic rename."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(value, indent=1) + "\n")
    os.replace(
        partial, path
    )  # readers see the old file or the new one, never half of one


def sha256_file(path: Path, *, progress: bool = False, desc: str = "checksum") -> str:
    """Return the hex SHA-256 of the file at ``path`` (with a byte progress bar if ``progress``)."""
    from tqdm.auto import tqdm

    digest, total = hashlib.sha256(), path.stat().st_size
    with (
        open(path, "rb") as handle,
        tqdm(
            total=total, unit="B", unit_scale=True, desc=desc, **quiet(progress)
        ) as bar,
    ):
        while chunk := handle.read(1 << 24):
            digest.update(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()


def quiet(progress: bool) -> dict:
    """Return tqdm's keyword arguments: hidden without ``progress``, else tqdm's own default."""
    return {} if progress else {"disable": True}  # tqdm's default reads TQDM_DISABLE


def image_file_bytes(count: int, size: int) -> int:
    """Return the byte size of an ``images.u8`` file: the header, then N·3·S² bytes."""
    return HEADER_BYTES + count * 3 * size * size


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
        self.manifest: dict = self._read_manifest()
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
        self.labels: Tensor = self._open_labels(count, len(classes))  # (N,) int64
        self.classes: list[str] = list(classes)
        self.size: int = size
        if verify:
            self.verify()

    def _read_manifest(self) -> dict:
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
        manifest = read_json(manifest_file)
        if (
            manifest.get("format") != "alexnet_core.prepared"
            or manifest.get("version") != FORMAT_VERSION
        ):
            raise ValueError(
                f"{str(manifest_file)!r} must be a version-{FORMAT_VERSION} alexnet_core.prepared manifest, "
                f"got format {manifest.get('format')!r} version {manifest.get('version')!r}"
            )
        return manifest

    def _open_labels(self, count: int, classes: int) -> Tensor:
        labels = np.load(self.root / LABELS, mmap_mode="c")
        if (
            labels.shape != (count,)
            or labels.dtype != np.int64
            or (count and not 0 <= labels.min() <= labels.max() < classes)
        ):
            raise ValueError(
                f"{str(self.root / LABELS)!r} must hold {count} int64 labels in [0, {classes}) "
                f"(the manifest), got shape {labels.shape} dtype {labels.dtype}"
            )
        return torch.from_numpy(labels)

    def _check_files(self, count: int, size: int) -> None:
        images = self.root / IMAGES
        if not images.exists() or not (self.root / LABELS).exists():
            raise ValueError(
                f"root {str(self.root)!r} must hold {IMAGES} and {LABELS} beside its manifest, got "
                f"{sorted(p.name for p in self.root.iterdir())}"
            )
        header = read_header(images)
        expected = image_file_bytes(count, size)
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
            if sha256_file(self.root / name) != expected:
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
