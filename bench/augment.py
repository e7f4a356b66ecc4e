"""Benchmark: the batched §4.1 augmentation of ``alexnet_core.augment`` against its alternatives.

Rows, for a (B, 3, 256, 256) float32 batch cropped to 224 with random flips and fancy-PCA lighting:

* ``plain copy of crop``: ``images[:, :, :224, :224].clone()``, the memory-traffic floor (no flip, no
  lighting, no randomness): what any crop must at least pay;
* ``ours fused``: :func:`augment_batch` (crop + flip + lighting in one pass over the output);
* ``ours unfused``: :func:`random_crop_flip` then :func:`pca_lighting` (two passes);
* ``torchvision v2 per image``: ``v2.RandomCrop(224)`` + ``v2.RandomHorizontalFlip()`` + a per-image
  lighting add, on each image in a Python loop, stacked into a batch (what a Dataset-side pipeline does);
* alternatives tried while choosing the CPU path: ``alt: one op per image``
  (``torch.add(window.flip(-1), shift, out=out[i])``: what ``augment_batch`` now does on CPU, here
  without its argument checks and parameter sampling) and ``alt: index gather`` (the accelerator path:
  one ``gather`` with per-pixel indices). An earlier CPU path, images split between Python threads and
  windows cut into sub-grain row bands, was 2–4× slower than one op per image, idle or under load.

Times are medians of ``time.perf_counter`` over interleaved rounds (every method once per round, so a
busy neighbour slows them all alike). Run from the repository root: ``python -m bench.augment``
(``--full`` adds batch 128 and more rounds).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import torch

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alexnet_core import augment
from alexnet_core.speed import median_seconds
from alexnet_core.augment import (
    CropFlipParams,
    augment_batch,
    fit_pca,
    lighting_shift,
    pca_lighting,
    random_crop_flip,
    sample_crop_flip,
    sample_lighting,
)

CROP = 224
IMAGE = 256


def _methods(images: torch.Tensor, eigvals: torch.Tensor, eigvecs: torch.Tensor) -> dict[str, Callable[[], torch.Tensor]]:
    from torchvision.transforms import v2  # only the benchmark needs torchvision

    generator = torch.Generator().manual_seed(0)  # CPU generator: the parameters are drawn on the host
    per_image = v2.Compose([v2.RandomCrop(CROP), v2.RandomHorizontalFlip()])

    def plain_copy() -> torch.Tensor:
        return images[:, :, :CROP, :CROP].clone()

    def fused() -> torch.Tensor:
        return augment_batch(images, CROP, eigvals=eigvals, eigvecs=eigvecs, generator=generator)

    def unfused() -> torch.Tensor:
        return pca_lighting(random_crop_flip(images, CROP, generator=generator), eigvals, eigvecs, generator=generator)

    def torchvision_per_image() -> torch.Tensor:
        outputs = []
        for image in images:
            alphas = sample_lighting(1, eigvals, generator=generator)
            shift = lighting_shift(alphas, eigvals, eigvecs)[0]  # (3,)
            outputs.append(per_image(image) + shift[:, None, None])
        return torch.stack(outputs)

    def draw() -> tuple[CropFlipParams, torch.Tensor]:
        params = sample_crop_flip(len(images), IMAGE, CROP, generator=generator)
        shifts = lighting_shift(sample_lighting(len(images), eigvals, generator=generator), eigvals, eigvecs)
        return params, shifts.to(images.device)

    def one_op_per_image() -> torch.Tensor:
        params, shifts = draw()
        out = images.new_empty((len(images), 3, CROP, CROP))
        rows = zip(params.tops.tolist(), params.lefts.tolist(), params.flips.tolist(), images, out, shifts)
        for top, left, flip, image, target, shift in rows:
            window = image[:, top:top + CROP, left:left + CROP]
            torch.add(window.flip(-1) if flip else window, shift[:, None, None], out=target)
        return out

    def index_gather() -> torch.Tensor:
        params, shifts = draw()
        return augment._crop_flip_gather(images, params, shifts)

    methods = {
        "plain copy of crop": plain_copy,
        "ours fused (augment_batch)": fused,
        "ours unfused (random_crop_flip → pca_lighting)": unfused,
        "torchvision v2 per image": torchvision_per_image,
        "alt: one op per image": one_op_per_image,
        "alt: index gather": index_gather,
    }
    if images.device.type != "cpu":  # there augment_batch is the gather, and the loop is not for GPUs
        del methods["alt: one op per image"], methods["alt: index gather"]
    return methods


def run(quick: bool = True) -> list[dict]:
    """Return one row per (device, batch size, method): images/s and the ratios to the baselines."""
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    batch_sizes = (32,) if quick else (32, 128)
    rounds = 9 if quick else 31
    rows = []
    for device in devices:
        for batch in batch_sizes:
            images = torch.rand(batch, 3, IMAGE, IMAGE, generator=torch.Generator().manual_seed(batch)).to(device)
            eigvals, eigvecs = fit_pca(images[:4])
            seconds = median_seconds(_methods(images, eigvals, eigvecs), rounds=rounds, warmup=2, device=device)
            reference, floor = seconds["torchvision v2 per image"], seconds["plain copy of crop"]
            for name, value in seconds.items():
                rows.append({
                    "device": device.type, "batch": batch, "method": name, "ms": 1e3 * value,
                    "images_per_s": batch / value, "vs_torchvision": reference / value,
                    "fraction_of_plain_copy": floor / value,
                })
    return rows


def markdown(rows: list[dict]) -> str:
    """Return ``rows`` as a markdown table."""
    lines = [
        "| device | batch | method | ms / batch | images/s | × torchvision v2 | fraction of plain-copy rate |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['device']} | {r['batch']} | {r['method']} | {r['ms']:.2f} | {r['images_per_s']:,.0f} "
            f"| {r['vs_torchvision']:.2f} | {r['fraction_of_plain_copy']:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads (load average {load}), "
          f"(B, 3, {IMAGE}, {IMAGE}) float32 → {CROP}")
    print(markdown(run(quick="--full" not in sys.argv)))
