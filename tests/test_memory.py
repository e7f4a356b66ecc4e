"""Tests for alexnet_core.memory: the training-memory budget against hand counts (§3.2)."""

import pytest
import torch
from torch import nn

from alexnet_core.memory import MemoryEstimate, measured_training_memory, training_memory
from alexnet_core.model import alexnet
from alexnet_core.summary import layer_table


def small_net():
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 5))


def test_small_net_by_hand():
    table = layer_table(small_net(), 8)
    estimate = training_memory(table, batch_size=2, bytes_per_value=4)
    weights = (4 * 3 * 3 * 3 + 4) + (36 * 5 + 5)
    # values per image: input 3·8·8, conv 4·6·6, relu 4·6·6, pool 4·3·3, flatten 36, linear 5
    sizes = [192, 144, 144, 36, 36, 5]
    assert estimate.weights == estimate.weight_gradients == estimate.momentum == 4 * weights
    assert estimate.activations == 2 * 4 * sum(sizes)
    assert estimate.activation_gradients == 2 * 4 * (192 + 144)  # the input and conv output: the largest pair
    assert estimate.total == 3 * 4 * weights + 2 * 4 * sum(sizes) + 2 * 4 * 336
    assert sum(estimate.activations_by_layer.values()) == estimate.activations
    assert list(estimate.parts().values())[3] == estimate.activations


def test_paper_net_at_batch_128():
    with torch.device("meta"):
        table = layer_table(alexnet("paper"))
    estimate = training_memory(table)  # batch 128, float32
    assert estimate.weights == 4 * 60_965_224
    assert estimate.activations == 128 * 4 * (3 * 224 * 224 + sum(row.neurons for row in table))
    assert estimate.activation_gradients == 128 * 4 * 2 * 290_400  # conv1's output and relu1's
    assert 1.5 * 2**30 < estimate.total < 3 * 2**30
    assert "total" in str(estimate) and "MiB" in str(estimate)


def test_no_momentum_and_scaling():
    table = layer_table(small_net(), 8)
    plain = training_memory(table, 4, momentum=False)
    assert plain.momentum == 0
    assert training_memory(table, 8).activations == 2 * training_memory(table, 4).activations
    assert training_memory(table, 4, bytes_per_value=2).weights == training_memory(table, 4).weights // 2


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: training_memory([]), TypeError, "table must be a LayerTable"),
        (lambda: training_memory(layer_table(small_net(), 8), 0), ValueError, "batch_size must be a positive int"),
        (lambda: training_memory(layer_table(small_net(), 8), bytes_per_value=0), ValueError, "bytes_per_value"),
        (lambda: training_memory(layer_table(small_net(), 8), momentum=1), TypeError, "momentum must be True or False"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_estimate_is_a_frozen_dataclass():
    estimate = training_memory(layer_table(small_net(), 8), 1)
    assert isinstance(estimate, MemoryEstimate)
    with pytest.raises(AttributeError):
        estimate.weights = 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_measured_memory_is_at_least_the_weights_gradients_and_momentum():
    model = small_net()
    estimate = training_memory(layer_table(model, 8), 4)
    measured = measured_training_memory(model, 4, input_size=8)
    assert measured >= estimate.weights + estimate.weight_gradients + estimate.momentum


def test_measured_memory_needs_cuda():
    with pytest.raises(ValueError, match="device must be an available CUDA device"):
        measured_training_memory(small_net(), 2, input_size=8, device="cpu")
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        measured_training_memory("net")
