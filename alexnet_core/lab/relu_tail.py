"""Fig. 1 past its 25% line: ReLU against tanh at lower training-error targets (§3.1).

Fig. 1 measures the epochs to 25% training error. On CIFAR-10 that point lies late in the training of the
paper's four-layer net; on the book's photo patches both nets pass it within a few epochs
(:mod:`alexnet_core.lab.relu_speed`). This module asks where in training the two activations part.
It trains each net at every rate of :data:`~alexnet_core.lab.relu_speed.LEARNING_RATES` for the whole
``max_epochs``, with no early stop. Then, for each target in :data:`TARGETS`, it takes each net's fewest
epochs over the rates (each net at its own best rate for that target, as §3.1 chose them). The
speed-up is tanh epochs / ReLU epochs, a lower bound when tanh never gets there.
"""

from __future__ import annotations

import statistics

from .._checks import check_int
from .overfitting import first_epoch_at_or_below
from .relu_speed import (
    ACTIVATIONS,
    LEARNING_RATES,
    epochs_speedup,
    regime_data,
    train_one,
)

__all__ = ["TARGETS", "curves", "speedups", "report", "main"]

TARGETS = (0.25, 0.15, 0.10, 0.05, 0.02)


def curves(
    regime: str = "paper", seed: int = 0, *, max_epochs: int = 20,
    learning_rates: tuple[float, ...] = LEARNING_RATES, grey: bool = False, device=None,
) -> dict[str, dict[float, list[float]]]:  # fmt: skip
    """Return {activation: {lr: training error per epoch}}, every run ``max_epochs`` long.

    ``grey`` trains on luminance-only patches (:func:`~alexnet_core.lab.relu_speed.regime_data`).
    """
    check_int(max_epochs, "max_epochs")
    data = regime_data(regime, seed=seed, grey=grey)
    runs: dict[str, dict[float, list[float]]] = {}
    for activation in ACTIVATIONS:
        runs[activation] = {}
        for lr in learning_rates:
            history = train_one(regime, activation, lr, data, seed=seed,
                                max_epochs=max_epochs, target=0.0, device=device)  # fmt: skip
            runs[activation][lr] = [round(e, 4) for e in history.train_error]
    return runs


def _fewest(
    runs: dict[float, list[float]], target: float
) -> tuple[int | None, float | None]:
    reached = [
        (first_epoch_at_or_below(errors, target), lr) for lr, errors in runs.items()
    ]
    reached = [(epochs, lr) for epochs, lr in reached if epochs is not None]
    return min(reached) if reached else (None, None)


def speedups(
    runs: dict[str, dict[float, list[float]]], targets: tuple[float, ...] = TARGETS
) -> dict[float, dict]:
    """Return {target: {"epochs", "rates", "speedup", "lower_bound"}} from :func:`curves`."""
    epochs_run = max(len(errors) for errors in runs["tanh"].values())
    table = {}
    for target in targets:
        best = {a: _fewest(runs[a], target) for a in ACTIVATIONS}
        relu, tanh = best["relu"][0], best["tanh"][0]
        table[target] = {
            "epochs": {a: best[a][0] for a in ACTIVATIONS},
            "rates": {a: best[a][1] for a in ACTIVATIONS},
            "speedup": epochs_speedup(relu, tanh, epochs_run),
            "lower_bound": relu is not None and tanh is None,
        }
    return table


def report(record: dict) -> str:
    """Return a committed tail record as text: its command, then per target the ReLU/tanh epochs
    of every seed ("—": not reached) and the median speed-up ("≥": a lower bound on some seed)."""
    seeds = record["seeds"]
    lines = [
        f"{record['command']} | {record['hardware']} | {record['seconds']} s",
        f"training error   ReLU/tanh epochs, seeds {', '.join(map(str, seeds))} "
        f"(—: not in {record['max_epochs']})   median speed-up",
    ]
    for target, median in record["median_speedup"].items():
        rows = [record["results"][str(s)][target] for s in seeds]
        pairs = "  ".join(
            f"{r['epochs']['relu'] or '—'}/{r['epochs']['tanh'] or '—'}" for r in rows
        )
        bound = "≥" if any(r["lower_bound"] for r in rows) else " "
        lines.append(f"{float(target):>14.0%}   {pairs:38s} {bound}{median:.2f}×")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Measure :func:`speedups` over seeds and write them as JSON (``book/data/fig1_tail.json``)."""
    import argparse
    import time

    from .records import parse_rates, run_record, write_record

    parser = argparse.ArgumentParser(prog="python -m alexnet_core.lab.relu_tail")
    parser.add_argument("--regime", default="paper")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--output", default="book/data/fig1_tail.json")
    parser.add_argument("--grey", action="store_true", help="luminance-only patches")
    parser.add_argument(
        "--rates", default=None, help="comma-separated (default: the grid)"
    )
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    rates = LEARNING_RATES if args.rates is None else parse_rates(parser, args.rates)
    start = time.time()
    results = {}
    for seed in seeds:
        runs = curves(args.regime, seed, max_epochs=args.epochs, learning_rates=rates,
                      grey=args.grey)  # fmt: skip
        table = speedups(runs)
        results[str(seed)] = {f"{t:g}": row for t, row in table.items()}
        print(seed, {t: row["speedup"] for t, row in table.items()}, flush=True)
    medians = {
        f"{t:g}": statistics.median(results[str(s)][f"{t:g}"]["speedup"] or 0.0 for s in seeds)
        for t in TARGETS
    }  # fmt: skip
    record = run_record(
        "alexnet_core.lab.relu_tail", argv, seeds=seeds, start=start, regime=args.regime,
        max_epochs=args.epochs, targets=list(TARGETS), results=results,
        median_speedup=medians, grey=args.grey, learning_rates=list(rates),
    )  # fmt: skip
    write_record(record, args.output)


if __name__ == "__main__":
    main()
