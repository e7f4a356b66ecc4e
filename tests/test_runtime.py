"""Tests for alexnet_core.runtime: eval mode that gives every module its own flag back, timing."""

import pytest
import torch
from torch import nn

from torch.testing import assert_close

from alexnet_core.runtime import (
    eval_mode,
    median_seconds,
    pick_device,
    preserved_modes,
    seed_everything,
    synchronize,
)


def _mixed() -> nn.Module:
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.BatchNorm1d(2))
    model.train()
    model[2].eval()  # a frozen BatchNorm inside a training model
    return model


def test_eval_mode_restores_each_modules_own_flag():
    model = _mixed()
    with eval_mode(model) as inside:
        assert inside is model and not any(m.training for m in model.modules())
    assert [m.training for m in model.modules()] == [True, True, True, False]
    # what model.train(was_training) would have done instead: the frozen BatchNorm thawed
    assert model.train(True)[2].training


def test_modes_come_back_even_when_the_body_raises():
    model = _mixed()
    with pytest.raises(RuntimeError, match="boom"), preserved_modes(model):
        model.eval()
        raise RuntimeError("boom")
    assert [m.training for m in model.modules()] == [True, True, True, False]


def test_eval_mode_rejects_what_is_not_a_module():
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module, got str"):
        with eval_mode("model"):
            pass


def test_median_seconds_is_the_median_of_the_rounds(monkeypatch):
    ticks = iter([0.0, 1.0, 1.0, 4.0, 4.0, 6.0])  # rounds of 1, 3 and 2 seconds
    monkeypatch.setattr("alexnet_core.runtime.time.perf_counter", lambda: next(ticks))
    assert median_seconds({"f": lambda: None}, rounds=3, warmup=0) == {"f": 2.0}
    synchronize("cpu")  # a no-op on CPU


def test_pick_device_errors_and_fallbacks(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(ValueError, match=r"device='cuda' was requested but torch.cuda.is_available\(\) is False"):
        pick_device("cuda")
    with pytest.raises(ValueError, match="device='mps' was requested"):
        pick_device("mps")
    with pytest.raises(ValueError, match="device must be None, 'auto'.*got 'tpu'"):
        pick_device("tpu")
    with pytest.raises(TypeError, match="device must be a str, torch.device or None, got 3"):
        pick_device(3)
    assert pick_device(None) == pick_device("auto") == torch.device("cpu")
    assert pick_device(torch.device("cpu")) == torch.device("cpu")


def test_pick_device_honours_explicit_cuda_index(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert pick_device(None) == torch.device("cuda")
    assert pick_device("cuda:0") == torch.device("cuda", 0)
    with pytest.raises(ValueError, match="device='cuda:1' was requested but only 1 CUDA device"):
        pick_device("cuda:1")


def test_seed_everything_seeds_torch_and_returns_a_seeded_generator():
    generator = seed_everything(7)
    first = torch.rand(3)
    assert_close(torch.rand(3, generator=generator), torch.rand(3, generator=torch.Generator().manual_seed(7)))
    seed_everything(7)
    assert_close(torch.rand(3), first, rtol=0, atol=0)
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
        seed_everything(-1)


def test_cpu_name_reads_the_model_name_from_cpuinfo(tmp_path):
    import platform

    from alexnet_core.runtime import cpu_name

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: Test\nmodel name\t: Test CPU 9000\nflags\t: fpu\n")
    assert cpu_name(str(info)) == f"Test CPU 9000 ({platform.machine()})"
    info.write_text("processor\t: 0\n")  # no model name: the machine type, never an empty name
    assert cpu_name(str(info)) == (platform.processor() or platform.machine() or "unknown")
    assert cpu_name(str(tmp_path / "missing")) == cpu_name(str(info))


def test_hardware_summary_names_the_cpu_model():
    from alexnet_core.runtime import cpu_name, hardware_summary

    assert hardware_summary().startswith(f"{cpu_name()} CPU, torch ")
