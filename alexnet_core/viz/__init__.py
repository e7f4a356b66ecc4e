"""Pictures for the book, by topic; every function returns a matplotlib Figure.

The figures are built without pyplot (see :mod:`alexnet_core.viz.base`), so the same call
serves the book (a figure as a cell's last expression), the marimo notebook and the widgets.
matplotlib is imported by this package and by :mod:`alexnet_core.widgets` only, never by
``import alexnet_core``.

- :mod:`~alexnet_core.viz.images`: kernels (Fig. 3), feature maps, photos, neighbours (Fig. 4)
- :mod:`~alexnet_core.viz.curves`: training curves (Fig. 1), grouped runs, the generalisation gap
- :mod:`~alexnet_core.viz.architecture`: the two towers (Fig. 2), split costs, layer costs
- :mod:`~alexnet_core.viz.results`: top-k panels, the results tables as bars, errors over seeds
- :mod:`~alexnet_core.viz.pooling`: overlapping pooling windows (§3.4)
- :mod:`~alexnet_core.viz.units`: ReLU and tanh (§3.1), LRN (§3.3), dropout (§4.2)
- :mod:`~alexnet_core.viz.augmentation`: crops and PCA lighting (§4.1)
"""

from .architecture import layer_costs_figure, split_costs_figure, two_tower_diagram
from .augmentation import crop_window_figure, lighting_figure
from .base import Figure, figure_to_png, subplots, to_display_image
from .curves import fig1_figure, fit_curves, grouped_curves, training_curves
from .images import activation_grid, filter_grid, image_row, neighbours_figure
from .pooling import pooling_demo, pooling_windows
from .results import results_bars, seed_errors, topk_figure
from .units import activation_functions, dropout_figure, lrn_response_figure

__all__ = [
    "Figure",
    "figure_to_png",
    "subplots",
    "to_display_image",
    "filter_grid",
    "activation_grid",
    "image_row",
    "neighbours_figure",
    "training_curves",
    "grouped_curves",
    "fit_curves",
    "fig1_figure",
    "two_tower_diagram",
    "layer_costs_figure",
    "split_costs_figure",
    "topk_figure",
    "results_bars",
    "seed_errors",
    "pooling_windows",
    "pooling_demo",
    "activation_functions",
    "lrn_response_figure",
    "dropout_figure",
    "crop_window_figure",
    "lighting_figure",
]
