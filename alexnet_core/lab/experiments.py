"""Small, repeatable experiments the chapters run: ablations and learning-rate sweeps (§3–§4).

Each experiment trains freshly built models from the same seed on the same data, so the only
difference between two runs is the switch being compared. The quick defaults use the offline data
at 32×32 and finish in seconds on a CPU; the chapters' ``FULL_SCALE`` switch passes bigger data.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Mapping, Sequence

import torch
from torch import nn

from .._checks import check_int, check_positive_float
from ..history import History, epochs_to_reach
from ..recipe import TrainConfig
from ..shapes import OfflineShapes
from ..train import train

__all__ = [
    "quick_data",
    "compare",
    "lr_sweep",
    "best_history",
    "over_seeds",
    "check_builders",
]

Builder = Callable[[], nn.Module]


def quick_data(
    num_train: int = 2000,
    num_test: int = 500,
    *,
    image_size: int = 32,
    num_classes: int = 10,
    seed: int = 0,
):
    """Return (train_set, test_set) of the offline procedural images: the quick configuration."""
    check_int(num_train, "num_train")
    check_int(num_test, "num_test")
    train_set = OfflineShapes(
        num_train,
        image_size=image_size,
        num_classes=num_classes,
        seed=seed,
        split="train",
    )
    test_set = OfflineShapes(
        num_test,
        image_size=image_size,
        num_classes=num_classes,
        seed=seed,
        split="test",
    )
    return train_set, test_set


def check_builders(builders: object) -> Mapping[str, Builder]:
    """Return ``builders`` after checking it is a non-empty {label: model-building function}."""
    if not isinstance(builders, Mapping) or not builders:
        raise ValueError(
            f"builders must be a non-empty dict of label -> model-building function, "
            f"got {builders!r}"
        )
    for label, build in builders.items():
        if not callable(build):
            raise TypeError(
                f"builders[{label!r}] must be a function returning a model, "
                f"got {type(build).__name__}"
            )
    return builders


def compare(
    builders: Mapping[str, Builder],
    train_set,
    test_set=None,
    config: TrainConfig | None = None,
    *,
    configs: Mapping[str, TrainConfig] | None = None,
    device: torch.device | str | None = None,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> dict[str, History]:
    """Return {label: History} after training one fresh model per builder under the same seed.

    ``configs`` overrides ``config`` per label (e.g. each activation with its own learning rate, as
    §3.1 chose them). The global RNG is reseeded with ``config.seed`` before each model is built, so
    every run starts from an initialisation drawn the same way.
    """
    check_builders(builders)
    config = config or TrainConfig()
    configs = dict(configs or {})
    for name, value in (
        ("config", config),
        *((f"configs[{k!r}]", v) for k, v in configs.items()),
    ):
        if not isinstance(value, TrainConfig):
            raise TypeError(
                f"{name} must be a TrainConfig, got {value!r} ({type(value).__name__})"
            )
    unknown = sorted(set(configs) - set(builders))
    if unknown:
        raise ValueError(
            f"configs has labels {unknown} that are not in builders ({sorted(builders)})"
        )
    histories = {}
    for label, build in builders.items():
        run_config = configs.get(label, config)
        torch.manual_seed(run_config.seed)
        model = build()
        histories[label] = train(
            model, train_set, test_set, run_config, device=device, augment=augment
        )
    return histories


def best_history(histories: Mapping[float, History], *, target: float = 0.25) -> float:
    """Return the key (learning rate) of the run that reached ``target`` training error first.

    Ties and runs that never reach it are broken by the lowest final training error.
    """
    if not histories:
        raise ValueError("histories must hold at least one run, got none")
    check_positive_float(target, "target")

    def score(item):
        reached = epochs_to_reach(item[1], target)
        return (
            reached if reached is not None else float("inf"),
            item[1].train_error[-1],
        )

    return min(histories.items(), key=score)[0]


def lr_sweep(
    build: Builder,
    learning_rates: Sequence[float],
    train_set,
    config: TrainConfig | None = None,
    *,
    target: float = 0.25,
    device: torch.device | str | None = None,
) -> tuple[float, dict[float, History]]:
    """Return (best learning rate, {lr: History}) from training ``build()`` once per rate.

    "Best" means the fastest to reach ``target`` training error (§3.1 chose each net's learning
    rate "to make training as fast as possible"). No test set is used: this is about optimisation.
    """
    if not isinstance(learning_rates, Sequence) or isinstance(learning_rates, str):
        raise TypeError(
            f"learning_rates must be a list of rates such as [0.01, 0.03], got {learning_rates!r}"
        )
    rates = [check_positive_float(lr, "learning_rates[i]") for lr in learning_rates]
    check_positive_float(target, "target")  # before training, not after
    if not rates:
        raise ValueError("learning_rates must list at least one rate, got none")
    config = config or TrainConfig()
    runs = compare(
        {f"{lr:g}": build for lr in rates},
        train_set,
        None,
        config,
        configs={f"{lr:g}": replace(config, lr=lr) for lr in rates},
        device=device,
    )
    histories = {lr: runs[f"{lr:g}"] for lr in rates}
    return best_history(histories, target=target), histories


def over_seeds(
    results: Mapping[str, Mapping[str, float]],
    name: str,
    seeds: Sequence[int],
    key: str,
) -> tuple[float, float]:
    """Return (mean, max − min) of ``results[f"{name}, seed {s}"][key]`` over ``seeds``.

    The runs of :func:`compare` labelled ``"<setting>, seed <s>"``: how large a difference
    between settings is next to the spread that the seed alone gives.
    """
    if not seeds:
        raise ValueError("seeds must list at least one seed, got none")
    labels = [f"{name}, seed {seed}" for seed in seeds]
    missing = [label for label in labels if label not in results]
    if missing:
        raise ValueError(f"results has no run labelled {missing[0]!r}")
    values = [float(results[label][key]) for label in labels]
    return sum(values) / len(values), max(values) - min(values)
