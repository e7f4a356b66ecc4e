"""Data augmentation in pictures (§4.1): a crop window and fancy-PCA lighting."""

from __future__ import annotations

import torch
from matplotlib.patches import Rectangle

from .._checks import check_tensor
from .base import Figure, subplots, to_display_image

__all__ = ["crop_window_figure", "lighting_figure"]


def crop_window_figure(
    image: torch.Tensor,
    top: int,
    left: int,
    crop_size: int = 224,
    *,
    flip: bool = False,
) -> Figure:
    """Return the (3, H, W) ``image`` with one §4.1 crop window outlined, next to the crop (mirrored if ``flip``)."""
    from ..augment import CropFlipParams, crop_flip

    check_tensor(image, "image", ndim=3)
    params = CropFlipParams(
        torch.tensor([top]), torch.tensor([left]), torch.tensor([bool(flip)]), crop_size
    )
    patch = crop_flip(image[None], params)[0]  # validates the window: (3, crop, crop)
    height, width = image.shape[-2:]
    figure, (whole, crop) = subplots(
        1, 2, figsize=(4.6, 2.5), gridspec_kw={"width_ratios": [width, crop_size]}
    )
    whole.imshow(to_display_image(image).numpy())
    whole.add_patch(
        Rectangle(
            (left - 0.5, top - 0.5),
            crop_size,
            crop_size,
            fill=False,
            color="yellow",
            lw=2,
        )
    )
    whole.set_title(
        f"{height}×{width} image, window at (top {top}, left {left})", fontsize=8
    )
    crop.imshow(to_display_image(patch).numpy())
    crop.set_title(
        f"{crop_size}×{crop_size} patch{', mirrored' if flip else ''}", fontsize=8
    )
    for ax in (whole, crop):
        ax.set_axis_off()
    figure.tight_layout(pad=0.3)
    return figure


def lighting_figure(
    image: torch.Tensor,
    shift: torch.Tensor,
    *,
    title: str | None = None,
    gain: float = 10.0,
    show_original: bool = True,
) -> Figure:
    """Return panels for fancy-PCA lighting (§4.1): the (3, H, W) ``image`` (unless ``show_original`` is
    False), ``image + shift`` (one RGB ``shift`` (3,) for every pixel, clipped to [0, 1] for display) and
    the shift itself as a colour swatch, ``0.5 + gain · shift``, with its values in 0–255 units."""
    check_tensor(image, "image", ndim=3)
    check_tensor(shift, "shift", ndim=1)
    if shift.shape != (3,) or image.shape[0] != 3:
        raise ValueError(
            f"image must be (3, H, W) and shift (3,), got {tuple(image.shape)} and {tuple(shift.shape)}"
        )
    shift = shift.detach().float().cpu()
    swatch = (0.5 + gain * shift).view(3, 1, 1).expand(3, 8, 8)
    rgb = ", ".join(f"{255 * value:+.1f}" for value in shift.tolist())
    panels = [(image, "original")] if show_original else []
    panels += [
        (image.detach().cpu() + shift.view(3, 1, 1), "image + shift"),
        (swatch, f"0.5 + {gain:g} × shift\n({rgb})/255"),
    ]
    ratios = [1] * (len(panels) - 1) + [0.6]
    figure, axes = subplots(
        1,
        len(panels),
        figsize=(2.2 * sum(ratios) + 0.4, 2.4),
        gridspec_kw={"width_ratios": ratios},
    )
    for ax, (picture, label) in zip(axes, panels):
        ax.imshow(to_display_image(picture).numpy())
        ax.set_title(label, fontsize=8)
        ax.set_axis_off()
    if title:
        figure.suptitle(title, fontsize=9)
    figure.tight_layout(pad=0.3)
    return figure
