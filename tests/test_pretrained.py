"""Tests for alexnet_core.pretrained: opt-in torchvision weights, tested offline with fake files."""

import urllib.error

import pytest
import torch
import torchvision
from torchvision.transforms.v2 import functional as TF

import alexnet_core as anc
from alexnet_core import pretrained


def _fake_weights(tmp_path, variant="cifar", name="weights.pth"):
    """Return (path, state_dict) of a randomly initialised model saved as a plain state_dict file."""
    torch.manual_seed(1)
    state = anc.alexnet(variant, num_classes=10).state_dict()
    path = tmp_path / name
    torch.save(state, path)
    return path, state


def test_loads_a_local_state_dict_file_exactly(tmp_path):
    path, state = _fake_weights(tmp_path)
    torch.manual_seed(2)
    model = anc.alexnet("cifar", num_classes=10).train()
    loaded = pretrained.load_torchvision_weights(model, path=path)
    assert loaded is model and not model.training
    for key, value in state.items():
        torch.testing.assert_close(model.state_dict()[key], value, rtol=0, atol=0)


def test_finds_the_cached_copy_without_downloading(tmp_path, monkeypatch):
    _, state = _fake_weights(tmp_path, name=pretrained.WEIGHTS_FILE)
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", lambda *a, **k: pytest.fail("must not download"))
    model = pretrained.load_torchvision_weights(anc.alexnet("cifar", num_classes=10), cache_dir=tmp_path)
    torch.testing.assert_close(model.state_dict()["features.0.weight"], state["features.0.weight"], rtol=0, atol=0)


def test_offline_without_a_copy_refuses_with_a_clear_message(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"not on this machine .*download=True.*233 MB"):
        pretrained.load_torchvision_weights(anc.alexnet("cifar", num_classes=10), cache_dir=tmp_path)


def test_download_failure_is_explained(tmp_path, monkeypatch):
    def unreachable(*args, **kwargs):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", unreachable)
    with pytest.raises(ConnectionError, match=r"could not download .*needs internet access.*path="):
        pretrained.load_torchvision_weights(anc.alexnet("cifar", num_classes=10), download=True, cache_dir=tmp_path)


def test_download_asks_torch_hub_for_the_checked_file(tmp_path, monkeypatch):
    state = anc.alexnet("cifar", num_classes=10).state_dict()
    calls = []

    def fake_hub(url, **kwargs):
        calls.append((url, kwargs))
        return state

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", fake_hub)
    pretrained.load_torchvision_weights(anc.alexnet("cifar", num_classes=10), download=True, cache_dir=tmp_path,
                                        progress=False)
    (url, kwargs), = calls
    assert url == torchvision.models.AlexNet_Weights.IMAGENET1K_V1.url == pretrained.WEIGHTS_URL
    assert kwargs["check_hash"] and kwargs["file_name"] == pretrained.WEIGHTS_FILE
    assert kwargs["model_dir"] == str(tmp_path)


def test_default_model_has_torchvisions_layout():
    ours = anc.alexnet("torchvision").state_dict()
    theirs = torchvision.models.alexnet(weights=None).state_dict()
    assert {k: v.shape for k, v in ours.items()} == {k: v.shape for k, v in theirs.items()}
    assert pretrained.cached_weights_path().parent.name == "checkpoints"


def test_wrong_layout_is_a_value_error(tmp_path):
    path, _ = _fake_weights(tmp_path)
    with pytest.raises(ValueError, match=r"torchvision's AlexNet layout"):
        pretrained.load_torchvision_weights(anc.alexnet("fig1"), path=path)


def test_bad_files_and_arguments(tmp_path):
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="could not be read as a state_dict"):
        pretrained.load_torchvision_weights(anc.alexnet("cifar"), path=garbage)
    listed = tmp_path / "list.pth"
    torch.save([torch.zeros(1)], listed)
    with pytest.raises(ValueError, match=r"must hold a state_dict .*got list"):
        pretrained.load_torchvision_weights(anc.alexnet("cifar"), path=listed)
    with pytest.raises(FileNotFoundError, match="path must be an existing weights file"):
        pretrained.load_torchvision_weights(anc.alexnet("cifar"), path=tmp_path / "missing.pth")
    with pytest.raises(TypeError, match="model must be a torch.nn.Module or None"):
        pretrained.load_torchvision_weights("alexnet", path=garbage)
    with pytest.raises(TypeError, match="download must be True or False"):
        pretrained.load_torchvision_weights(anc.alexnet("cifar"), download="yes")
    with pytest.raises(TypeError, match="cache_dir must be"):
        pretrained.cached_weights_path(3)


def test_imagenet_normalise_matches_torchvision():
    images = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    expected = TF.normalize(images, pretrained.IMAGENET_MEAN, pretrained.IMAGENET_STD)
    torch.testing.assert_close(pretrained.imagenet_normalise(images), expected, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(pretrained.imagenet_normalise(images[0]), expected[0], rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="3 \\(RGB\\) channels"):
        pretrained.imagenet_normalise(torch.rand(1, 4, 8, 8))
    with pytest.raises(TypeError, match="floating-point"):
        pretrained.imagenet_normalise(torch.zeros(3, 8, 8, dtype=torch.uint8))


def test_imagenet_categories_offline():
    categories = pretrained.imagenet_categories()
    assert len(categories) == 1000 and categories[0] == "tench"
