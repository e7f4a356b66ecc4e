"""The command line of :mod:`~alexnet_core.lab.relu_speed`: Fig. 1's committed measurements.

``python -m alexnet_core.lab.relu_speed grid`` measures the learning-rate grid of every regime
(``book/data/fig1_grid.json``), ``seeds`` the speed-ups over seeds at the grid's best rates, and
``size`` each net's own best rate and epochs per seed on other data (more patches, luminance only,
larger photos). Each writes a record with its command, seeds and hardware (:mod:`.records`).
"""

from __future__ import annotations

from .._checks import check_choice
from ..natural import SHORT_SIDE
from .relu_speed import (
    ACTIVATIONS,
    LEARNING_RATES,
    REGIMES,
    TARGET,
    best_rate,
    fig1,
    lr_grid,
    size_table,
    summarise,
)

__all__ = ["main"]


def _seeds_table(regimes: list[str], seeds: list[int]) -> dict:
    table = {}
    for regime in regimes:
        runs = [fig1(regime, seed) for seed in seeds]
        for result in runs:
            print(regime, result.seed, result.epochs, result.speedup, flush=True)
        table[regime] = {
            "learning_rates": runs[0].learning_rates,
            "epochs": {str(r.seed): r.epochs for r in runs},
            "speedup": {str(r.seed): r.speedup for r in runs},
            "lower_bound": {str(r.seed): r.lower_bound for r in runs},
            "summary": summarise(runs),
        }
    return table


def _grid_table(regimes: list[str], seed: int) -> dict:
    table = {}
    for regime in regimes:
        for activation in ACTIVATIONS:
            grid = lr_grid(regime, activation, seed=seed)
            best = best_rate(grid)
            table[f"{regime}/{activation}"] = {
                "best": best, "runs": {f"{lr:g}": v for lr, v in grid.items()},
            }  # fmt: skip
            print(regime, activation, "best", best, grid, flush=True)
    return table


def _parser():
    import argparse

    parser = argparse.ArgumentParser(prog="python -m alexnet_core.lab.relu_speed")
    parser.add_argument(
        "what", nargs="?", default="grid", choices=("grid", "seeds", "size")
    )
    parser.add_argument(
        "--output", default=None, help="default book/data/fig1_<what>.json"
    )
    parser.add_argument("--seeds", default="0", help="comma-separated, e.g. 0,1,2")
    parser.add_argument("--regimes", default=",".join(REGIMES))
    parser.add_argument(
        "--num-train", type=int, default=20000, help="size: training patches"
    )
    parser.add_argument(
        "--max-epochs", type=int, default=6, help="size: epochs at most"
    )
    parser.add_argument("--grey", action="store_true", help="size: luminance only")
    parser.add_argument(
        "--rates", default=None, help="size: comma-separated (the grid)"
    )
    parser.add_argument(
        "--short-side", type=int, default=SHORT_SIDE, help="size: the photos' side"
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    """Measure the rate grid (``grid``), speed-ups over seeds (``seeds``) or other data (``size``)."""
    import time

    from .records import parse_rates, run_record, write_record

    parser = _parser()
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    regimes = [
        check_choice(r, "--regimes", tuple(REGIMES)) for r in args.regimes.split(",")
    ]
    start = time.time()
    fields: dict = {"num_train": 2000, "max_epochs": 12}
    if args.what == "grid":
        fields["grid"] = _grid_table(regimes, seeds[0])
    elif args.what == "seeds":
        fields["results"] = _seeds_table(regimes, seeds)
    else:
        rates = (
            LEARNING_RATES if args.rates is None else parse_rates(parser, args.rates)
        )
        fields = {"num_train": args.num_train, "max_epochs": args.max_epochs,
                  "grey": args.grey, "learning_rates": list(rates)}  # fmt: skip
        if args.short_side != SHORT_SIDE:
            fields["short_side"] = args.short_side
        if regimes[0] != "paper":  # records without the field are the paper regime's
            fields["regime"] = regimes[0]
        fields["results"] = size_table(
            args.num_train, seeds, regime=regimes[0], max_epochs=args.max_epochs,
            grey=args.grey, learning_rates=rates, short_side=args.short_side,
        )  # fmt: skip
    record = run_record(
        "alexnet_core.lab.relu_speed", argv, seeds=seeds, start=start, target=TARGET,
        **fields,
    )  # fmt: skip
    write_record(record, args.output or f"book/data/fig1_{args.what}.json")
