"""Runs the marimo notebook (notebooks/alexnet.py) on the quick configuration and checks what it computed."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alexnet_core import PAPER_CONNECTED, split_costs

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "alexnet.py"


@pytest.fixture(scope="module")
def run():
    os.environ.setdefault("MARIMO_SKIP_UPDATE_CHECK", "1")
    spec = importlib.util.spec_from_file_location("alexnet_marimo", NOTEBOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    outputs, defs = module.app.run()
    return outputs, defs


def test_architecture_section(run):
    _, defs = run
    assert defs["architecture_table"].parameters == 60_965_224  # the default: paper, 224
    assert defs["architecture_table"][0].output_shape == (96, 55, 55)


def test_relu_section_trains_both_nets(run):
    _, defs = run
    histories = defs["relu_histories"]
    assert set(histories) == {"ReLU", "tanh"}
    assert all(len(h) == 6 for h in histories.values())
    assert histories["ReLU"].train_error[-1] < histories["ReLU"].train_error[0]


def test_lrn_section_uses_the_package(run):
    _, defs = run
    import alexnet_core as anc

    expected = anc.local_response_norm(defs["conv1_relu"], 5, 1e-4, 0.75, 2.0, convention="paper")
    assert defs["normalised"].shape == (1, 96, 55, 55)
    assert (defs["normalised"] - expected).abs().max().item() == 0.0


def test_dropout_section_agrees_in_expectation(run):
    _, defs = run
    summary = defs["dropout_summary"]
    assert summary["paper, test (×(1−p))"] == pytest.approx(0.5)
    assert summary["inverted, test (identity)"] == pytest.approx(1.0)
    assert summary["paper, training (mean)"] == pytest.approx(0.5, abs=0.1)
    assert summary["inverted, training (mean)"] == pytest.approx(1.0, abs=0.2)


def test_augmentation_and_filters_and_split(run):
    _, defs = run
    assert defs["augmented"].shape == (1, 3, 224, 224)
    assert defs["towers_model"].named_layer("conv1").weight.shape == (96, 3, 5, 5)
    assert defs["measured_bytes"] == split_costs(PAPER_CONNECTED).bytes_per_image
    assert defs["costs"].parameters == 60_965_224


def test_marimo_check_passes():
    result = subprocess.run([sys.executable, "-m", "marimo", "check", "--strict", str(NOTEBOOK)], capture_output=True, text=True,
                            env={**os.environ, "MARIMO_SKIP_UPDATE_CHECK": "1"}, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
