"""Fig. 3 (§6.1): first-layer kernels trained on natural images, and a number for "edge-like".

Fig. 3 shows the 96 conv1 kernels of the trained net: oriented edges, gratings and colour blobs.
Random kernels are noise: neighbouring weights are independent. A kernel that detects an edge or a
blob is smooth along it: neighbouring weights are alike. :func:`spatial_autocorrelation` measures
that as the lag-1 autocorrelation of each kernel's weights, averaged over kernels, input channels
and both axes: ≈ 0 for noise, near 1 for smooth kernels, negative for checkerboards.

:func:`first_layer_filters` trains the book's two-tower net (``alexnet("cifar_towers")``) on
natural-image patches (:class:`~alexnet_core.natural.PhotoPatches`) and returns the kernels before
and after training. In the quick budget the trained weights W are still mostly their random start
W₀ (a random 5×5×3 kernel starts with weights of a standard deviation of 0.07 to 0.16,
and a minute of training moves it by a fraction of that; the quick run uses He et al.'s
initialisation, std √(2/75) ≈ 0.16, for the same reason), so the chapter draws and measures what
training *added*, W − W₀, and says so; it also reports the autocorrelation of W itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.data import TensorDataset

from .._checks import check_int, check_tensor
from ..history import History
from ..model import alexnet
from ..natural import PhotoPatches
from ..preprocess import Preprocess
from ..recipe import TrainConfig
from ..train import train
from .filters import colourfulness, tower_difference
from .init import he_init_

__all__ = ["spatial_autocorrelation", "FiltersResult", "first_layer_filters"]


def spatial_autocorrelation(weight: torch.Tensor) -> float:
    """Return the mean lag-1 autocorrelation of kernels (K, C, h, w) over K, C and both axes.

    For each kernel channel a (h, w) with its mean removed, the horizontal value is
    Σ a[:, :-1]·a[:, 1:] / Σ a², the vertical one the same down the rows; the result is the
    mean of both over every kernel and channel. Independent random weights give about
    −1/(h·w) (the mean removal), smooth kernels close to 1.
    """
    check_tensor(weight, "weight", ndim=4, floating=True)
    if min(weight.shape[-2:]) < 2:
        raise ValueError(
            f"weight must have kernels of at least 2×2, got {tuple(weight.shape)}"
        )
    a = weight.detach().to(torch.float64, memory_format=torch.contiguous_format)
    a = a - a.mean(dim=(-2, -1), keepdim=True)
    energy = (a * a).sum(dim=(-2, -1))  # (K, C)
    if bool((energy == 0).any()):
        raise ValueError(
            "weight must not contain a constant kernel channel (its correlation is undefined)"
        )
    across = (a[..., :, :-1] * a[..., :, 1:]).sum(dim=(-2, -1)) / energy
    down = (a[..., :-1, :] * a[..., 1:, :]).sum(dim=(-2, -1)) / energy
    return float(((across + down) / 2).mean())


@dataclass
class FiltersResult:
    """conv1 before and after training, and what the chapter prints about them (Fig. 3).

    ``initial`` W₀ and ``trained`` W are (96, 3, 5, 5); ``change`` is W − W₀, the kernels the
    chapter draws. ``autocorrelation`` is that of ``change``, ``autocorrelation_at_init`` of W₀,
    ``autocorrelation_trained`` of W. ``tower_colourfulness`` is the mean colourfulness of each
    tower's 48 changes, ``tower_p`` the permutation p-value of their difference.
    """

    seed: int
    initial: torch.Tensor = field(repr=False)
    trained: torch.Tensor = field(repr=False)
    snapshots: list[torch.Tensor] = field(repr=False)
    history: History = field(repr=False)
    model: nn.Module = field(repr=False)
    preprocess: Preprocess = field(repr=False)
    autocorrelation: float
    autocorrelation_at_init: float
    autocorrelation_trained: float
    tower_colourfulness: tuple[float, float]
    tower_p: float
    seconds: float

    @property
    def change(self) -> torch.Tensor:
        """Return what training added to the kernels, W − W₀ (96, 3, 5, 5)."""
        return self.trained - self.initial


def _nchw_copy(weight: torch.Tensor) -> torch.Tensor:
    """Return a CPU copy of ``weight`` in NCHW order (``train`` holds it in NHWC order)."""
    return weight.detach().cpu().clone(memory_format=torch.contiguous_format)


def first_layer_filters(
    seed: int = 0, *, epochs: int = 6, per_class: int = 200, device=None,
    data: tuple[PhotoPatches, PhotoPatches] | None = None,
) -> FiltersResult:  # fmt: skip
    """Return a :class:`FiltersResult` after training ``alexnet("cifar_towers")`` (§6.1, Fig. 3).

    The quick configuration: 2,000 natural 40×40 patches (random 32×32 crops, flips and PCA
    lighting, the mean image subtracted, 0–1 pixels), He et al.'s initialisation (with §5's
    N(0, 0.01²) this small net sits at chance for many epochs), SGD with momentum 0.9 at
    lr 0.02, batch 16, no dropout and no weight decay (§5's decay would add a shrinking copy
    of the random W₀ to the change W − W₀ that the chapter draws), 6 epochs.
    """
    check_int(seed, "seed", minimum=0)
    check_int(epochs, "epochs")
    start = time.perf_counter()
    train_set, test_set = patches(per_class, seed) if data is None else data
    preprocess = Preprocess.fit(train_set.images, 32)
    torch.manual_seed(seed)
    model = alexnet("cifar_towers", num_classes=len(train_set.classes), dropout=0.0)
    he_init_(model, generator=torch.Generator().manual_seed(seed))
    conv1 = model.named_layer("conv1")
    snapshots = [_nchw_copy(conv1.weight)]
    config = TrainConfig(
        epochs=epochs, batch_size=16, lr=0.02, weight_decay=0.0, schedule="constant",
        seed=seed, progress=False,
    )  # fmt: skip  # no weight decay: it would add a shrinking copy of W0 (noise) to W - W0

    def snapshot(history: History) -> None:
        snapshots.append(_nchw_copy(conv1.weight))

    history = train(
        model, TensorDataset(train_set.images, train_set.labels),
        TensorDataset(test_set.images, test_set.labels), config, device=device,
        augment=preprocess.train, test_augment=preprocess.test, callback=snapshot,
    )  # fmt: skip
    initial, trained = snapshots[0], snapshots[-1]
    change = trained - initial
    scores = colourfulness(change)
    _, p = tower_difference(scores)
    half = len(scores) // 2
    return FiltersResult(
        seed, initial, trained, snapshots, history, model, preprocess,
        autocorrelation=spatial_autocorrelation(change),
        autocorrelation_at_init=spatial_autocorrelation(initial),
        autocorrelation_trained=spatial_autocorrelation(trained),
        tower_colourfulness=(float(scores[:half].mean()), float(scores[half:].mean())),
        tower_p=p, seconds=time.perf_counter() - start,
    )  # fmt: skip


def save_filters(
    result: FiltersResult, path: str, *, command: str, per_class: int
) -> None:
    """Write a trained :class:`FiltersResult` as a small file ``load_filters`` reads back."""
    from ..runtime import hardware_summary

    torch.save(
        {
            "model": result.model.cpu().state_dict(),
            "snapshots": torch.stack(result.snapshots),  # (epochs + 1, 96, 3, 5, 5)
            "history": result.history.as_dict(),
            "seed": result.seed, "per_class": per_class, "seconds": result.seconds,
            "command": command, "hardware": hardware_summary(),
        },
        path,
    )  # fmt: skip


def patches(per_class: int, seed: int) -> tuple[PhotoPatches, PhotoPatches]:
    """Return the Fig. 3 net's (train, test) photo patches: ``per_class``, 100 per photo."""
    return PhotoPatches(per_class, seed=seed), PhotoPatches(
        100, split="test", seed=seed
    )


