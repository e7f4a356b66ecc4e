"""Tests for alexnet_core.experiments: fair comparisons and learning-rate sweeps."""

import pytest
import torch
from torch import nn

from alexnet_core.experiments import best_history, compare, lr_sweep, quick_data
from alexnet_core import History, TrainConfig


def tiny():
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10))


@pytest.fixture(scope="module")
def data():
    return quick_data(200, 100, seed=1)


def test_quick_data_is_the_offline_set(data):
    train_set, test_set = data
    assert len(train_set) == 200 and len(test_set) == 100
    image, label = train_set[0]
    assert image.shape == (3, 32, 32) and 0 <= label < 10


def test_compare_same_builder_same_seed_gives_identical_runs(data):
    config = TrainConfig(epochs=2, batch_size=50, progress=False, schedule="constant")
    runs = compare({"a": tiny, "b": tiny}, *data, config)
    assert runs["a"].as_dict()["train_loss"] == runs["b"].as_dict()["train_loss"]
    assert runs["a"].test_error[-1] is not None


def test_compare_per_label_configs(data):
    config = TrainConfig(epochs=1, batch_size=50, progress=False, schedule="constant")
    runs = compare({"slow": tiny, "fast": tiny}, data[0], None, config, configs={"fast": TrainConfig(epochs=1, batch_size=50, lr=0.1, progress=False, schedule="constant")})
    assert runs["slow"].lr == [0.01] and runs["fast"].lr == [0.1]


def test_best_history_prefers_the_earliest_to_reach_the_target():
    def history(errors):
        return History.from_dict({"epoch": list(range(1, len(errors) + 1)), "train_loss": errors, "train_error": errors,
                                  "test_loss": [None] * len(errors), "test_error": [None] * len(errors),
                                  "lr": [0.1] * len(errors), "seconds": [1.0] * len(errors), "images_per_second": [1.0] * len(errors)})
    runs = {0.1: history([0.5, 0.3, 0.2]), 0.01: history([0.4, 0.2, 0.1]), 0.001: history([0.9, 0.8, 0.7])}
    assert best_history(runs, target=0.25) == 0.01
    assert best_history({0.1: history([0.5]), 0.2: history([0.4])}, target=0.25) == 0.2  # nobody reached it


def test_lr_sweep_returns_one_run_per_rate(data):
    best, runs = lr_sweep(tiny, [0.001, 0.01], data[0], TrainConfig(epochs=1, batch_size=50, progress=False, schedule="constant"))
    assert set(runs) == {0.001, 0.01}
    assert best == best_history(runs, target=0.25)  # the rule tested above picks it
    assert runs[0.001].lr == [0.001] and runs[0.01].lr == [0.01]  # each run at its rate
    assert runs[0.001].train_loss != runs[0.01].train_loss


def test_errors(data):
    with pytest.raises(ValueError, match="builders must be a non-empty dict"):
        compare({}, data[0])
    with pytest.raises(TypeError, match=r"builders\['a'\] must be a function"):
        compare({"a": 3}, data[0], config=TrainConfig(epochs=1, progress=False))
    with pytest.raises(ValueError, match="configs has labels"):
        compare({"a": tiny}, data[0], configs={"b": TrainConfig()})
    with pytest.raises(ValueError, match="learning_rates must list at least one"):
        lr_sweep(tiny, [], data[0])
    with pytest.raises(ValueError, match=r"learning_rates\[i\] must be a finite number > 0"):
        lr_sweep(tiny, [-1.0], data[0])
    with pytest.raises(ValueError, match="num_train must be a positive int"):
        quick_data(0)
