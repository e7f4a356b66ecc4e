"""Tests for alexnet_core.checkpoint: weights-only files, atomic saves and clear errors."""

from __future__ import annotations

import pickle

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from alexnet_core import load_checkpoint, save_checkpoint


def test_checkpoint_round_trip_is_weights_only_loadable(tmp_path):
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 2))
    path = save_checkpoint(tmp_path / "sub" / "c.pt", model=model.state_dict(), epoch=3, note=[1.5, None])
    state = torch.load(path, weights_only=True)
    assert state["alexnet_core_checkpoint"] == 1 and state["epoch"] == 3 and state["note"] == [1.5, None]
    assert_close(load_checkpoint(path)["model"]["1.weight"], model[1].weight.detach(), rtol=0, atol=0)


def test_failing_save_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "c.pt", epoch=1)
    real_save = torch.save

    def broken_save(obj, file, *args, **kwargs):
        file.write(b"partial garbage")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, epoch=2)
    monkeypatch.setattr(torch, "save", real_save)
    assert load_checkpoint(path)["epoch"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pt"]  # no temp file left behind


def test_load_checkpoint_errors_are_clear(tmp_path):
    missing = tmp_path / "missing.pt"
    with pytest.raises(FileNotFoundError, match="missing.pt.*does not exist"):
        load_checkpoint(missing)

    good = save_checkpoint(tmp_path / "good.pt", weights=torch.arange(2000.0))
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ValueError, match="truncated.pt.*could not be read: the file is truncated"):
        load_checkpoint(truncated)
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.pt.*could not be read"):
        load_checkpoint(empty)

    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(2)}, foreign)
    with pytest.raises(ValueError, match="foreign.pt.*was not written by alexnet_core.checkpoint.save_checkpoint"):
        load_checkpoint(foreign)
    torch.save(torch.zeros(2), foreign)
    with pytest.raises(ValueError, match="was not written by"):
        load_checkpoint(foreign)


class _Arbitrary:
    """Any class not on torch's weights_only allow-list."""


def test_load_checkpoint_refuses_arbitrary_objects(tmp_path):
    evil = tmp_path / "evil.pt"
    torch.save({"alexnet_core_checkpoint": 1, "payload": _Arbitrary()}, evil)
    with pytest.raises(ValueError, match=r"evil.pt.*holds objects other than tensors.*weights_only=True.*_Arbitrary"):
        load_checkpoint(evil)
    raw = tmp_path / "raw.pkl"
    with open(raw, "wb") as file:
        pickle.dump({"payload": _Arbitrary()}, file, protocol=2)
    with pytest.raises(ValueError, match="raw.pkl.*holds objects other than tensors"):
        load_checkpoint(raw)
