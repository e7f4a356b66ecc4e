"""torchvision's pretrained ImageNet weights for AlexNet, loaded only when asked for.

The paper's own trained weights were never released in a form PyTorch reads. torchvision's
``AlexNet_Weights.IMAGENET1K_V1`` are weights for Krizhevsky's 2014 "one weird trick" variant
(64-192-384-256-256 conv channels, no response normalization, one tower; ``alexnet("torchvision")``
here), reaching 56.522% top-1 / 79.066% top-5 accuracy on the ImageNet validation set with a single
centre crop. The file is 233 MB and comes from download.pytorch.org: nothing here downloads unless
``download=True`` is passed, and an offline call says where the file was looked for and how to get it.

The weights expect torchvision's preprocessing, not the paper's mean-image subtraction (§2):
shorter side resized to 256, centre 224×224 crop, then each channel normalised with ImageNet's mean
and standard deviation (:func:`imagenet_normalise`).
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from .._checks import check_tensor
from ..model import alexnet

__all__ = [
    "WEIGHTS_URL",
    "WEIGHTS_FILE",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "cached_weights_path",
    "load_torchvision_weights",
    "imagenet_normalise",
    "imagenet_categories",
]

WEIGHTS_URL = "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"  # AlexNet_Weights.IMAGENET1K_V1
WEIGHTS_FILE = (
    "alexnet-owt-7be5be79.pth"  # the hash prefix 7be5be79 is checked on download
)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def cached_weights_path(cache_dir: str | os.PathLike | None = None) -> Path:
    """Return where the weights file is looked for: ``cache_dir`` or torch hub's checkpoint folder.

    torch hub's folder is ``$TORCH_HOME/hub/checkpoints`` (``~/.cache/torch/hub/checkpoints`` by
    default), the same place ``torchvision.models.alexnet(weights=...)`` stores the file, so a copy
    downloaded by either is found by both.
    """
    if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(
            f"cache_dir must be a str, os.PathLike or None, got {cache_dir!r}"
        )
    folder = (
        Path(torch.hub.get_dir()) / "checkpoints"
        if cache_dir is None
        else Path(cache_dir)
    )
    return folder / WEIGHTS_FILE


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise FileNotFoundError(
            f"path must be an existing weights file, got {str(path)!r}"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (
        Exception
    ) as exc:  # truncated zip, garbage, pickled objects other than tensors
        raise ValueError(
            f"weights file {str(path)!r} could not be read as a state_dict of tensors "
            f"({type(exc).__name__}); delete it and download it again"
        ) from exc
    if not isinstance(state, dict) or not all(
        isinstance(v, torch.Tensor) for v in state.values()
    ):
        raise ValueError(
            f"weights file {str(path)!r} must hold a state_dict (dict of name -> tensor), "
            f"got {type(state).__name__}"
        )
    return state


def _download(path: Path, progress: bool) -> dict[str, torch.Tensor]:
    try:
        return torch.hub.load_state_dict_from_url(
            WEIGHTS_URL,
            model_dir=str(path.parent),
            map_location="cpu",
            progress=progress,
            check_hash=True,
            file_name=WEIGHTS_FILE,
        )
    except Exception as exc:  # URLError, socket errors, a failed hash check
        raise ConnectionError(
            f"could not download the pretrained AlexNet weights from {WEIGHTS_URL} ({type(exc).__name__}: {exc}). "
            f"This needs internet access (e.g. on Colab); offline, copy {WEIGHTS_FILE} to {path} "
            f"or pass path= to a local copy"
        ) from exc


def load_torchvision_weights(
    model: nn.Module | None = None,
    *,
    download: bool = False,
    path: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> nn.Module:
    """Return ``model`` (default: a new ``alexnet("torchvision")``) with torchvision's IMAGENET1K_V1 weights.

    Where the weights come from, in order: ``path`` if given (a local ``state_dict`` file); else
    the cached copy at :func:`cached_weights_path` (``cache_dir``); else, only with
    ``download=True``, a 233 MB download into that folder. Offline without a copy it raises
    ``FileNotFoundError`` saying where it looked. ``model`` must have torchvision's ``state_dict``
    keys and shapes (``alexnet("torchvision")`` or ``torchvision.models.alexnet()``); the weights
    are loaded strictly and the model is returned in eval mode.
    """
    if model is None:
        model = alexnet("torchvision", num_classes=1000)
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module or None, got {type(model).__name__}"
        )
    if not isinstance(download, bool):
        raise TypeError(f"download must be True or False, got {download!r}")
    if path is not None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str, os.PathLike or None, got {path!r}")
        state = _read_state_dict(Path(path))
    else:
        cached = cached_weights_path(cache_dir)
        if cached.is_file():
            state = _read_state_dict(cached)
        elif download:
            state = _download(cached, progress)
        else:
            raise FileNotFoundError(
                f"the pretrained AlexNet weights are not on this machine (looked for {cached}); pass "
                f"download=True to fetch them ({WEIGHTS_URL}, 233 MB, needs internet), or path= to a local copy"
            )
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ValueError(
            f"model must have torchvision's AlexNet layout (alexnet('torchvision') or "
            f"torchvision.models.alexnet()) to take these weights: {exc}"
        ) from exc
    return model.eval()


def imagenet_normalise(images: torch.Tensor) -> torch.Tensor:
    """Return images in [0, 1], (3, H, W) or (N, 3, H, W), normalised per channel as the weights expect."""
    images = check_tensor(images, "images", ndim=(3, 4), floating=True)
    if images.shape[-3] != 3:
        raise ValueError(
            f"images must have 3 (RGB) channels, got shape {tuple(images.shape)}"
        )
    mean = torch.tensor(IMAGENET_MEAN, dtype=images.dtype, device=images.device).view(
        3, 1, 1
    )
    std = torch.tensor(IMAGENET_STD, dtype=images.dtype, device=images.device).view(
        3, 1, 1
    )
    return (images - mean) / std


def imagenet_categories() -> list[str]:
    """Return the 1000 ILSVRC class names in the order of the pretrained net's outputs (no download)."""
    from torchvision.models import AlexNet_Weights

    return list(AlexNet_Weights.IMAGENET1K_V1.meta["categories"])
