"""alexnet_core: the AlexNet paper as a small, tested PyTorch package.

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural
Networks", NIPS 2012. This package is the code behind the AlexNet book: the book's chapters and
the marimo notebook import from here and define nothing of their own.

The core, one concept per module, imports pointing down only (CONTRIBUTING.md has the table):

1. the paper's operations: ``lrn``, ``augment``, ``preprocess``;
2. the models: ``model``, ``split``;
3. data and training: ``shapes``, ``data``, ``recipe``, ``history``, ``runtime``,
   ``evaluation``, ``train``, ``checkpoint``, ``features``, ``summary``;
   beside it ``lab/``, the chapters' experiments and measurements;
4. pictures: ``viz/`` and ``widgets`` (imported on first use: ``import alexnet_core`` pulls in
   neither matplotlib nor ipywidgets nor marimo);
5. the command line: ``cli`` and ``__main__`` (``python -m alexnet_core``).

Submodules that moved into ``lab`` or ``data`` keep their old names (``alexnet_core.results``,
``alexnet_core.centring`` …): see ``MOVED``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from typing import Any

# ``python -m alexnet_core.<module>`` imports this package (and so that module) before running it,
# and runpy warns about it; the modules' ``__main__`` blocks are written for exactly that order.
warnings.filterwarnings(
    "ignore",
    message=r"'alexnet_core\.[\w.]+' found in sys\.modules after import of package 'alexnet_core",
    category=RuntimeWarning,
)

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
from .checkpoint import Checkpointer, load_checkpoint, save_checkpoint
from .data import (
    as_tensors,
    cifar10,
    image_folder,
    make_loaders,
    sample_photo,
    sample_photos,
    small_task,
)
from .evaluation import evaluate
from .features import (
    capture_activations,
    extract_features,
    nearest_neighbours,
    run_with_hooks,
)
from .history import History, epochs_to_reach
from .lab.experiments import best_history, compare, lr_sweep, quick_data
from .lrn import (
    LocalResponseNorm,
    local_response_norm,
    local_response_norm_loop,
    torch_alpha,
)
from .model import (
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
from .preprocess import Preprocess
from .recipe import PaperSGD, TrainConfig
from .runtime import eval_mode, pick_device, seed_everything, throughput
from .shapes import OfflineShapes, offline_dataset
from .split import PAPER_CONNECTED, SplitCosts, TwoTowerAlexNet, split_costs
from .summary import LayerTable, layer_table
from .train import train

__version__ = "0.1.0"

# Old module names → where the code lives now; ``import alexnet_core.results`` still works.
MOVED = {
    "results": "alexnet_core.lab.results",
    "lrn_effect": "alexnet_core.lab.lrn_effect",
    "overfitting": "alexnet_core.lab.overfitting",
    "dropout_masks": "alexnet_core.lab.dropout",
    "pooling": "alexnet_core.lab.pooling",
    "crop_test": "alexnet_core.lab.crop_test",
    "memory": "alexnet_core.lab.memory",
    "filters": "alexnet_core.lab.filters",
    "activations": "alexnet_core.lab.activations",
    "speed": "alexnet_core.lab.speed",
    "pretrained": "alexnet_core.lab.pretrained",
    "initialisation": "alexnet_core.lab.init",
    "experiments": "alexnet_core.lab.experiments",
    "centring": "alexnet_core.data",
    "subsets": "alexnet_core.data",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import ``alexnet_core.<old name>`` as the module it moved to (the same object)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None):
        package, _, name = fullname.rpartition(".")
        if package == __name__ and name in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: Any) -> None:
        return None  # a placeholder; exec_module swaps in the real module

    def exec_module(self, module: Any) -> None:
        target = importlib.import_module(MOVED[module.__name__.rpartition(".")[2]])
        sys.modules[module.__name__] = target  # what the import statement then returns


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModules())


def __getattr__(name: str) -> Any:
    """Import a submodule (``viz``, ``widgets``, ``lab``, ``results`` …) on first use."""
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module 'alexnet_core' has no attribute {name!r}") from None
