"""Tests for alexnet_core.model: the variants against the paper's counts and torchvision's model."""

import pytest
import torch
import torchvision
from torch import nn

from alexnet_core.lrn import LocalResponseNorm
from alexnet_core.model import AlexNetConfig, PaperDropout, alexnet, cifar_alexnet, count_parameters, fig1_net, paper_init_


def conv_params(out_channels, in_channels, kernel):
    return out_channels * in_channels * kernel * kernel + out_channels


def fc_params(fan_in, fan_out):
    return fan_in * fan_out + fan_out


def test_paper_parameter_count_matches_facts():
    assert count_parameters(alexnet("paper")) == 60_965_224


def test_ungrouped_parameter_count_matches_facts():
    assert count_parameters(alexnet("ungrouped")) == 62_378_344


def test_torchvision_variant_parameter_count_matches_torchvision():
    ours = count_parameters(alexnet("torchvision"))
    assert ours == 61_100_840
    assert ours == sum(p.numel() for p in torchvision.models.alexnet(weights=None).parameters())


def test_one_gpu_half_count_from_the_layer_widths():
    # §3.2 footnote: half the kernels in conv1-4, conv5 and the FC layers kept full size.
    expected = (
        conv_params(48, 3, 11) + conv_params(128, 48, 5) + conv_params(192, 128, 3)
        + conv_params(192, 192, 3) + conv_params(256, 192, 3)
        + fc_params(9216, 4096) + fc_params(4096, 4096) + fc_params(4096, 1000)
    )
    assert count_parameters(alexnet("one_gpu_half")) == expected


def test_paper_layers_grouped_where_the_paper_says():
    model = alexnet("paper")
    groups = {name: model.named_layer(name).groups for name in ("conv1", "conv2", "conv3", "conv4", "conv5")}
    assert groups == {"conv1": 1, "conv2": 2, "conv3": 1, "conv4": 2, "conv5": 2}


def test_lrn_follows_relu_and_precedes_pooling():
    kinds = [type(layer) for layer in alexnet("paper").features[:4]]
    assert kinds == [nn.Conv2d, nn.ReLU, LocalResponseNorm, nn.MaxPool2d]


@pytest.mark.parametrize("input_size", [224, 227])
def test_both_input_sizes_give_the_paper_map_sizes(input_size):
    model = alexnet("paper", input_size=input_size).eval()
    conv1 = model.features[:1](torch.zeros(1, 3, input_size, input_size))
    assert conv1.shape == (1, 96, 55, 55)
    assert model.features(torch.zeros(1, 3, input_size, input_size)).shape == (1, 256, 6, 6)
    assert model(torch.zeros(2, 3, input_size, input_size)).shape == (2, 1000)


def test_torchvision_variant_loads_torchvision_weights_and_matches():
    torch.manual_seed(0)
    reference = torchvision.models.alexnet(weights=None).eval()
    ours = alexnet("torchvision")
    ours.load_state_dict(reference.state_dict())  # strict: identical keys and shapes
    ours.eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=0, atol=0)


def test_paper_init_follows_section_5():
    torch.manual_seed(0)
    model = alexnet("paper")  # the paper variants use §5's initialisation by default
    for name in ("conv1", "conv3", "fc8"):
        assert torch.count_nonzero(model.named_layer(name).bias) == 0
    for name in ("conv2", "conv4", "conv5", "fc6", "fc7"):
        assert torch.all(model.named_layer(name).bias == 1)
    std = model.named_layer("fc6").weight.std().item()
    assert abs(std - 0.01) < 2e-4


def test_paper_init_is_reproducible_with_a_generator():
    a = paper_init_(alexnet("cifar"), generator=torch.Generator().manual_seed(3))
    b = paper_init_(alexnet("cifar"), generator=torch.Generator().manual_seed(3))
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


def test_overlapping_and_plain_pooling_give_the_same_sizes():
    for variant, size in (("paper", 224), ("cifar", 32)):
        overlapping = alexnet(variant, num_classes=10, overlapping_pool=True).features
        plain = alexnet(variant, num_classes=10, overlapping_pool=False).features
        x = torch.zeros(1, 3, size, size)
        assert overlapping(x).shape == plain(x).shape


