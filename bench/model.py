"""Training-step throughput: alexnet("paper") and alexnet("torchvision") against torchvision.models.alexnet,
and the two-tower split against the grouped single-device model (time and bytes exchanged per batch).

    python -m bench.model [--full]

Every model runs the same step (forward, cross-entropy, backward, SGD step) on the same random batch;
rounds interleave the models and the median is reported. On CPU the batch is small (time budget).
"""

from __future__ import annotations

import sys

import torch
import torchvision

import alexnet_core as anc
from alexnet_core.runtime import median_seconds


def _step(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
    optimizer.zero_grad(set_to_none=True)
    torch.nn.functional.cross_entropy(model(images), labels).backward()
    optimizer.step()


def run(quick: bool = True, *, device: str | None = None) -> list[dict]:
    """Return rows {"bench", "device", "impl", "batch", "ms", "images_per_s", "vs_torchvision", "bytes"}."""
    device = anc.pick_device(device)
    batch = (16 if quick else 32) if device.type == "cpu" else 128
    rounds = 7 if quick else 11  # fewer gave medians that moved by 2x between runs on a 2-core CPU
    torch.manual_seed(0)
    images = torch.randn(batch, 3, 224, 224, device=device)
    labels = torch.randint(0, 1000, (batch,), device=device)
    models = {
        "torchvision.models.alexnet": torchvision.models.alexnet(weights=None),
        'alexnet("torchvision")': anc.alexnet("torchvision"),
        'alexnet("paper") (grouped + LRN)': anc.alexnet("paper", init="pytorch"),
        'alexnet("paper", lrn=False)': anc.alexnet("paper", init="pytorch", lrn=False),
        'alexnet("ungrouped")': anc.alexnet("ungrouped", init="pytorch"),
    }
    steps = {}
    for name, model in models.items():
        model.to(device).train()
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
        steps[name] = (lambda m=model, o=optimizer: _step(m, images, labels, o))
    medians = median_seconds(steps, rounds=rounds, warmup=1, device=device)
    base = medians["torchvision.models.alexnet"]
    rows = [dict(bench="train step", device=device.type, impl=name, batch=batch, ms=1000 * t, images_per_s=batch / t,
                 vs_torchvision=base / t, bytes=None) for name, t in medians.items()]
    grouped = models['alexnet("paper") (grouped + LRN)'].eval()
    towers = anc.TwoTowerAlexNet.from_grouped(grouped, (device, device)).eval()
    with torch.no_grad():
        forward = median_seconds({"grouped": lambda: grouped(images), "towers": lambda: towers(images)}, rounds=rounds, warmup=1, device=device)
    rows += [
        dict(bench="forward", device=device.type, impl='alexnet("paper"), one device, groups=2', batch=batch, ms=1000 * forward["grouped"],
             images_per_s=batch / forward["grouped"], vs_torchvision=None, bytes=0),
        dict(bench="forward", device=device.type, impl="TwoTowerAlexNet (both towers on this device)", batch=batch, ms=1000 * forward["towers"],
             images_per_s=batch / forward["towers"], vs_torchvision=None, bytes=towers.bytes_exchanged),
    ]
    return rows


def markdown(rows: list[dict]) -> str:
    """Return the rows as a markdown table."""
    lines = ["| bench | device | implementation | batch | ms | images/s | × torchvision | bytes between towers |", "|---|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        ratio = "" if r["vs_torchvision"] is None else f"{r['vs_torchvision']:.2f}"
        traffic = "" if r["bytes"] is None else f"{r['bytes']:,}"
        lines.append(f"| {r['bench']} | {r['device']} | {r['impl']} | {r['batch']} | {r['ms']:.1f} | {r['images_per_s']:.1f} | {ratio} | {traffic} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run(quick="--full" not in sys.argv)))
