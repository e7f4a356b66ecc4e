"""Tests for alexnet_core.initialisation: He initialisation against the formula and torch's own init."""

import math

import pytest
import torch
from torch import nn

import alexnet_core as anc
from alexnet_core.initialisation import he_init_, he_std


def test_he_std_is_sqrt_two_over_fan_in_per_group():
    assert he_std(nn.Conv2d(3, 96, 5)) == pytest.approx(math.sqrt(2 / 75))
    assert he_std(nn.Conv2d(96, 128, 5, groups=2)) == pytest.approx(math.sqrt(2 / (48 * 25)))
    assert he_std(nn.Linear(512, 256)) == pytest.approx(math.sqrt(2 / 512))
    with pytest.raises(TypeError, match="layer must be an nn.Conv2d or nn.Linear, got ReLU"):
        he_std(nn.ReLU())


def test_weights_have_the_he_scale_and_biases_are_zero():
    model = he_init_(anc.alexnet("cifar_towers", num_classes=10), generator=torch.Generator().manual_seed(0))
    for layer in model.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            assert layer.weight.std().item() == pytest.approx(he_std(layer), rel=0.15)  # >= 2560 samples per layer
            assert layer.weight.mean().abs().item() < 0.1 * he_std(layer)
            assert torch.count_nonzero(layer.bias) == 0


def test_same_distribution_as_kaiming_normal():
    ours = he_init_(nn.Linear(4000, 500), generator=torch.Generator().manual_seed(0)).weight
    theirs = nn.init.kaiming_normal_(torch.empty(500, 4000), nonlinearity="relu", generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(ours, theirs, rtol=1e-6, atol=1e-7)


def test_generator_makes_it_reproducible():
    a = he_init_(anc.fig1_net(), generator=torch.Generator().manual_seed(3)).state_dict()
    b = he_init_(anc.fig1_net(), generator=torch.Generator().manual_seed(3)).state_dict()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)


def test_signal_survives_where_the_paper_init_fades():
    """At initialisation, a He net's logits vary with the image; an N(0, 0.01²) net's barely do."""
    images = torch.rand(32, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    spread = {}
    for name, init in (("paper", lambda m: anc.paper_init_(m, generator=torch.Generator().manual_seed(0))),
                       ("he", lambda m: he_init_(m, generator=torch.Generator().manual_seed(0)))):
        model = init(anc.alexnet("cifar", num_classes=10, lrn=False, dropout=0.0)).eval()
        with torch.no_grad():
            spread[name] = model(images).std(dim=0).mean().item()  # how much the logits depend on the image
    assert spread["he"] > 1e-2 and spread["paper"] < 1e-4, spread


def test_bad_arguments():
    with pytest.raises(TypeError, match="model must be a torch.nn.Module, got str"):
        he_init_("net")
    with pytest.raises(TypeError, match="generator must be a torch.Generator or None, got int"):
        he_init_(nn.Linear(2, 2), generator=0)