def test_switches_change_the_layers():
    model = alexnet("paper", activation="tanh", lrn=False, dropout=0.3, dropout_mode="paper")
    kinds = {type(layer) for layer in model.modules()}
    assert nn.Tanh in kinds and nn.ReLU not in kinds
    assert LocalResponseNorm not in kinds
    drops = [layer for layer in model.modules() if isinstance(layer, PaperDropout)]
    assert len(drops) == 2 and all(d.p == 0.3 for d in drops)


def test_paper_dropout_sits_after_fc6_and_fc7():
    kinds = [type(layer).__name__ for layer in alexnet("paper").classifier]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]


def test_paper_dropout_scales_at_test_time_and_not_while_training():
    drop = PaperDropout(0.5)
    x = torch.ones(10_000)
    torch.manual_seed(0)
    trained = drop.train()(x)
    assert set(trained.unique().tolist()) <= {0.0, 1.0}
    assert abs(trained.mean().item() - 0.5) < 0.02
    torch.testing.assert_close(drop.eval()(x), x * 0.5)


def test_paper_and_inverted_dropout_agree_in_expectation():
    torch.manual_seed(0)
    x = torch.rand(200_000) + 0.5
    paper_train, inverted_train = PaperDropout(0.5).train()(x), nn.Dropout(0.5).train()(x)
    paper_test, inverted_test = PaperDropout(0.5).eval()(x), nn.Dropout(0.5).eval()(x)
    # the ratio test/train expectation is 1 in both conventions
    assert abs(paper_train.mean() / paper_test.mean() - 1) < 0.01
    assert abs(inverted_train.mean() / inverted_test.mean() - 1) < 0.01


def test_small_nets_run_on_32_pixel_images():
    x = torch.rand(4, 3, 32, 32)
    assert cifar_alexnet()(x).shape == (4, 10)
    relu, tanh = fig1_net("relu"), fig1_net("tanh")
    assert relu(x).shape == (4, 10) and tanh(x).shape == (4, 10)
    assert count_parameters(relu) == count_parameters(tanh)
    # Fig. 1's net has four learned layers and no regularization
    learned = [m for m in relu.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(learned) == 4
    assert not any(isinstance(m, (nn.Dropout, PaperDropout, LocalResponseNorm)) for m in relu.modules())


def test_lrn_convention_is_passed_to_the_layers():
    model = alexnet("cifar", lrn_convention="pytorch")
    lrns = [m for m in model.modules() if isinstance(m, LocalResponseNorm)]
    assert len(lrns) == 2 and all(m.convention == "pytorch" for m in lrns)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(variant="resnet"), ValueError, "variant must be one of"),
        (dict(variant="paper", input_size=200), ValueError, "input_size must be 224 or 227"),
        (dict(variant="cifar", input_size=64), ValueError, "input_size must be 32"),
        (dict(variant="paper", activation="gelu"), ValueError, "activation must be one of"),
        (dict(variant="paper", dropout=1.0), ValueError, r"dropout must be in \[0, 1\)"),
        (dict(variant="paper", dropout=-0.1), ValueError, r"dropout must be in \[0, 1\)"),
        (dict(variant="paper", num_classes=1), ValueError, "num_classes must be >= 2"),
        (dict(variant="paper", lrn_convention="caffe"), ValueError, "lrn_convention must be one of"),
        (dict(variant="paper", dropout_mode="gaussian"), ValueError, "dropout_mode must be one of"),
        (dict(variant="paper", lrn="yes"), TypeError, "lrn must be True or False"),
        (dict(variant="paper", init="xavier"), ValueError, "init must be one of"),
    ],
)
def test_bad_configs_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        AlexNetConfig(**kwargs)


def test_unknown_option_is_refused():
    with pytest.raises(TypeError, match="unknown option"):
        alexnet("paper", widht=2)


def test_wrong_input_is_refused_with_a_clear_message():
    model = alexnet("cifar")
    with pytest.raises(ValueError, match=r"x must be \(N, 3, 32, 32\)"):
        model(torch.zeros(1, 3, 64, 64))
    with pytest.raises(ValueError, match=r"shape \(N, C, H, W\)"):
        model(torch.zeros(3, 32, 32))
    with pytest.raises(ValueError, match="3 \\(RGB\\) channels"):
        model(torch.zeros(1, 1, 32, 32))
    with pytest.raises(TypeError, match="floating-point"):
        model(torch.zeros(1, 3, 32, 32, dtype=torch.uint8))
    with pytest.raises(ValueError, match="name must be one of"):
        model.named_layer("conv9")
