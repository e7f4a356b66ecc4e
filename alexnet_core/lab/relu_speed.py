"""Fig. 1 (§3.1): how many epochs a ReLU net and a tanh net need to reach 25% training error.

§3.1: "Deep convolutional neural networks with ReLUs train several times faster than their
equivalents with tanh units." Fig. 1 shows it for a four-layer convolutional net on CIFAR-10
(six times, in epochs), "the learning rates for each network were chosen independently to make
training as fast as possible", no regularization, and "the magnitude of the effect ... varies with
network architecture".

:func:`fig1` runs that experiment on :class:`~alexnet_core.natural.PhotoPatches` (natural images,
offline) with the book's :func:`~alexnet_core.model.fig1_net`, in one of four *regimes* made of
two switches:

- the pixel scale: raw pixel values 0–255 minus the training set's mean image (§2, "paper"
  pixels) or the same divided by 255 ("unit" pixels, what most code does today);
- the initialisation: weights from N(0, 0.01²) and §5's biases ("paper" init), or each
  activation's fan-in gain (√2 for ReLU, 5/3 for tanh; "gain" init).

``"paper"`` is paper pixels + paper init, ``"modern"`` unit pixels + gain init; the two crossed
regimes say which switch matters. Each net trains with its own learning rate, the best of a grid
(:data:`LEARNING_RATES`) measured once by ``python -m alexnet_core.lab.relu_speed`` and committed
in ``book/data/fig1_grid.json`` (command, seeds, hardware in the file); :data:`BEST_LR` holds
them, and a test checks the two agree and that every best value is interior to its grid.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

import torch
from torch.utils.data import TensorDataset

from .._checks import check_choice, check_int, check_positive_float
from ..history import History, epochs_to_reach
from ..model import fig1_net, paper_init_
from ..natural import SHORT_SIDE, PhotoPatches, luminance
from ..recipe import TrainConfig
from ..train import train
from .init import gain_init_

__all__ = [
    "REGIMES",
    "LEARNING_RATES",
    "BEST_LR",
    "Fig1Result",
    "fig1",
    "regime_data",
    "summarise",
    "initialised_net",
    "train_one",
    "lr_grid",
    "best_rate",
    "epochs_speedup",
    "size_report",
    "size_table",
    "record_results",
]

# regime -> (pixel scale, initialisation)
REGIMES = {
    "paper": ("paper", "paper"),
    "modern": ("unit", "gain"),
    "paper_pixels_gain_init": ("paper", "gain"),
    "unit_pixels_paper_init": ("unit", "paper"),
}
ACTIVATIONS = ("relu", "tanh")
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
# the best rate of each (regime, activation) on LEARNING_RATES: book/data/fig1_grid.json.
# Interior for "paper" and "modern"; a crossed regime's ReLU net may reach 25% at no rate.
BEST_LR = {
    ("paper", "relu"): 1e-3,
    ("paper", "tanh"): 3e-2,
    ("modern", "relu"): 1e-2,
    ("modern", "tanh"): 3e-2,
    ("paper_pixels_gain_init", "relu"): 1e-4,  # the grid's edge: no rate reaches 25%
    ("paper_pixels_gain_init", "tanh"): 3e-2,
    ("unit_pixels_paper_init", "relu"): 3e-4,  # no rate reaches 25%: the lowest error
    ("unit_pixels_paper_init", "tanh"): 3e-2,  # no rate reaches 25%: the lowest error
}
TARGET = 0.25  # Fig. 1's training error


@dataclass
class Fig1Result:
    """One seed of Fig. 1: each net's History and the epochs it needed to reach ``target``.

    ``speedup`` is tanh epochs / ReLU epochs. When the tanh net never reaches the target within
    ``max_epochs`` it is ``max_epochs / relu_epochs``, a lower bound (``lower_bound`` True);
    when the ReLU net never reaches it, ``speedup`` is None.
    """

    regime: str
    seed: int
    target: float
    max_epochs: int
    learning_rates: dict[str, float]
    histories: dict[str, History] = field(repr=False)
    epochs: dict[str, int | None]
    speedup: float | None
    lower_bound: bool


def regime_data(
    regime: str, *, num_train: int = 2000, seed: int = 0, grey: bool = False,
    short_side: int = SHORT_SIDE,
) -> TensorDataset:  # fmt: skip
    """Return the 32×32 training patches of a regime: mean image off, 0–255 or 0–1 scale (§2).

    With ``grey`` each patch is replaced by its luminance (0.299 R + 0.587 G + 0.114 B) in all
    three channels, so colour cannot tell the photographs apart and the net must use texture.
    ``short_side`` is the side the photos are resized to before they are cut into squares
    (:class:`~alexnet_core.natural.PhotoPatches`): 512 gives four times as many distinct
    squares as the default 256.
    """
    pixels, _ = REGIMES[check_choice(regime, "regime", tuple(REGIMES))]
    check_int(num_train, "num_train", minimum=10)
    per_class = num_train // 10
    data = PhotoPatches(per_class, stored=32, seed=seed, short_side=short_side)
    images = data.raw.float()  # (N, 3, 32, 32), 0–255
    images = images - images.mean(dim=0)  # §2: subtract the mean image
    if pixels == "unit":
        images = images / 255
    if grey:
        images = luminance(images)
    return TensorDataset(images.contiguous(), data.labels)


def initialised_net(activation: str, init: str, *, seed: int = 0) -> torch.nn.Module:
    """Return a fresh fig1_net with ``init`` ("paper": N(0, 0.01²) + §5 biases, or "gain")."""
    generator = torch.Generator().manual_seed(seed)
    model = fig1_net(activation)
    if init == "paper":
        return paper_init_(model, generator=generator)
    return gain_init_(model, activation, generator=generator)


def _reached(target: float):
    def stop(history: History) -> bool:
        return history.train_error[-1] <= target

    return stop


def train_one(
    regime: str, activation: str, lr: float, data: TensorDataset, *,
    seed: int = 0, max_epochs: int = 12, target: float = TARGET, device=None,
) -> History:  # fmt: skip
    """Return the History of one Fig. 1 net, stopped once it reaches ``target``."""
    check_choice(activation, "activation", ACTIVATIONS)
    _, init = REGIMES[check_choice(regime, "regime", tuple(REGIMES))]
    config = TrainConfig(
        epochs=max_epochs,
        lr=lr,
        weight_decay=0.0,
        schedule="constant",
        seed=seed,
        progress=False,
    )  # Fig. 1: "no regularization of any kind"
    model = initialised_net(activation, init, seed=seed)
    return train(model, data, None, config, device=device, callback=_reached(target))


def fig1(
    regime: str = "paper", seed: int = 0, *, target: float = TARGET,
    max_epochs: int = 12, num_train: int = 2000,
    learning_rates: dict[str, float] | None = None, grey: bool = False,
    short_side: int = SHORT_SIDE, device=None,
) -> Fig1Result:  # fmt: skip
    """Return a :class:`Fig1Result`: ReLU and tanh nets trained to ``target`` error (§3.1).

    Each net uses its regime's best learning rate (:data:`BEST_LR`) unless ``learning_rates``
    ({"relu": …, "tanh": …}) is given; training stops at the target or after ``max_epochs``.
    ``grey`` trains on luminance-only patches (:func:`regime_data`). Their own grids
    (``book/data/fig1_grey.json``) put ReLU's best rate at 0.001 (seed 0) or 0.003 (seeds 1, 2)
    and tanh's at 0.03, so :data:`BEST_LR`'s paper rates are seed 0's; pass the others.
    ``short_side`` as in :func:`regime_data`: with ``grey``, 5,000 patches and 512, the
    committed ``book/data/fig1_grey_5000_s512.json`` puts ReLU's best rate at 0.001 and tanh's
    at 0.01 on seeds 0–2, and needs up to 65 epochs (minutes on 2 cores).
    The quick configuration (2,000 patches, 12 epochs at most) takes about 10–25 s on 2 cores.
    """
    check_choice(regime, "regime", tuple(REGIMES))
    check_int(seed, "seed", minimum=0)
    check_int(max_epochs, "max_epochs")
    check_positive_float(target, "target")
    rates = {a: BEST_LR[(regime, a)] for a in ACTIVATIONS}
    if learning_rates is not None:
        if not isinstance(learning_rates, dict) or set(learning_rates) != set(rates):
            raise ValueError(
                f"learning_rates must be a dict with keys 'relu' and 'tanh', "
                f"got {learning_rates!r}"
            )
        rates = {a: check_positive_float(v, f"learning_rates[{a!r}]")
                 for a, v in learning_rates.items()}  # fmt: skip
    data = regime_data(
        regime, num_train=num_train, seed=seed, grey=grey, short_side=short_side
    )
    histories = {
        a: train_one(regime, a, rates[a], data, seed=seed, max_epochs=max_epochs,
                     target=target, device=device)
        for a in ACTIVATIONS
    }  # fmt: skip
    epochs = {a: epochs_to_reach(h, target) for a, h in histories.items()}
    relu, tanh = epochs["relu"], epochs["tanh"]
    lower_bound = relu is not None and tanh is None
    speedup = epochs_speedup(relu, tanh, max_epochs)
    return Fig1Result(
        regime, seed, target, max_epochs, rates, histories, epochs, speedup, lower_bound
    )


def epochs_speedup(relu: int | None, tanh: int | None, max_epochs: int) -> float | None:
    """Return tanh epochs / ReLU epochs to a target: Fig. 1's speed-up.

    A tanh net that never got there counts as ``max_epochs`` (so the value is a lower bound); a
    ReLU net that never got there gives None.
    """
    return None if relu is None else (tanh or max_epochs) / relu


def summarise(results: list[Fig1Result]) -> dict[str, float]:
    """Return the median, minimum and maximum speed-up over seeds (None counts as 0)."""
    if not results:
        raise ValueError("results must hold at least one Fig1Result, got none")
    values = [r.speedup or 0.0 for r in results]
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def lr_grid(
    regime: str, activation: str, *, seed: int = 0, max_epochs: int = 12,
    learning_rates: tuple[float, ...] = LEARNING_RATES, num_train: int = 2000,
    grey: bool = False, short_side: int = SHORT_SIDE, device=None,
) -> dict[float, dict[str, float | int | None]]:  # fmt: skip
    """Return {lr: {"epochs": to TARGET or None, "epochs_run", "error": the last, "curve"}}.

    ``curve`` is the run's on-the-fly training error per epoch (Fig. 1's y axis), rounded.

    A run stops once it can no longer beat the best so far (it has used as many epochs as
    the fastest run without reaching the target), so the grid costs little more than its
    fastest run per rate. The best rate is the fewest epochs, ties broken by lower error.
    """
    data = regime_data(
        regime, num_train=num_train, seed=seed, grey=grey, short_side=short_side
    )
    results: dict[float, dict[str, float | int | None]] = {}
    budget = max_epochs
    # middle rates first: the fastest run is found early and prunes the rest
    order = sorted(learning_rates, key=lambda lr: abs(math.log10(lr) + 2.25))
    for lr in order:
        history = train_one(regime, activation, lr, data, seed=seed, max_epochs=budget,
                            device=device)  # fmt: skip
        reached = epochs_to_reach(history, TARGET)
        results[lr] = {
            "epochs": reached, "epochs_run": len(history),
            "error": round(history.train_error[-1], 4),
            "curve": [round(e, 4) for e in history.train_error],
        }  # fmt: skip
        if reached is not None:
            budget = min(budget, reached)
    return dict(sorted(results.items()))


def best_rate(grid: dict[float, dict[str, float | int | None]]) -> float:
    """Return the grid's best learning rate: fewest epochs to the target, then lowest error."""

    def score(item):
        epochs = item[1]["epochs"]
        return (float("inf") if epochs is None else epochs, item[1]["error"])

    return min(grid.items(), key=score)[0]


