"""Statistics over seeds for the overfitting experiments: spreads, paired gains, reports.

:mod:`~alexnet_core.lab.regularisation` runs the experiments and re-exports these names; chapters 5
and 7 read committed records with them. A record's ``results`` hold, per arm, ``{seed: value}``
dicts (``test_error_with``, ``test_error_without``, ``test_loss_*``, ``epochs_to_converge``).
"""

from __future__ import annotations

import statistics

__all__ = ["augmentation_arms", "dropout_report", "paired_gains", "spread"]


def spread(values: list[float]) -> float:
    """Return the spread across seeds: max − min of ``values``."""
    if not values:
        raise ValueError("values must hold at least one number, got none")
    return max(values) - min(values)


def paired_gains(results: dict) -> dict[str, float | list[float]]:
    """Return what the cure did in a committed record's ``results``, seed by seed and overall.

    ``gains``: test_error_without − test_error_with per seed; ``mean`` and ``sd`` of those (sd 0 for
    one seed); ``margin``: median without − median with; ``noise``: the larger :func:`spread` of the
    two arms' errors across seeds.
    """
    with_, without = results["test_error_with"], results["test_error_without"]
    gains = [without[seed] - with_[seed] for seed in with_]
    return {
        "gains": gains,
        "mean": statistics.mean(gains),
        "sd": statistics.stdev(gains) if len(gains) > 1 else 0.0,
        "margin": statistics.median(without.values())
        - statistics.median(with_.values()),
        "noise": max(spread(list(with_.values())), spread(list(without.values()))),
    }


def dropout_report(record: dict) -> str:
    """Return a committed dropout record as text: its run, then each seed's errors and losses.

    One row per seed: final test error with / without dropout, the gain (without − with), final
    test loss with / without, and the epochs each net took to reach 5% clean training error;
    then the median of each column, the margin between the two median errors and each arm's
    :func:`spread` across seeds.
    """
    runs = record["results"]
    with_, without = runs["test_error_with"], runs["test_error_without"]
    loss_with, loss_without = runs["test_loss_with"], runs["test_loss_without"]
    converge = runs["epochs_to_converge"]
    lines = [
        f"{record['command']} | {record['hardware']} | {record['seconds']} s",
        "        test error             test loss          epochs to 5%",
        "seed    with / without  gain   with / without     with / without",
    ]
    for seed in with_:
        w, wo = with_[seed], without[seed]
        epochs = [str(e) if e else "—" for e in converge[seed].values()]
        lines.append(
            f"{seed:>4}  {w:6.1%} / {wo:<6.1%} {wo - w:+5.1%}"
            f"   {loss_with[seed]:.3f} / {loss_without[seed]:<5.3f}"
            f"     {epochs[0]:>4} / {epochs[1]}"
        )
    paired = paired_gains(runs)
    medians = [statistics.median(v) for v in (with_.values(), without.values())]
    spreads = [spread(list(v)) for v in (with_.values(), without.values())]
    lines.append(
        f"median {medians[0]:5.1%} / {medians[1]:<6.1%}"
        f"{statistics.median(paired['gains']):+5.1%}"
    )
    lines.append(
        f"the medians differ by {paired['margin']:+.1%}; spread across seeds: "
        f"with {spreads[0]:.1%}, without {spreads[1]:.1%}"
    )
    return "\n".join(lines)


def augmentation_arms(
    results: dict, lighting: str = "crops + flips + PCA lighting"
) -> dict[str, dict[str, float]]:
    """Return an augmentation record's final test errors by arm, each {seed: error}.

    The arms: "no augmentation", "crops + flips" and, named ``lighting``, crops + flips + PCA
    lighting (on luminance patches a brightness change, hence the name).
    """
    return {
        "no augmentation": results["test_error_without"],
        "crops + flips": results["test_error_with"],
        lighting: {
            s: extra["crops + flips + PCA lighting"]
            for s, extra in results["extra"].items()
        },
    }
