"""alexnet_core: the AlexNet paper as a small, tested PyTorch package.

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural
Networks", NIPS 2012. This package is the code behind the AlexNet book: the book's chapters and the
marimo notebook import from here and define nothing of their own.

Layers (imports point down only): ``lrn`` and ``augment`` (the paper's operations) → ``model``,
``summary`` and ``split`` (the nets) → ``data``, ``train`` and ``features`` → ``viz`` and
``widgets`` (pictures; imported lazily so that ``import alexnet_core`` pulls in neither
matplotlib nor ipywidgets).
"""

from __future__ import annotations

import importlib
from typing import Any

from .augment import (
    CropFlipParams,
    augment_batch,
    crop_flip,
    fit_pca,
    lighting_shift,
    mean_image,
    pca_lighting,
    random_crop_flip,
    sample_crop_flip,
    sample_lighting,
    subtract_mean,
    ten_crop,
    ten_crop_predict,
)
from .data import OfflineShapes, cifar10, image_folder, make_loaders, offline_dataset, sample_photo, sample_photos
from .experiments import best_history, compare, lr_sweep, quick_data
from .features import capture_activations, extract_features, nearest_neighbours
from .lrn import LocalResponseNorm, local_response_norm, local_response_norm_loop, torch_alpha
from .model import VARIANTS, AlexNet, AlexNetConfig, PaperDropout, alexnet, cifar_alexnet, count_parameters, fig1_net, paper_init_
from .split import PAPER_CONNECTED, SplitCosts, TwoTowerAlexNet, split_costs
from .summary import LayerTable, layer_table
from .train import (
    History,
    PaperSGD,
    TrainConfig,
    epochs_to_reach,
    evaluate,
    load_checkpoint,
    pick_device,
    save_checkpoint,
    seed_everything,
    throughput,
    train,
)

__version__ = "0.1.0"

_LAZY_MODULES = ("viz", "widgets")


def __getattr__(name: str) -> Any:
    """Import ``viz`` and ``widgets`` on first use (they pull in matplotlib and ipywidgets)."""
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'alexnet_core' has no attribute {name!r}")