def size_table(
    num_train: int, seeds: list[int], *, regime: str = "paper", max_epochs: int = 6,
    learning_rates: tuple[float, ...] = LEARNING_RATES, grey: bool = False,
    short_side: int = SHORT_SIDE,
) -> dict:  # fmt: skip
    """Return, per seed, each net's best rate and epochs on ``num_train`` patches, and the speed-up.

    ``grey`` trains on the patches' luminance only (see :func:`regime_data`).

    Every seed gets its own grid (:func:`lr_grid`) for both nets, so each runs at its best rate
    for that training set, as §3.1 chose them. A net that never reaches the target counts as
    ``max_epochs`` (a lower bound on the speed-up when it is the tanh net).
    """
    table: dict[str, dict] = {}
    for seed in seeds:
        row: dict[str, object] = {}
        for activation in ACTIVATIONS:
            grid = lr_grid(regime, activation, seed=seed, max_epochs=max_epochs,
                           learning_rates=learning_rates, num_train=num_train,
                           grey=grey, short_side=short_side)  # fmt: skip
            best = best_rate(grid)
            row[activation] = {"lr": best, **grid[best]}
        relu, tanh = row["relu"]["epochs"], row["tanh"]["epochs"]
        row["speedup"] = epochs_speedup(relu, tanh, max_epochs)
        print(regime, num_train, seed, row, flush=True)
        table[str(seed)] = row
    return table


