"""Tests for alexnet_core.features: hooks against slicing the model by hand, neighbours against brute force."""

import pytest
import torch

from alexnet_core.features import capture_activations, extract_features, nearest_neighbours
from alexnet_core.model import alexnet


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return alexnet("cifar", dropout=0.5).eval()


def test_activations_equal_running_the_layers_by_hand(model):
    x = torch.rand(3, 3, 32, 32)
    acts = capture_activations(model, x, ["conv1", "relu1", "pool2", "fc7"])
    with torch.no_grad():
        torch.testing.assert_close(acts["conv1"], model.features[:1](x))
        torch.testing.assert_close(acts["relu1"], model.features[:2](x))
        pool2 = [p for p, n in model.layer_names.items() if n == "pool2"][0]
        upto = int(pool2.split(".")[1]) + 1
        torch.testing.assert_close(acts["pool2"], model.features[:upto](x))
        flat = torch.flatten(model.features(x), 1)
        torch.testing.assert_close(acts["fc7"], model.classifier[:4](flat))


def test_module_paths_work_and_mode_is_restored(model):
    model.train()
    acts = capture_activations(model, torch.rand(1, 3, 32, 32), "features.0")
    assert acts["features.0"].shape == (1, 32, 32, 32)
    assert model.training
    model.eval()


def test_extract_features_batches_agree(model):
    x = torch.rand(5, 3, 32, 32)
    whole = extract_features(model, x, "relu7", batch_size=256)
    pieces = extract_features(model, x, "relu7", batch_size=2)
    assert whole.shape == (5, 256)
    torch.testing.assert_close(whole, pieces, rtol=1e-5, atol=1e-6)
    assert torch.all(whole >= 0)  # after the ReLU


def test_nearest_neighbours_brute_force():
    torch.manual_seed(0)
    features, queries = torch.randn(50, 8), torch.randn(4, 8)
    distances, indices = nearest_neighbours(features, queries, k=3)
    for q in range(4):
        brute = [(torch.dist(queries[q], features[i]).item(), i) for i in range(50)]
        brute.sort()
        assert indices[q].tolist() == [i for _, i in brute[:3]]
        torch.testing.assert_close(distances[q], torch.tensor([d for d, _ in brute[:3]]), rtol=1e-5, atol=1e-5)


def test_exclude_self():
    features = torch.randn(10, 4)
    _, indices = nearest_neighbours(features, features[:3], k=2, exclude_self=True)
    assert all(indices[i, 0].item() != i for i in range(3))


def test_errors(model):
    with pytest.raises(ValueError, match="layers must name layers"):
        capture_activations(model, torch.rand(1, 3, 32, 32), "conv9")
    with pytest.raises(ValueError, match="layers must name at least one"):
        capture_activations(model, torch.rand(1, 3, 32, 32), [])
    with pytest.raises(TypeError, match="x must be a floating-point"):
        capture_activations(model, torch.zeros(1, 3, 32, 32, dtype=torch.uint8), "conv1")
    with pytest.raises(ValueError, match="queries must have the same feature size"):
        nearest_neighbours(torch.randn(5, 4), torch.randn(2, 3))
    with pytest.raises(ValueError, match="k must be <= 5"):
        nearest_neighbours(torch.randn(5, 4), torch.randn(2, 4), k=6)
