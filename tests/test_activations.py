"""Tests for alexnet_core.activations (§3.1, Fig. 1)."""

import math

import pytest
import torch
from torch import nn

import alexnet_core as anc
from alexnet_core import activations
from alexnet_core.history import History


def history(errors):
    h = History()
    for epoch, error in enumerate(errors, 1):
        h._append(epoch=epoch, train_loss=1.0, train_error=error, test_loss=None, test_error=None, lr=0.01,
                  seconds=1.0, images_per_second=1.0)
    return h


def test_gain_init_draws_the_stated_scale():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 256, 5), nn.ReLU(), nn.Flatten(), nn.Linear(4000, 500), nn.Linear(500, 10))
    activations.gain_init_(model, "tanh", generator=torch.Generator().manual_seed(0))
    conv, hidden, last = model[0], model[3], model[4]
    torch.testing.assert_close(conv.weight.std().item(), 5 / 3 / math.sqrt(75), rtol=0.02, atol=0)
    torch.testing.assert_close(hidden.weight.std().item(), 5 / 3 / math.sqrt(4000), rtol=0.02, atol=0)
    torch.testing.assert_close(last.weight.std().item(), 1 / math.sqrt(500), rtol=0.05, atol=0)
    assert all(float(m.bias.detach().abs().max()) == 0 for m in (conv, hidden, last))


def test_gain_init_keeps_the_relu_signal_scale():
    torch.manual_seed(0)
    layers = [nn.Linear(512, 512) for _ in range(8)] + [nn.Linear(512, 10)]
    model = nn.Sequential(*[m for layer in layers[:-1] for m in (layer, nn.ReLU())], layers[-1])
    x = torch.randn(256, 512)
    activations.gain_init_(model, "relu")
    scale_ours = model[:-1](x).pow(2).mean().sqrt().item()
    torch.manual_seed(0)
    default = nn.Sequential(*[m for _ in range(8) for m in (nn.Linear(512, 512), nn.ReLU())])
    scale_default = default(x).pow(2).mean().sqrt().item()
    assert 0.5 < scale_ours < 2.0 and scale_default < 0.05  # He init keeps it; torch's default shrinks it (to its biases)


def test_gain_init_errors():
    with pytest.raises(ValueError, match="activation"):
        activations.gain_init_(nn.Linear(2, 2), "sigmoid")
    with pytest.raises(ValueError, match="no nn.Conv2d"):
        activations.gain_init_(nn.ReLU(), "relu")
    with pytest.raises(TypeError, match="model"):
        activations.gain_init_("net", "relu")


def test_recording_builder_keeps_models_in_order():
    builder = activations.RecordingBuilder(lambda: nn.Linear(2, 2))
    a, b = builder(), builder()
    assert builder.models == [a, b] and a is not b
    with pytest.raises(TypeError, match="build"):
        activations.RecordingBuilder(3)


def test_speedup_is_tanh_epochs_over_relu_epochs():
    relu, tanh = history([0.8, 0.5, 0.24, 0.1]), history([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    assert activations.speedup(relu, tanh) == 8 / 3
    assert activations.speedup(relu, tanh, target=0.55) == 5 / 2
    assert activations.speedup(relu, history([0.9, 0.8])) is None


def test_derivative_matches_autograd():
    x = torch.linspace(-4, 4, 81, requires_grad=True)
    for name, f in (("relu", torch.relu), ("tanh", torch.tanh)):
        (grad,) = torch.autograd.grad(f(x).sum(), x)
        torch.testing.assert_close(activations.derivative(name, x.detach()), grad)


def test_saturation_counts_small_derivatives():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 4), nn.ReLU())
    with torch.no_grad():
        model[1].weight.copy_(torch.eye(4))
        model[1].bias.zero_()
        model[3].weight.copy_(torch.eye(4))
        model[3].bias.copy_(torch.tensor([-10.0, -10.0, -10.0, 10.0]))
    images = torch.tensor([0.0, 0.5, 3.0, -5.0]).view(1, 4, 1, 1).expand(2, 4, 1, 1).contiguous().view(2, 1, 2, 2)
    fractions = activations.saturation(model, images, threshold=0.1)
    assert fractions == {"2": 0.5, "4": 0.75}  # tanh: 3 and −5 saturate; ReLU: three inputs pushed below 0
    assert activations.saturation(model, images, layers=["2"]) == {"2": 0.5}
    with pytest.raises(ValueError, match="layers"):
        activations.saturation(model, images, layers=["relu9"])


def test_saturation_uses_paper_names_on_fig1_net():
    torch.manual_seed(0)
    model = activations.gain_init_(anc.fig1_net("tanh"), "tanh")
    fractions = activations.saturation(model, torch.randn(4, 3, 32, 32))
    assert list(fractions) == ["tanh1", "tanh2", "tanh3"]
    assert all(0.0 <= value <= 1.0 for value in fractions.values())
    assert model.training  # mode restored


def test_history_cache_reuses_known_runs_and_trains_others_like_lr_sweep():
    train_set, _ = anc.quick_data(64, 8)
    config = anc.TrainConfig(epochs=1, batch_size=32, weight_decay=0.0, schedule="constant", progress=False)
    build = lambda activation: activations.gain_init_(anc.fig1_net(activation), activation)  # noqa: E731
    _, swept = anc.lr_sweep(lambda: build("tanh"), [0.01], train_set, config, device="cpu")
    known = history([0.5])
    cache = activations.HistoryCache(build, train_set, config, known={"relu": {0.01: known}}, device="cpu")
    assert cache.get("relu", 0.01) is known
    fresh = cache.get("tanh", 0.01)
    assert fresh.train_error == swept[0.01].train_error and fresh.train_loss == swept[0.01].train_loss
    assert cache.get("tanh", 0.01) is fresh  # trained once
    with pytest.raises(ValueError, match="activation"):
        cache.get("sigmoid", 0.01)
    with pytest.raises(TypeError, match="config"):
        activations.HistoryCache(build, train_set, {"epochs": 1})
