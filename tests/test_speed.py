"""Tests for alexnet_core.speed: interleaved median timing and the §4.1 augmentation timing."""

import pytest
import time

import torch

from alexnet_core.speed import AugmentationTiming, hardware_summary, median_seconds, time_augmentation


def test_median_seconds_runs_each_function_warmup_plus_rounds_times():
    calls = {"a": 0, "b": 0}

    def count(name, sleep=0.0):
        def function():
            calls[name] += 1
            time.sleep(sleep)
        return function

    seconds = median_seconds({"a": count("a", 0.02), "b": count("b")}, rounds=3, warmup=2)
    assert set(seconds) == {"a", "b"}
    assert seconds["a"] >= 0.02 > seconds["b"]  # each time is its own function's
    assert calls == {"a": 5, "b": 5}


def test_median_is_robust_to_one_slow_round():
    import time

    state = {"n": 0}

    def sometimes_slow():
        state["n"] += 1
        time.sleep(0.2 if state["n"] == 2 else 0.0)

    assert median_seconds({"f": sometimes_slow}, rounds=5, warmup=0)["f"] < 0.1


def test_time_augmentation_reports_both_methods():
    images = torch.rand(6, 3, 40, 40, generator=torch.Generator().manual_seed(0))
    timing = time_augmentation(images, 32, rounds=1)
    assert isinstance(timing, AugmentationTiming)
    assert set(timing.seconds) == {"augment_batch", "torchvision v2 per image"}
    assert timing.batch_size == 6 and timing.image_size == (40, 40) and timing.crop_size == 32
    assert timing.speedup() == pytest.approx(timing.seconds["torchvision v2 per image"] / timing.seconds["augment_batch"])
    rates = timing.images_per_second()
    assert rates["augment_batch"] == pytest.approx(6 / timing.seconds["augment_batch"])
    assert "images/s" in str(timing) and "40×40 → 32×32" in str(timing)


def test_hardware_summary_names_torch():
    assert f"torch {torch.__version__}" in hardware_summary()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: median_seconds({}), ValueError, "functions must be a non-empty dict"),
        (lambda: median_seconds({"f": 3}), TypeError, r"functions\['f'\] must be callable"),
        (lambda: median_seconds({"f": lambda: None}, rounds=0), ValueError, "rounds must be a positive int"),
        (lambda: time_augmentation(torch.rand(2, 3, 8, 8), 16), ValueError, "crop_size must be <="),
        (lambda: time_augmentation(torch.rand(2, 1, 8, 8), 4), ValueError, "3 \\(RGB\\) channels"),
        (lambda: time_augmentation(torch.rand(2, 3, 8, 8), 4, eigvals=torch.ones(3)), ValueError, "together"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
