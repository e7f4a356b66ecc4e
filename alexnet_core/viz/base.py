"""What every picture shares: a Figure that shows itself, PNG bytes, images for ``imshow``.

Figures are built without pyplot (``matplotlib.figure.Figure`` objects that no global state
keeps), so nothing has to be closed: a chapter shows one as the last expression of a cell,
marimo shows it as a cell's output, and the widgets turn it into PNG frames.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib.figure
import torch

from .._checks import check_images

__all__ = [
    "Figure",
    "subplots",
    "figure_to_png",
    "to_display_image",
    "CONV_COLOUR",
    "FC_COLOUR",
    "OTHERS_COLOUR",
]

CONV_COLOUR, FC_COLOUR, OTHERS_COLOUR = "#4C72B0", "#DD8452", "#A0A0A0"


class Figure(matplotlib.figure.Figure):
    """A matplotlib Figure that Jupyter shows as a PNG without pyplot's inline backend.

    It draws on its own Agg canvas (``figure.canvas.buffer_rgba()`` works), not pyplot's.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        super().__init__(*args, **kwargs)
        FigureCanvasAgg(self)

    def _repr_png_(self) -> bytes:
        return figure_to_png(self, dpi=self.dpi)


def subplots(
    rows: int = 1, columns: int = 1, *, figsize: tuple[float, float], **options: Any
):
    """Return (Figure, axes) like ``plt.subplots``, with no pyplot state behind them."""
    figure = Figure(figsize=figsize)
    return figure, figure.subplots(rows, columns, **options)


def figure_to_png(
    figure: matplotlib.figure.Figure, *, dpi: int = 72, close: bool = True
) -> bytes:
    """Return the PNG bytes of ``figure`` (cropped to what is drawn).

    ``close`` is kept for callers written for pyplot figures, which it closes; the book's
    own figures belong to no pyplot state and need no closing.
    """
    if not isinstance(figure, matplotlib.figure.Figure):
        raise TypeError(
            f"figure must be a matplotlib Figure, got {type(figure).__name__}"
        )
    buffer = io.BytesIO()
    figure.savefig(
        buffer, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None}
    )
    if close and not isinstance(figure, Figure):  # a pyplot figure: release it
        import matplotlib.pyplot as plt

        plt.close(figure)
    return buffer.getvalue()


def to_display_image(image: torch.Tensor, *, normalise: bool = False) -> torch.Tensor:
    """Return an (H, W, 3) float tensor in [0, 1] ready for ``imshow``, from a (3, H, W) image.

    ``normalise=True`` stretches the image's own range to [0, 1] (for filters and mean-subtracted
    images); otherwise values are clipped.
    """
    check_images(
        image, "image", batched=False
    )  # float RGB: clamping 0-255 integers to [0, 1] would show white
    image = image.detach().float().cpu()
    if normalise:
        low, high = image.min(), image.max()
        image = (image - low) / (high - low) if high > low else torch.zeros_like(image)
    return image.clamp(0, 1).permute(1, 2, 0).contiguous()
