"""Tests for alexnet_core.overfitting: clean training error next to test error, per epoch (§4).

References: alexnet_core.train.evaluate on the trained model (the last clean entry must equal it),
alexnet_core.experiments.compare (same seeding gives the same histories), and a hand-built list for
first_epoch_at_or_below.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from alexnet_core.experiments import compare
from alexnet_core.overfitting import FitRecord, compare_fits, first_epoch_at_or_below, train_tracking_fit
from alexnet_core import TrainConfig, evaluate

CONFIG = TrainConfig(epochs=3, batch_size=16, lr=0.05, schedule="constant", progress=False)


pytestmark = pytest.mark.usefixtures("one_thread_module")  # tests/conftest.py


def toy_data(n=64, seed=1):
    generator = torch.Generator().manual_seed(seed)
    images = torch.randn(n, 3, 4, 4, generator=generator)
    teacher = torch.randn(3, 48, generator=generator)
    return TensorDataset(images, (images.flatten(1) @ teacher.T).argmax(1))


def net():
    return nn.Sequential(nn.Flatten(), nn.Linear(48, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 3))


def test_record_has_one_clean_entry_per_epoch_and_the_last_matches_evaluate():
    torch.manual_seed(0)
    model = net()
    train_set, test_set = toy_data(), toy_data(32, seed=2)
    record = train_tracking_fit(model, train_set, test_set, CONFIG)
    assert isinstance(record, FitRecord)
    assert len(record.clean_train_error) == len(record.clean_train_loss) == len(record.history) == 3
    loss, error = evaluate(model, train_set)
    assert record.clean_train_loss[-1] == pytest.approx(loss) and record.clean_train_error[-1] == pytest.approx(error)
    assert record.gap == pytest.approx([t - c for t, c in zip(record.history.test_error, record.clean_train_error)])
    assert set(record.as_dict()) >= {"epoch", "train_error", "test_error", "clean_train_error", "clean_train_loss"}
    assert model.training  # train's flags restored
    assert record.model is model


def test_tracking_does_not_change_the_training_run():
    train_set, test_set = toy_data(), toy_data(32, seed=2)
    fits = compare_fits({"a": net}, train_set, test_set, CONFIG)
    plain = compare({"a": net}, train_set, test_set, CONFIG)
    assert fits["a"].history.train_loss == pytest.approx(plain["a"].train_loss, rel=1e-6)
    assert fits["a"].history.test_error == plain["a"].test_error


def test_gap_needs_test_data():
    record = compare_fits({"a": net}, toy_data(), None, CONFIG)["a"]
    with pytest.raises(ValueError, match="gap needs a test error"):
        record.gap


def test_first_epoch_at_or_below():
    assert first_epoch_at_or_below([0.9, 0.5, 0.2, 0.1], 0.2) == 3
    assert first_epoch_at_or_below([0.9, 0.5], 0.1) is None
    assert first_epoch_at_or_below([0.0], 0.0) == 1


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: compare_fits({}, toy_data()), ValueError, "builders must be a non-empty dict"),
        (lambda: compare_fits({"a": 3}, toy_data(), None, CONFIG), TypeError, r"builders\['a'\] must be a function"),
        (lambda: compare_fits({"a": net}, toy_data(), None, {"epochs": 1}), TypeError, "config must be a TrainConfig"),
        (lambda: first_epoch_at_or_below([0.5], -1.0), ValueError, "threshold must be a finite number >= 0"),
        (lambda: first_epoch_at_or_below("abc", 0.1), TypeError, "values must be a sequence"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_fit_curves_draws_train_and_test_per_run():
    import matplotlib.pyplot as plt

    from alexnet_core.viz import fit_curves

    records = compare_fits({"a": net, "b": net}, toy_data(), toy_data(32, seed=2), CONFIG)
    figure = fit_curves(records, metric="loss")
    assert len(figure.axes[0].lines) == 4
    plt.close(figure)
    with pytest.raises(ValueError, match="metric must be 'error' or 'loss'"):
        fit_curves(records, metric="accuracy")
