"""Tests for alexnet_core.tensorboard_log: the event file read back with TensorBoard's own reader."""

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from alexnet_core import TrainConfig, train
from alexnet_core.tensorboard_log import SCALARS, TensorBoardLog

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def _data(seed):
    g = torch.Generator().manual_seed(seed)
    images = torch.randn(32, 3, 4, 4, generator=g)
    return TensorDataset(images, (images.flatten(1)[:, 0] > 0).long())


def _read(folder):
    reader = event_accumulator.EventAccumulator(str(folder))
    reader.Reload()
    return reader


def test_every_epoch_s_scalars_are_in_the_event_file(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(48, 2))
    log = TensorBoardLog(tmp_path / "tb")
    history = train(model, _data(0), _data(1), TrainConfig(epochs=3, batch_size=8, progress=False), callback=log)
    log.close()
    reader = _read(tmp_path / "tb")
    assert sorted(reader.Tags()["scalars"]) == sorted(SCALARS)
    for tag, field in SCALARS.items():
        events = reader.Scalars(tag)
        assert [event.step for event in events] == [1, 2, 3]
        # the event file stores float32
        torch.testing.assert_close(
            torch.tensor([event.value for event in events]), torch.tensor(getattr(history, field)), rtol=1e-6, atol=0
        )


def test_without_test_data_or_write_it_leaves_out_what_it_cannot_write(tmp_path):
    model = nn.Sequential(nn.Flatten(), nn.Linear(48, 2))
    log = TensorBoardLog(tmp_path / "tb")
    train(model, _data(0), None, TrainConfig(epochs=1, batch_size=8, progress=False), callback=log)
    log.close()
    assert sorted(_read(tmp_path / "tb").Tags()["scalars"]) == sorted(
        tag for tag in SCALARS if not tag.endswith("/test")
    )
    silent = TensorBoardLog(tmp_path / "none", write=False)
    train(model, _data(0), None, TrainConfig(epochs=1, batch_size=8, progress=False), callback=silent)
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize(
    "args, message",
    [((3,), "log_dir must be a str or os.PathLike, got 3"), (("x",), None)],
)
def test_bad_arguments_are_named(args, message):
    if message is None:
        with pytest.raises(TypeError, match="write must be True or False, got 'yes'"):
            TensorBoardLog(*args, write="yes")
        return
    with pytest.raises(TypeError, match=message):
        TensorBoardLog(*args)
