"""Fig. 1 past its 25% line (alexnet_core.lab.relu_tail): each net's fewest epochs per target."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
import torch

from alexnet_core.lab import relu_tail

TAIL = Path(__file__).resolve().parents[1] / "book" / "data" / "fig1_tail.json"


def test_speedups_take_each_nets_best_rate_per_target_and_bound_a_missing_tanh():
    runs = {
        "relu": {0.001: [0.5, 0.2, 0.05], 0.01: [0.3, 0.26, 0.2]},
        "tanh": {0.01: [0.4, 0.3, 0.2], 0.1: [0.2, 0.2, 0.2]},
    }
    table = relu_tail.speedups(runs, targets=(0.25, 0.05))
    assert table[0.25]["epochs"] == {"relu": 2, "tanh": 1}
    assert table[0.25]["rates"] == {"relu": 0.001, "tanh": 0.1}  # ties: the lower rate
    assert table[0.25]["speedup"] == 0.5 and not table[0.25]["lower_bound"]
    assert table[0.05]["epochs"] == {"relu": 3, "tanh": None}
    assert table[0.05]["speedup"] == 1.0 and table[0.05]["lower_bound"]  # 3 epochs run / 3


def test_curves_train_every_rate_for_the_whole_run():
    runs = relu_tail.curves("paper", 0, max_epochs=1, learning_rates=(1e-3, 3e-2))
    assert set(runs) == {"relu", "tanh"}
    assert all(len(errors) == 1 for rates in runs.values() for errors in rates.values())


def test_curves_bad_input():
    with pytest.raises(ValueError, match="max_epochs"):
        relu_tail.curves(max_epochs=0)
    with pytest.raises(ValueError, match="regime"):
        relu_tail.curves("fancy", max_epochs=1)


def test_committed_tail_file_is_consistent_with_itself():
    record = json.loads(TAIL.read_text())
    assert record["command"].startswith("python -m alexnet_core.lab.relu_tail")
    seeds = [str(s) for s in record["seeds"]]
    assert len(seeds) >= 3 and set(record["results"]) == set(seeds)
    for target in record["median_speedup"]:
        values = [record["results"][s][target]["speedup"] or 0.0 for s in seeds]
        assert record["median_speedup"][target] == pytest.approx(statistics.median(values))


def test_curves_grey_trains_on_luminance_patches(monkeypatch):
    seen = []

    def fake_train_one(regime, activation, lr, data, **options):
        seen.append(data.tensors[0])

        class History:
            train_error = [0.5]

        return History()

    monkeypatch.setattr(relu_tail, "train_one", fake_train_one)
    runs = relu_tail.curves("paper", 0, max_epochs=1, learning_rates=(1e-3,), grey=True)
    assert set(runs) == {"relu", "tanh"} and len(seen) == 2
    images = seen[0]
    assert torch.equal(images[:, 0], images[:, 1]) and torch.equal(images[:, 1], images[:, 2])
    relu_tail.curves("paper", 0, max_epochs=1, learning_rates=(1e-3,))
    assert not torch.equal(seen[-1][:, 0], seen[-1][:, 1])  # colour by default


@pytest.mark.parametrize("rates", ["1e-3,x", "1e-3,3e-3", "1e-3,0,3e-3"])
def test_cli_refuses_bad_rates(rates, capsys):
    with pytest.raises(SystemExit) as stop:
        relu_tail.main(["--rates", rates, "--seeds", "0"])
    assert stop.value.code == 2 and "--rates" in capsys.readouterr().err


def test_report_prints_every_seed_per_target_and_marks_a_bound():
    record = json.loads(TAIL.read_text())
    lines = relu_tail.report(record).splitlines()
    assert lines[0].startswith(record["command"]) and f"not in {record['max_epochs']}" in lines[1]
    assert len(lines) == 2 + len(record["median_speedup"])
    for line, (target, median) in zip(lines[2:], record["median_speedup"].items()):
        bounded = any(record["results"][str(s)][target]["lower_bound"] for s in record["seeds"])
        assert line.endswith(f"{'≥' if bounded else ' '}{median:.2f}×")
        assert line.strip().startswith(f"{float(target):.0%}")