def record_results(record: dict) -> list[Fig1Result]:
    """Return a committed :func:`size_table` record as one :class:`Fig1Result` per seed.

    Each net's History holds the training-error curve of its best rate, so that
    :func:`~alexnet_core.viz.fig1_figure` draws the record as the paper draws Fig. 1. Records
    written before the curves were kept (no ``"curve"`` field) raise a ValueError.
    """
    results = []
    for seed, row in record["results"].items():
        if any("curve" not in row[a] for a in ACTIVATIONS):
            raise ValueError(
                f"record must keep each net's training curve ('curve'), seed {seed} has none"
            )
        histories = {
            a: History(epoch=list(range(1, len(row[a]["curve"]) + 1)),
                       train_error=list(row[a]["curve"]))
            for a in ACTIVATIONS
        }  # fmt: skip
        results.append(Fig1Result(
            record.get("regime", "paper"), int(seed), record.get("target", TARGET),
            record["max_epochs"],
            {a: row[a]["lr"] for a in ACTIVATIONS}, histories,
            {a: row[a]["epochs"] for a in ACTIVATIONS}, row["speedup"],
            row["relu"]["epochs"] is not None and row["tanh"]["epochs"] is None,
        ))  # fmt: skip
    return results


def size_report(record: dict) -> str:
    """Return a committed :func:`size_table` record as text: each net's best rate, epochs, error.

    "error" is the on-the-fly training error of the epoch the net reached the target in (or of
    its last epoch); "≥" marks a speed-up bounded because the tanh net never got there.
    """
    colour = "luminance only" if record.get("grey") else "colour"
    runs = record.get("parts", [record])  # a merged record: the run behind each seed
    lines = [
        *(f"{r['command']} | {r['hardware']} | {r['seconds']} s" for r in runs),
        f"{record['num_train']:,} patches ({colour}"
        + (f", photos at {record['short_side']} px" if "short_side" in record else "")
        + f"), {record.get('regime', 'paper')} regime, at most {record['max_epochs']} epochs, "
        "each net at its own best rate",
        "seed |   ReLU: lr  epochs  error |   tanh: lr  epochs  error | speed-up",
    ]
    for seed, row in record["results"].items():
        nets = " | ".join(
            f"{r['lr']:>10g}  {r['epochs'] or '—':>6}  {r['error']:.3f}"
            for r in (row["relu"], row["tanh"])
        )
        bound = "≥" if row["tanh"]["epochs"] is None else " "
        speedup = "—" if row["speedup"] is None else f"{bound}{row['speedup']:.2f}×"
        lines.append(f"{seed:>4} | {nets} | {speedup}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Measure the rate grid (``grid``), speed-ups over seeds (``seeds``) or other data (``size``).

    The command line lives in :mod:`~alexnet_core.lab.relu_speed_cli`; ``python -m
    alexnet_core.lab.relu_speed --help`` lists its options.
    """
    from .relu_speed_cli import main as cli_main

    cli_main(argv)


if __name__ == "__main__":
    main()