def load_filters(
    path: str, data: tuple[PhotoPatches, PhotoPatches] | None = None
) -> FiltersResult:
    """Return the :class:`FiltersResult` saved by ``python -m alexnet_core.lab.kernels``.

    ``data`` must be the (train, test) patches it was trained on (same seed and size): the
    mean image is computed from them again. Without it they are made again from the seed and
    patches per class the file records (:func:`patches`). Loaded with ``weights_only=True``.
    """
    record = torch.load(path, map_location="cpu", weights_only=True)
    if data is None:
        data = patches(record["per_class"], record["seed"])
    train_set = data[0]
    if record["seed"] != train_set.seed or record["per_class"] * 10 != len(train_set):
        raise ValueError(
            f"data must be the patches {path} was trained on (seed {record['seed']}, "
            f"{record['per_class']} per class), got seed {train_set.seed}, {len(train_set)}"
        )
    model = alexnet("cifar_towers", num_classes=len(train_set.classes), dropout=0.0)
    model.load_state_dict(record["model"])
    snapshots = list(record["snapshots"])
    initial, trained = snapshots[0], snapshots[-1]
    change = trained - initial
    scores = colourfulness(change)
    half = len(scores) // 2
    return FiltersResult(
        record["seed"], initial, trained, snapshots, History.from_dict(record["history"]),
        model, Preprocess.fit(train_set.images, 32),
        autocorrelation=spatial_autocorrelation(change),
        autocorrelation_at_init=spatial_autocorrelation(initial),
        autocorrelation_trained=spatial_autocorrelation(trained),
        tower_colourfulness=(float(scores[:half].mean()), float(scores[half:].mean())),
        tower_p=tower_difference(scores)[1], seconds=record["seconds"],
    )  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Train the Fig. 3 net once for longer and write it (``book/data/filters.pt``)."""
    import argparse

    from .records import command_line

    parser = argparse.ArgumentParser(prog="python -m alexnet_core.lab.kernels")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--per-class", type=int, default=300)
    parser.add_argument("--output", default="book/data/filters.pt")
    args = parser.parse_args(argv)
    result = first_layer_filters(
        args.seed, epochs=args.epochs, data=patches(args.per_class, args.seed)
    )
    command = command_line("alexnet_core.lab.kernels", argv)
    save_filters(result, args.output, command=command, per_class=args.per_class)
    print(f"autocorrelation of W - W0 {result.autocorrelation:+.3f}, of W0 "
          f"{result.autocorrelation_at_init:+.3f}, of W {result.autocorrelation_trained:+.3f}; "
          f"test error {result.history.test_error[-1]:.3f}; wrote {args.output}")  # fmt: skip


if __name__ == "__main__":
    main()
