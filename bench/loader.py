"""Benchmark: training batches from prepared 256×256 uint8 storage against torchvision's ImageFolder.

On one synthetic ImageNet-style folder (10 classes × 40 JPEGs of about 400×350, deterministic, in a
temporary directory), in one process:

* ``torchvision ImageFolder``: ``ImageFolder`` + per-image ``Resize(256)``, ``CenterCrop(256)``,
  ``RandomCrop(224)``, ``RandomHorizontalFlip()``, ``ToTensor()`` (the paper's §2 + §4.1 without the
  lighting), ``DataLoader(batch_size=32, shuffle=True, persistent_workers)`` with ``os.cpu_count()``
  workers (and with 0 under ``--full``): every epoch decodes and resizes every JPEG again;
* ``prepared``: :func:`alexnet_core.prepared.prepare_folder` once (not timed, reported), then
  :class:`~alexnet_core.prepared.PreparedBatches` epochs: crop + flip + fancy-PCA lighting + uint8→float
  + mean-image subtraction in one pass per image, in this process (no workers);
* ``plain copy from uint8 storage``: the same number of 224 crops at one fixed offset converted to
  float32 (``images[i:i + 32, :, :224, :224].float()``), the floor of any pass over the storage.

Times are medians over interleaved epochs (``alexnet_core.lab.speed.median_seconds``), one warm-up
epoch each (worker start-up and the page cache are not timed). The last line reads
``loader: prepared pipeline N× torchvision ImageFolder (A vs B img/s)`` against the faster
torchvision configuration. Run from the repository root: ``python -m bench.loader``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alexnet_core.prepared import PreparedBatches, prepare_folder

try:
    from alexnet_core.lab.speed import median_seconds
except ImportError:  # before the lab/ split
    from alexnet_core.speed import median_seconds

CLASSES, PER_CLASS, BATCH = 10, 40, 32


def make_folder(root: Path, classes: int = CLASSES, per_class: int = PER_CLASS) -> Path:
    """Return ``root`` after writing a deterministic ImageNet-style folder of photo-like JPEGs."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for label in range(classes):
        folder = root / f"n{label:08d}"
        folder.mkdir(parents=True)
        for i in range(per_class):
            height, width = rng.integers(320, 380), rng.integers(380, 440)  # ~ImageNet's 400×350
            coarse = rng.integers(0, 256, (height // 16 + 1, width // 16 + 1, 3), dtype=np.uint8)
            smooth = Image.fromarray(coarse).resize((width, height), Image.BICUBIC)  # photo-like gradients
            grain = rng.integers(-12, 13, (height, width, 3))
            pixels = np.clip(np.asarray(smooth, dtype=np.int16) + grain, 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / f"{i:04d}.JPEG", quality=90)
    return root


def _torchvision_epoch(folder: Path, workers: int):
    from torchvision import datasets, transforms

    pipeline = transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(256), transforms.RandomCrop(224),
        transforms.RandomHorizontalFlip(), transforms.ToTensor(),
    ])
    loader = torch.utils.data.DataLoader(
        datasets.ImageFolder(str(folder), transform=pipeline), batch_size=BATCH, shuffle=True,
        num_workers=workers, persistent_workers=workers > 0,
        generator=torch.Generator().manual_seed(0),
    )

    def epoch() -> int:
        return sum(len(labels) for _, labels in loader)

    return epoch


def run(quick: bool = True) -> list[dict]:
    """Return one row per pipeline: images/s per epoch and the ratio to torchvision's faster row."""
    rounds = 3 if quick else 7
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-loader-") as temp:
        folder = make_folder(Path(temp) / "train")
        start = time.perf_counter()
        storage = prepare_folder(folder, Path(temp) / "prepared", progress=False)
        prepare_seconds = time.perf_counter() - start
        mean, eigvals, eigvecs = storage.statistics()
        batches = PreparedBatches(storage, BATCH, mean=mean, eigvals=eigvals, eigvecs=eigvecs,
                                  generator=torch.Generator().manual_seed(0))
        images = storage.images
        n = len(storage)

        def prepared_epoch() -> int:
            return sum(len(labels) for _, labels in batches)

        def plain_copy_epoch() -> int:
            for i in range(0, n, BATCH):
                images[i:i + BATCH, :, :224, :224].float()
            return n

        functions = {} if quick else {"torchvision ImageFolder, 0 workers": _torchvision_epoch(folder, 0)}
        functions |= {
            f"torchvision ImageFolder, {workers} workers": _torchvision_epoch(folder, workers),
            "prepared (fused pass, this process)": prepared_epoch,
            "plain copy from uint8 storage": plain_copy_epoch,
        }
        seconds = median_seconds(functions, rounds=rounds, warmup=1)
    rates = {name: n / value for name, value in seconds.items()}
    torchvision_best = max(rate for name, rate in rates.items() if name.startswith("torchvision"))
    return [
        {"pipeline": name, "images": n, "epoch_s": seconds[name], "images_per_s": rate,
         "vs_torchvision": rate / torchvision_best, "fraction_of_plain_copy": rate / rates["plain copy from uint8 storage"],
         "prepare_s": prepare_seconds}
        for name, rate in rates.items()
    ]


def summary(rows: list[dict]) -> str:
    """Return the one-line verdict: prepared pipeline N× torchvision ImageFolder (A vs B img/s)."""
    ours = next(r for r in rows if r["pipeline"].startswith("prepared"))
    best = max((r for r in rows if r["pipeline"].startswith("torchvision")), key=lambda r: r["images_per_s"])
    return (f"loader: prepared pipeline {ours['vs_torchvision']:.0f}× torchvision ImageFolder "
            f"({ours['images_per_s']:,.0f} vs {best['images_per_s']:,.0f} img/s)")


def markdown(rows: list[dict]) -> str:
    """Return ``rows`` as a markdown table, a note on the one-off preparation and the summary line."""
    lines = [
        "| pipeline | images/s | × torchvision (faster row) | fraction of plain-copy rate |",
        "|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['pipeline']} | {r['images_per_s']:,.0f} | {r['vs_torchvision']:.2f} "
                     f"| {r['fraction_of_plain_copy']:.2f} |")
    r = rows[0]
    lines.append("")
    lines.append(f"{r['images']} JPEGs ({CLASSES} classes × {PER_CLASS}, ~400×350), batch {BATCH}; "
                 f"prepare_folder once, not in the rates: {r['prepare_s']:.1f} s.")
    lines.append("")
    lines.append(summary(rows))
    return "\n".join(lines)


if __name__ == "__main__":
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads (load average {load})")
    print(markdown(run(quick="--full" not in sys.argv)))
