"""Tests for alexnet_core.split: the two towers equal the grouped model; traffic and parameter counts."""

import pytest
import torch

from alexnet_core.model import alexnet, count_parameters
from alexnet_core.split import PAPER_CONNECTED, SPLIT_LAYERS, TwoTowerAlexNet, split_costs


@pytest.mark.parametrize("input_size", [224, 227])
def test_two_towers_equal_the_grouped_model(input_size):
    torch.manual_seed(0)
    grouped = alexnet("paper", input_size=input_size, init="pytorch").eval()
    towers = TwoTowerAlexNet.from_grouped(grouped, ("cpu", "cpu")).eval()
    x = torch.rand(2, 3, input_size, input_size)
    with torch.no_grad():
        torch.testing.assert_close(towers(x), grouped(x), rtol=1e-4, atol=1e-5)


def test_equal_without_lrn_and_with_tanh():
    torch.manual_seed(1)
    grouped = alexnet("paper", lrn=False, activation="tanh", num_classes=11, init="pytorch").eval()
    towers = TwoTowerAlexNet.from_grouped(grouped).eval()
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(towers(x), grouped(x), rtol=1e-4, atol=1e-5)


def test_same_parameter_count_as_the_paper():
    assert count_parameters(TwoTowerAlexNet()) == 60_965_224


def test_bytes_exchanged_match_the_analysis():
    towers = TwoTowerAlexNet().eval()
    with torch.no_grad():
        towers(torch.rand(3, 3, 224, 224))
    per_image = split_costs(PAPER_CONNECTED).bytes_per_image
    assert towers.bytes_exchanged == 3 * per_image
    # conv3's input (256×13×13), fc6's (9216), fc7's and fc8's (4096 each), half the scores, float32
    assert per_image == 4 * (256 * 13 * 13 + 9216 + 4096 + 4096 + 500)


def test_split_costs_parameters_match_the_built_models():
    assert split_costs(PAPER_CONNECTED).parameters == count_parameters(alexnet("paper"))
    assert split_costs(SPLIT_LAYERS).parameters == count_parameters(alexnet("ungrouped"))


def test_fewer_connections_mean_fewer_parameters_and_bytes():
    paper, fewer = split_costs(PAPER_CONNECTED), split_costs(("fc6", "fc7", "fc8"))
    assert fewer.parameters < paper.parameters and fewer.bytes_per_image < paper.bytes_per_image
    assert "conv3" not in fewer.bytes_by_layer


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA GPUs")
def test_two_gpus():
    grouped = alexnet("paper").eval()
    towers = TwoTowerAlexNet.from_grouped(grouped, ("cuda:0", "cuda:1")).eval()
    x = torch.rand(2, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(towers(x).cpu(), grouped(x), rtol=1e-3, atol=1e-4)


def test_errors():
    with pytest.raises(ValueError, match="devices must be a pair"):
        TwoTowerAlexNet("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="torch.cuda.is_available"):
            TwoTowerAlexNet(("cpu", "cuda:0"))
    with pytest.raises(ValueError, match="must name a device"):
        TwoTowerAlexNet(("cpu", "tpu9"))
    with pytest.raises(TypeError, match="alexnet\\('paper'\\)"):
        TwoTowerAlexNet.from_grouped(alexnet("ungrouped"))
    with pytest.raises(ValueError, match="connected must contain only"):
        split_costs(("conv1",))
    with pytest.raises(ValueError, match=r"x must be \(N, 3, 224, 224\)"):
        TwoTowerAlexNet()(torch.rand(1, 3, 227, 227))
