"""§4's two cures for overfitting, measured: dropout (§4.2) and data augmentation (§4.1).

§4: "Without dropout, our network exhibits substantial overfitting"; the crops and flips of §4.1
are what made a net of 60 million parameters possible at all ("Without this scheme, our network
suffers from substantial overfitting, which would have forced us to use much smaller networks").

Both experiments here set up exactly that: a small net for 32×32 images (§3.1's four-layer net
``alexnet("fig1")`` for augmentation; for dropout, which needs fc6/fc7, the same conv stack under
AlexNet's classifier shape, :func:`dropout_net`) on few natural-image patches
(:class:`~alexnet_core.natural.PhotoPatches`), trained long enough that the net without the cure
fits its training set almost perfectly while its test error stops falling. Each then trains the same net, from the same seed, with the cure, and
reports both final test errors. "Final" is the mean over the last ``FINAL_EPOCHS`` epochs, which
is steadier than the last epoch alone. The training error is re-measured on the whole training
set after every epoch with dropout off (:mod:`alexnet_core.lab.overfitting`), so a dropout net's
fit is not understated.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import torch
from torch import nn
from torch.utils.data import TensorDataset

from .._checks import check_int, check_probability
from ..model import alexnet
from ..natural import SHORT_SIDE, PhotoPatches, luminance
from ..preprocess import Preprocess
from ..recipe import TrainConfig
from .init import he_init_
from .overfitting import FitRecord, first_epoch_at_or_below, train_tracking_fit
from .seed_stats import augmentation_arms, dropout_report, paired_gains, spread

__all__ = [
    "FINAL_EPOCHS",
    "DATA_SEED",
    "SHORT_SIDE",
    "DROPOUT_LARGE",
    "DROPOUT_TILES",
    "OverfitResult",
    "DROPOUT_WIDTH",
    "dropout_net",
    "dropout_overfit",
    "augmentation_overfit",
    "final_error",
    "spread",
    "paired_gains",
    "dropout_report",
    "augmentation_arms",
]

FINAL_EPOCHS = 5
_EPOCHS = 30  # dropout_overfit's and augmentation_overfit's default run length
DROPOUT_WIDTH = 1024  # fc6/fc7 of dropout_net; AlexNet's are 4096 wide on 9,216 inputs
CONVERGED = 0.05  # "converged": the clean training error at or below 5%
DATA_SEED = 0  # the patches both experiments draw, whatever the training seed
# dropout's larger setting (chapter 5, book/data/dropout_5000.json): the photos at 512 pixels
# (944 training and 316 test squares), 500 training and 300 test patches per photo
DROPOUT_LARGE = {"per_class": 500, "test_per_class": 300, "short_side": 512}
# the same photos cut into 32-pixel tiles, half of them test tiles (1,552 each way): the test
# error is measured on about five times as many separate regions as DROPOUT_LARGE's 316 squares
DROPOUT_TILES = {
    "per_class": 500, "test_per_class": 450, "short_side": 512,
    "block": 32, "stored": 32, "test_share": 0.5,
}  # fmt: skip


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
    cure: str = "with"  # the labels of the two runs in ``records``
    plain: str = "without"
    test_loss_with: float = float("nan")  # final test cross-entropy, as for the errors
    test_loss_without: float = float("nan")

    @property
    def gain(self) -> float:
        """Return test_error_without − test_error_with (positive: the cure helped)."""
        return self.test_error_without - self.test_error_with


def _fit(
    build: Callable[[], nn.Module], train_set: TensorDataset, test_set: TensorDataset,
    preprocess: Preprocess, config: TrainConfig, *, augment: bool, device=None,
) -> FitRecord:  # fmt: skip
    """Train ``build()`` from ``config.seed``, He-initialised, tracking its clean training fit."""
    torch.manual_seed(config.seed)
    model = build()
    he_init_(model, generator=torch.Generator().manual_seed(config.seed))
    return train_tracking_fit(
        model, train_set, test_set, config, device=device,
        augment=preprocess.train if augment else preprocess.test,
        test_augment=preprocess.test,
    )  # fmt: skip


def _fig1() -> nn.Module:
    return alexnet("fig1", num_classes=10)


def _data(
    per_class: int, test_per_class: int, seed: int, grey: bool = False, **photos
):  # fmt: skip
    """Return (train set, test set, training images); ``photos`` go to PhotoPatches."""
    check_int(seed, "data_seed", minimum=0)
    train, test = (
        PhotoPatches(per_class, seed=seed, **photos),
        PhotoPatches(test_per_class, split="test", seed=seed, **photos),
    )
    train_images, test_images = train.images, test.images
    if grey:
        train_images, test_images = luminance(train_images), luminance(test_images)
    return (
        TensorDataset(train_images, train.labels),
        TensorDataset(test_images, test.labels),
        train_images,
    )


def _schedule(epochs: int, *, step: bool) -> dict:
    """Return TrainConfig's schedule fields: lr / 10 after two thirds of the epochs, or constant."""
    if not step:
        return {"schedule": "constant"}
    return {"schedule": "step", "step_epochs": (max(1, (2 * epochs) // 3),)}


def _result(
    seed: int, records: dict[str, FitRecord], cure: str, plain: str
) -> OverfitResult:
    errors = {k: final_error(r.history.test_error) for k, r in records.items()}
    converge = {
        k: first_epoch_at_or_below(r.clean_train_error, CONVERGED)
        for k, r in records.items()
    }
    extra = {k: v for k, v in errors.items() if k not in (cure, plain)}
    losses = {k: final_error(r.history.test_loss) for k, r in records.items()}
    return OverfitResult(
        seed, errors[cure], errors[plain], records, converge, extra, cure=cure, plain=plain,
        test_loss_with=losses[cure], test_loss_without=losses[plain],
    )  # fmt: skip


def dropout_net(
    p: float, *, width: int = DROPOUT_WIDTH, num_classes: int = 10
) -> nn.Module:
    """Return §3.1's conv stack (``alexnet("fig1")``) topped by AlexNet's classifier shape.

    fc6 and fc7 have ``width`` ReLU units, each followed by dropout ``p`` as in §4.2, then the
    output layer: Linear(1024 → width) → ReLU → Dropout → Linear(width → width) → ReLU →
    Dropout → Linear(width → num_classes). Dropout sits where the paper put it; the conv stack is
    the cheap one of Fig. 1, so the fully connected layers hold most of the weights (as in
    AlexNet, where fc6–fc8 hold 58.6 of the 61 million).
    """
    check_int(width, "width", minimum=1)
    net = alexnet("fig1", num_classes=num_classes)
    features = net.classifier[0].in_features
    net.classifier = nn.Sequential(
        nn.Linear(features, width), nn.ReLU(inplace=True), nn.Dropout(p),
        nn.Linear(width, width), nn.ReLU(inplace=True), nn.Dropout(p),
        nn.Linear(width, num_classes),
    )  # fmt: skip
    return net


def dropout_overfit(
    seed: int = 0, *, per_class: int = 50, test_per_class: int = 100,
    epochs: int = _EPOCHS, lr: float = 0.01, width: int = DROPOUT_WIDTH, p: float = 0.5,
    data_seed: int | None = DATA_SEED, short_side: int = SHORT_SIDE, grey: bool = False,
    device=None, **photos,
) -> OverfitResult:  # fmt: skip
    """Return an :class:`OverfitResult`: dropout ``p`` in fc6/fc7 against none (§4.2).

    Quick configuration: :func:`dropout_net` on 500 training patches (50 per photo) and 1,000
    test patches, no augmentation (the centre 32×32 of each 40×40 patch), He initialisation,
    the paper's SGD (momentum 0.9, weight decay 5e-4) on batches of 32 at lr 0.01, divided by
    10 after two thirds of the epochs; both runs from the same seed. The runs are labelled
    ``f"dropout {p:g}"`` and ``"no dropout"``.

    ``seed`` draws the initial weights, the batch order and the dropout masks; ``data_seed``
    draws the patches (:class:`~alexnet_core.natural.PhotoPatches`), the same for every seed by
    default, so that the spread across seeds is the training's own. ``data_seed=None`` draws
    them from ``seed`` too, so that each seed also sees other patches.

    ``short_side`` (the photos' shorter side) and ``photos`` (``block``, ``stored``,
    ``test_share``) go to :class:`~alexnet_core.natural.PhotoPatches`: at 256 the 500 patches
    come from 232 squares of 48 pixels and the test patches from 78. Chapter 5's larger
    settings, about 4.5 minutes a seed on 2 cores: ``**DROPOUT_LARGE`` (the photos at 512
    pixels, 5,000 and 3,000 patches from 944 and 316 squares) and ``**DROPOUT_TILES`` (32-pixel
    tiles, half of them for test). ``grey=True`` uses the patches' luminance.
    """
    check_int(seed, "seed", minimum=0)
    check_int(epochs, "epochs", minimum=1)
    check_probability(p, "p")
    if p == 0:
        raise ValueError(
            "p must be above 0 (the run without dropout is always made), got 0"
        )
    train_set, test_set, images = _data(
        per_class, test_per_class, seed if data_seed is None else data_seed,
        grey=grey, short_side=short_side, **photos,
    )  # fmt: skip
    preprocess = Preprocess.fit(images, 32, lighting=False, augment=False)
    config = TrainConfig(
        epochs=epochs, lr=lr, batch_size=32, seed=seed, progress=False,
        **_schedule(epochs, step=True),
    )  # fmt: skip
    cure = f"dropout {p:g}"
    records = {
        label: _fit(partial(dropout_net, drop_p, width=width), train_set, test_set,
                    preprocess, config, augment=False, device=device)
        for label, drop_p in ((cure, p), ("no dropout", 0.0))
    }  # fmt: skip
    return _result(seed, records, cure, "no dropout")


def augmentation_overfit(
    seed: int = 0, *, per_class: int = 50, test_per_class: int = 100,
    epochs: int = _EPOCHS, lr: float = 0.01, lighting: bool = False, grey: bool = True,
    step: bool = True, data_seed: int | None = DATA_SEED, device=None,
) -> OverfitResult:  # fmt: skip
    """Return an :class:`OverfitResult`: random 32×32 crops + flips against none (§4.1).

    The data and recipe of :func:`dropout_overfit` (500 training patches, He initialisation,
    SGD with momentum 0.9 and weight decay 5e-4 at lr 0.01, divided by 10 after two thirds of
    the epochs), 30 epochs, on the four-layer net of §3.1 (``alexnet("fig1")``, cheaper than
    the ``cifar`` net). "Without" trains on the centre 32×32 of each 40×40 patch, "with" on a
    random 32×32 crop, mirrored with probability 1/2, drawn afresh every epoch; both are tested
    on the centre patch. With ``lighting=True`` a third run adds §4.1's PCA colour lighting
    (``extra["crops + flips + PCA lighting"]``).

    By default the patches are their luminance (:func:`~alexnet_core.natural.luminance`) in all
    three channels, training and test: in colour, colour alone names most of these photographs
    and hides what the crops teach (chapter 7). ``grey=False`` keeps the colour; ``step=False``
    keeps the learning rate constant. ``seed`` and ``data_seed`` as in :func:`dropout_overfit`.
    """
    check_int(seed, "seed", minimum=0)
    check_int(epochs, "epochs", minimum=1)
    train_set, test_set, images = _data(
        per_class, test_per_class, seed if data_seed is None else data_seed, grey=grey
    )
    plain = Preprocess.fit(images, 32, lighting=False)
    config = TrainConfig(
        epochs=epochs, lr=lr, seed=seed, progress=False, **_schedule(epochs, step=step)
    )
    records = {
        "crops + flips": _fit(_fig1, train_set, test_set, plain, config, augment=True,
                              device=device),
        "no augmentation": _fit(_fig1, train_set, test_set, plain, config, augment=False,
                                device=device),
    }  # fmt: skip
    if lighting:
        lit = Preprocess.fit(images, 32, lighting=True)
        records["crops + flips + PCA lighting"] = _fit(
            _fig1, train_set, test_set, lit, config, augment=True, device=device
        )
    return _result(seed, records, "crops + flips", "no augmentation")


def _summary(results: list[OverfitResult]) -> dict:
    withs = [r.test_error_with for r in results]
    withouts = [r.test_error_without for r in results]
    gains = [r.gain for r in results]
    return {
        "test_error_with": {str(r.seed): r.test_error_with for r in results},
        "test_error_without": {str(r.seed): r.test_error_without for r in results},
        "test_loss_with": {str(r.seed): r.test_loss_with for r in results},
        "test_loss_without": {str(r.seed): r.test_loss_without for r in results},
        "extra": {str(r.seed): r.extra for r in results},
        "epochs_to_converge": {str(r.seed): r.epochs_to_converge for r in results},
        "clean_train_error_without": {
            str(r.seed): final_error(r.records[r.plain].clean_train_error) for r in results
        },
        "median_with": statistics.median(withs),
        "median_without": statistics.median(withouts),
        "median_gain": statistics.median(gains), "spread_gain": spread(gains),
        "spread_with": spread(withs), "spread_without": spread(withouts),
    }  # fmt: skip


def _parser():
    import argparse

    parser = argparse.ArgumentParser(prog="python -m alexnet_core.lab.regularisation")
    parser.add_argument("what", choices=("dropout", "augmentation"))
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--output", default=None, help="default book/data/<what>.json")
    parser.add_argument(
        "--data-seed", default=str(DATA_SEED),
        help=f"the patches' seed ({DATA_SEED}), or 'seed': each seed draws its own",
    )  # fmt: skip
    parser.add_argument(
        "--colour", action="store_true", help="augmentation: colour patches, not grey"
    )
    parser.add_argument(
        "--large", action="store_true",
        help="dropout: DROPOUT_LARGE's data (5,000 patches of the photos at 512 pixels)",
    )  # fmt: skip
    parser.add_argument(
        "--tiles", action="store_true",
        help="dropout: DROPOUT_TILES' data (32-pixel tiles of the photos at 512, half for test)",
    )  # fmt: skip
    parser.add_argument(
        "--constant", action="store_true", help="augmentation: constant lr, no step"
    )
    parser.add_argument(
        "--epochs", type=int, default=None,
        help=f"augmentation: epochs per run ({_EPOCHS})",
    )  # fmt: skip
    return parser


def _data_seed(parser, value: str) -> int | None:
    if value == "seed":
        return None
    if not value.isdigit():
        parser.error(f"--data-seed must be a non-negative int or 'seed', got {value!r}")
    return int(value)


def main(argv: list[str] | None = None) -> None:
    """Run an experiment over seeds and write its results as JSON (the committed file)."""
    import time

    from .records import run_record, write_record

    parser = _parser()
    args = parser.parse_args(argv)
    if args.what == "dropout" and (
        args.colour or args.constant or args.epochs is not None
    ):
        parser.error("--colour, --epochs and --constant apply to augmentation only")
    if args.what == "augmentation" and (args.large or args.tiles):
        parser.error("--large and --tiles apply to dropout only")
    if args.large and args.tiles:
        parser.error("--large and --tiles are two settings: give one")
    sizes = DROPOUT_LARGE if args.large else DROPOUT_TILES if args.tiles else {}
    if args.epochs is None:
        args.epochs = _EPOCHS
    elif args.epochs < 1:
        parser.error(f"--epochs must be a positive int, got {args.epochs}")
    data_seed = _data_seed(parser, args.data_seed)
    grey = args.what == "augmentation" and not args.colour  # dropout runs on colour patches
    seeds = [int(s) for s in args.seeds.split(",")]
    start = time.time()
    results = []
    for seed in seeds:
        if args.what == "dropout":
            result = dropout_overfit(seed, data_seed=data_seed, **sizes)
        else:
            result = augmentation_overfit(
                seed, lighting=True, grey=grey, epochs=args.epochs,
                step=not args.constant, data_seed=data_seed,
            )  # fmt: skip
        print(seed, result.test_error_with, result.test_error_without, result.extra,
              result.epochs_to_converge, flush=True)  # fmt: skip
        results.append(result)
    record = run_record(
        "alexnet_core.lab.regularisation", argv, seeds=seeds, start=start,
        final_epochs=FINAL_EPOCHS, results=_summary(results), data_seed=data_seed,
        grey=grey, epochs=args.epochs, step=not args.constant,
        **({"data": sizes} if sizes else {}),
    )  # fmt: skip
    write_record(record, args.output or f"book/data/{args.what}.json")


if __name__ == "__main__":
    main()
