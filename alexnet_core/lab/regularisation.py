"""§4's two cures for overfitting, measured: dropout (§4.2) and data augmentation (§4.1).

§4: "Without dropout, our network exhibits substantial overfitting"; the crops and flips of §4.1
are what made a net of 60 million parameters possible at all ("Without this scheme, our network
suffers from substantial overfitting, which would have forced us to use much smaller networks").

Both experiments here set up exactly that: a small net for 32×32 images (the book's small AlexNet
``alexnet("cifar")`` with LRN off for dropout, which needs fc6/fc7; §3.1's four-layer net
``alexnet("fig1")`` for augmentation) on few natural-image patches
(:class:`~alexnet_core.natural.PhotoPatches`), trained long enough that the net without the cure fits its training set almost perfectly while its
test error stops falling. Each then trains the same net, from the same seed, with the cure, and
reports both final test errors. "Final" is the mean over the last ``FINAL_EPOCHS`` epochs, which
is steadier than the last epoch alone. The training error is re-measured on the whole training
set after every epoch with dropout off (:mod:`alexnet_core.lab.overfitting`), so a dropout net's
fit is not understated.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import torch
from torch.utils.data import TensorDataset

from .._checks import check_int
from ..model import alexnet
from ..natural import PhotoPatches
from ..preprocess import Preprocess
from ..recipe import TrainConfig
from .init import he_init_
from .overfitting import FitRecord, first_epoch_at_or_below, train_tracking_fit

__all__ = [
    "FINAL_EPOCHS",
    "OverfitResult",
    "dropout_overfit",
    "augmentation_overfit",
    "final_error",
    "spread",
]

FINAL_EPOCHS = 5
CONVERGED = 0.05  # "converged": the clean training error at or below 5%


def final_error(errors: list[float], last: int = FINAL_EPOCHS) -> float:
    """Return the mean of the last ``last`` values of a per-epoch error curve."""
    if not errors:
        raise ValueError("errors must hold at least one epoch, got none")
    tail = errors[-last:]
    return sum(tail) / len(tail)


@dataclass
class OverfitResult:
    """One seed of an overfitting experiment: the run with the cure and the one without.

    ``test_error_with`` / ``test_error_without``: final test errors (mean of the last
    :data:`FINAL_EPOCHS` epochs). ``epochs_to_converge``: the first epoch whose clean
    training error is at most 5% (None if never), per run. ``extra`` holds any further
    arm (``augmentation_overfit``'s PCA lighting run) by label.
    """

    seed: int
    test_error_with: float
    test_error_without: float
    records: dict[str, FitRecord] = field(repr=False)
    epochs_to_converge: dict[str, int | None]
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def gain(self) -> float:
        """Return test_error_without − test_error_with (positive: the cure helped)."""
        return self.test_error_without - self.test_error_with


def spread(values: list[float]) -> float:
    """Return the spread across seeds: max − min of ``values``."""
    if not values:
        raise ValueError("values must hold at least one number, got none")
    return max(values) - min(values)


def _fit(
    dropout: float, train_set: TensorDataset, test_set: TensorDataset,
    preprocess: Preprocess, config: TrainConfig, *, augment: bool, device=None,
    variant: str = "cifar",
) -> FitRecord:  # fmt: skip
    torch.manual_seed(config.seed)
    options = {} if variant == "fig1" else {"lrn": False, "dropout": dropout}
    model = alexnet(variant, num_classes=10, **options)
    he_init_(model, generator=torch.Generator().manual_seed(config.seed))
    return train_tracking_fit(
        model, train_set, test_set, config, device=device,
        augment=preprocess.train if augment else preprocess.test,
        test_augment=preprocess.test,
    )  # fmt: skip


def _data(per_class: int, test_per_class: int, seed: int):
    train, test = (
        PhotoPatches(per_class, seed=seed),
        PhotoPatches(test_per_class, split="test", seed=seed),
    )
    return (
        TensorDataset(train.images, train.labels),
        TensorDataset(test.images, test.labels),
        train.images,
    )


def _result(seed: int, records: dict[str, FitRecord], cure: str, plain: str) -> OverfitResult:
    errors = {k: final_error(r.history.test_error) for k, r in records.items()}
    converge = {
        k: first_epoch_at_or_below(r.clean_train_error, CONVERGED) for k, r in records.items()
    }
    extra = {k: v for k, v in errors.items() if k not in (cure, plain)}
    return OverfitResult(seed, errors[cure], errors[plain], records, converge, extra)


def dropout_overfit(
    seed: int = 0, *, per_class: int = 50, test_per_class: int = 100,
    epochs: int = 40, lr: float = 0.01, device=None,
) -> OverfitResult:  # fmt: skip
    """Return an :class:`OverfitResult`: dropout 0.5 in fc6/fc7 against none (§4.2).

    Quick configuration: 500 training patches (50 per photo), 1,000 test patches, no
    augmentation (the centre 32×32 of each 40×40 patch), He initialisation, SGD with momentum
    0.9 and weight decay 5e-4 at a constant rate; both runs from the same seed.
    """
    check_int(seed, "seed", minimum=0)
    train_set, test_set, images = _data(per_class, test_per_class, seed)
    preprocess = Preprocess.fit(images, 32, lighting=False, augment=False)
    config = TrainConfig(epochs=epochs, lr=lr, schedule="constant", seed=seed, progress=False)
    records = {
        label: _fit(p, train_set, test_set, preprocess, config, augment=False, device=device)
        for label, p in (("dropout 0.5", 0.5), ("no dropout", 0.0))
    }
    return _result(seed, records, "dropout 0.5", "no dropout")


def augmentation_overfit(
    seed: int = 0, *, per_class: int = 50, test_per_class: int = 100,
    epochs: int = 30, lr: float = 0.01, lighting: bool = False, device=None,
) -> OverfitResult:  # fmt: skip
    """Return an :class:`OverfitResult`: random 32×32 crops + flips against none (§4.1).

    The data and recipe of :func:`dropout_overfit` (500 training patches, He initialisation,
    SGD with momentum 0.9 and weight decay 5e-4 at lr 0.01), 30 epochs, on the four-layer net
    of §3.1 (``alexnet("fig1")``, cheaper than the ``cifar`` net). "Without" trains
    on the centre 32×32 of each 40×40 patch, "with" on a random 32×32 crop, mirrored with
    probability 1/2, drawn afresh every epoch; both are tested on the centre patch. With
    ``lighting=True`` a third run adds §4.1's PCA colour lighting (``extra["crops + flips +
    PCA lighting"]``).
    """
    check_int(seed, "seed", minimum=0)
    train_set, test_set, images = _data(per_class, test_per_class, seed)
    plain = Preprocess.fit(images, 32, lighting=False)
    config = TrainConfig(epochs=epochs, lr=lr, schedule="constant", seed=seed, progress=False)
    records = {
        "crops + flips": _fit(0.0, train_set, test_set, plain, config, augment=True,
                              device=device, variant="fig1"),
        "no augmentation": _fit(0.0, train_set, test_set, plain, config, augment=False,
                                device=device, variant="fig1"),
    }  # fmt: skip
    if lighting:
        lit = Preprocess.fit(images, 32, lighting=True)
        records["crops + flips + PCA lighting"] = _fit(
            0.0, train_set, test_set, lit, config, augment=True, device=device,
            variant="fig1",
        )  # fmt: skip
    return _result(seed, records, "crops + flips", "no augmentation")


def median(values: list[float]) -> float:
    """Return the median of ``values`` (for summaries over seeds)."""
    return statistics.median(values)


def _summary(results: list[OverfitResult]) -> dict:
    withs = [r.test_error_with for r in results]
    withouts = [r.test_error_without for r in results]
    gains = [r.gain for r in results]
    return {
        "test_error_with": {str(r.seed): r.test_error_with for r in results},
        "test_error_without": {str(r.seed): r.test_error_without for r in results},
        "extra": {str(r.seed): r.extra for r in results},
        "epochs_to_converge": {str(r.seed): r.epochs_to_converge for r in results},
        "clean_train_error_without": {
            str(r.seed): final_error(next(iter(r.records.values())).clean_train_error)
            for r in results
        },
        "median_with": median(withs), "median_without": median(withouts),
        "median_gain": median(gains),
        "spread_with": spread(withs), "spread_without": spread(withouts),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Run an experiment over seeds and write its results as JSON (the committed file)."""
    import argparse
    import json
    import sys
    import time

    from ..runtime import hardware_summary

    parser = argparse.ArgumentParser(prog="python -m alexnet_core.lab.regularisation")
    parser.add_argument("what", choices=("dropout", "augmentation"))
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--output", default=None, help="default book/data/<what>.json")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    start = time.time()
    results = []
    for seed in seeds:
        if args.what == "dropout":
            result = dropout_overfit(seed)
        else:
            result = augmentation_overfit(seed, lighting=True)
        print(seed, result.test_error_with, result.test_error_without, result.extra,
              result.epochs_to_converge, flush=True)  # fmt: skip
        results.append(result)
    record = {
        "command": "python -m alexnet_core.lab.regularisation "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "seeds": seeds, "hardware": hardware_summary(),
        "seconds": round(time.time() - start), "final_epochs": FINAL_EPOCHS,
        args.what: _summary(results),
    }  # fmt: skip
    output = args.output or f"book/data/{args.what}.json"
    with open(output, "w") as file:
        json.dump(record, file, indent=1)
    print("wrote", output)


if __name__ == "__main__":
    main()
