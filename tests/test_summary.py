"""Tests for alexnet_core.summary: per-layer shapes, parameters and multiply-adds."""

import pytest
import torch
import torchvision

from alexnet_core.model import alexnet, count_parameters
from alexnet_core.summary import layer_table


def rows_by_name(table):
    return {row.name: row for row in table}


def test_paper_neuron_counts_match_section_3_5_except_the_first():
    rows = rows_by_name(layer_table(alexnet("paper")))
    # §3.5 prints 253,440 for the first layer, but 55 × 55 × 96 = 290,400 (FACTS: inconsistent)
    assert rows["conv1"].neurons == 290_400
    assert [rows[n].neurons for n in ("conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8")] == [
        186_624, 64_896, 64_896, 43_264, 4096, 4096, 1000
    ]


@pytest.mark.parametrize("input_size", [224, 227])
def test_shapes_at_both_input_sizes(input_size):
    rows = rows_by_name(layer_table(alexnet("paper", input_size=input_size)))
    assert rows["conv1"].output_shape == (96, 55, 55)
    assert rows["pool1"].output_shape == (96, 27, 27)
    assert rows["pool2"].output_shape == (256, 13, 13)
    assert rows["pool5"].output_shape == (256, 6, 6)


def test_totals_equal_independent_counts():
    for variant in ("paper", "ungrouped", "torchvision"):
        model = alexnet(variant)
        table = layer_table(model)
        assert table.parameters == count_parameters(model)


def test_mult_adds_by_hand():
    rows = rows_by_name(layer_table(alexnet("paper")))
    assert rows["conv1"].mult_adds == 55 * 55 * 96 * (3 * 11 * 11)
    assert rows["conv2"].mult_adds == 27 * 27 * 256 * (48 * 5 * 5)  # grouped: 48 input maps each
    assert rows["fc6"].mult_adds == 9216 * 4096
    assert rows["relu1"].mult_adds == 0


def test_torchvision_model_any_input_size():
    table = layer_table(torchvision.models.alexnet(weights=None), input_size=256)
    assert table.parameters == 61_100_840
    assert table[-1].output_shape == (1000,)


def test_table_prints_text_and_html():
    table = layer_table(alexnet("fig1"))
    text = str(table)
    assert "conv1" in text and "total" in text and f"{table.parameters:,}" in text
    assert table._repr_html_().startswith("<table")


def test_errors():
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        layer_table("alexnet")
    with pytest.raises(ValueError, match="input_size must be given"):
        layer_table(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3)))
    with pytest.raises(ValueError, match="input_size must be a positive int"):
        layer_table(alexnet("fig1"), input_size=0)
