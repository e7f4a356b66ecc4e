"""alexnet_core: the AlexNet paper as a small, tested PyTorch package.

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural
Networks", NIPS 2012. This package is the code behind the AlexNet book: the book's chapters and the
marimo notebook import from here and define nothing of their own.

Layers (imports point down only): ``lrn`` and ``augment`` (the paper's operations) → ``model``,
``summary`` and ``split`` (the nets) → ``data``, ``train``, ``experiments`` and ``features`` →
``viz`` and ``widgets`` (pictures; imported on first use so that ``import alexnet_core`` pulls in
neither matplotlib nor ipywidgets). Other submodules (``results``, ``cli`` …) load on first use too.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

# `python -m alexnet_core.train` imports this package (and so alexnet_core.train) before running
# train.py as __main__; runpy then warns that the module is already imported. The __main__ block only
# hands over to alexnet_core.cli, so the double import is harmless: silence exactly that warning.
warnings.filterwarnings(
    "ignore",
    message=r"'alexnet_core\.train' found in sys\.modules",
    category=RuntimeWarning,
)

from .augment import (  # noqa: E402
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
from .data import (
    OfflineShapes,
    cifar10,
    image_folder,
    make_loaders,
    offline_dataset,
    sample_photo,
    sample_photos,
)  # noqa: E402
from .experiments import best_history, compare, lr_sweep, quick_data  # noqa: E402
from .features import capture_activations, extract_features, nearest_neighbours  # noqa: E402
from .lrn import (
    LocalResponseNorm,
    local_response_norm,
    local_response_norm_loop,
    torch_alpha,
)  # noqa: E402
from .model import (  # noqa: E402
    VARIANTS,
    AlexNet,
    AlexNetConfig,
    PaperDropout,
    alexnet,
    cifar_alexnet,
    count_parameters,
    fig1_net,
    paper_init_,
)
from .split import PAPER_CONNECTED, SplitCosts, TwoTowerAlexNet, split_costs  # noqa: E402
from .summary import LayerTable, layer_table  # noqa: E402
from .train import (  # noqa: E402
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


def __getattr__(name: str) -> Any:
    """Import a submodule (``viz``, ``widgets``, ``results`` …) the first time it is used."""
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module 'alexnet_core' has no attribute {name!r}") from None
