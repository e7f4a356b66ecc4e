"""The AlexNet variants as data: one typed row per layer (§3.5, Fig. 2).

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012. Every variant is an :class:`Architecture`, a tuple of :class:`Conv` rows plus the
widths of its hidden fully connected layers, read at a glance from :data:`ARCHITECTURES`.
:class:`~alexnet_core.model.AlexNet` builds its layers from it, and so do the two-tower split
and its costs (:mod:`alexnet_core.split`): the net is written down once.

Variants (``alexnet(variant, ...)``):

``"paper"``
    §3.5 / Fig. 2: conv widths 96-256-384-384-256, conv2/4/5 grouped in two (each GPU sees only its
    own kernel maps), response normalization after the ReLU of conv1 and conv2 (each GPU normalising
    its own maps), overlapping 3×3/2 max-pooling, dropout 0.5 on fc6 and fc7. 60,965,224 parameters.
``"ungrouped"``
    The same widths with every layer fully connected across channels: 62,378,344 parameters.
``"one_gpu_half"``
    §3.2's baseline: half the kernels in each conv layer on one GPU, except conv5 and the FC layers,
    which the paper's footnote says were kept full-size so both nets have about as many parameters.
``"torchvision"``
    Krizhevsky's 2014 "one weird trick" variant that ``torchvision.models.alexnet`` implements:
    64-192-384-256-256, no LRN, adaptive 6×6 average pool, 61,100,840 parameters. Its ``state_dict``
    keys are torchvision's, so its weights load directly.
``"cifar"``
    A small AlexNet-shaped net for 32×32 images (the book's quick chapters).
``"cifar_towers"``
    The paper's two-tower structure at 32×32 for Fig. 3-style filter pictures trained in seconds:
    96 conv1 kernels (5×5, stride 2) that split into two towers of 48 because conv2, conv4 and
    conv5 are grouped in two (and each tower normalises its own maps), as in ``"paper"``.
``"fig1"``
    §3.1's four-layer net used for Fig. 1 (ReLU vs tanh). The paper does not print its layers; we use
    the shape of cuda-convnet's ``layers-80sec`` CIFAR-10 net (three 5×5 conv layers of 32-32-64
    kernels, 3×3/2 pooling, one FC layer) without its normalization, since Fig. 1 used no
    regularization.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._checks import check_choice

__all__ = [
    "Conv",
    "Architecture",
    "ARCHITECTURES",
    "VARIANTS",
    "LayerShape",
    "layer_shapes",
]


@dataclass(frozen=True)
class Conv:
    """One convolutional layer and what follows its activation (LRN §3.3, pooling §3.4)."""

    out: int  # output channels (kernels)
    kernel: int
    stride: int = 1
    padding: int = 0
    groups: int = 1  # 2: each half of the kernels sees only its own GPU's maps (§3.2)
    lrn: bool = False  # response normalization after the activation (§3.3)
    pool: bool = False  # max-pooling after (the LRN and) the activation (§3.4)


@dataclass(frozen=True)
class Architecture:
    """A variant's layers; AlexNetConfig's switches change how they behave, not their widths."""

    convs: tuple[Conv, ...]
    hidden: tuple[int, ...]  # widths of the hidden fully connected layers (fc6, fc7)
    input_size: int = 224  # the default; see input_sizes
    input_sizes: tuple[int, ...] = (224, 227)  # allowed sizes (empty: any >= min_input)
    min_input: int = 1
    lrn_groups: int = 1  # 2: each GPU normalises its own maps
    default_lrn: bool = True
    default_dropout: float = 0.5
    default_init: str = "pytorch"
    torchvision_layout: bool = False  # dropout before fc6/fc7; a 6×6 adaptive avgpool
    ceil_pool: bool = False  # cuda-convnet's pooling on 32×32 inputs (see _pooled)


_TINY = dict(input_size=32, input_sizes=(32,), ceil_pool=True)  # 32×32 images

# Output shapes (batch B) with the default input size and overlapping pooling. The table is
# kept one layer a line, wider than the formatter's 88 columns.
# fmt: off
ARCHITECTURES: dict[str, Architecture] = {
    "paper": Architecture(  # §3.5, Fig. 2: the two GPUs as groups=2
        convs=(
            Conv(out=96, kernel=11, stride=4, padding=2, lrn=True, pool=True),  # (B, 96, 27, 27)
            Conv(out=256, kernel=5, padding=2, groups=2, lrn=True, pool=True),  # (B, 256, 13, 13)
            Conv(out=384, kernel=3, padding=1),  # (B, 384, 13, 13)
            Conv(out=384, kernel=3, padding=1, groups=2),  # (B, 384, 13, 13)
            Conv(out=256, kernel=3, padding=1, groups=2, pool=True),  # (B, 256, 6, 6)
        ),
        hidden=(4096, 4096),  # (B, 4096), (B, 4096)
        lrn_groups=2,
        default_init="paper",
    ),
    "ungrouped": Architecture(
        convs=(
            Conv(out=96, kernel=11, stride=4, padding=2, lrn=True, pool=True),  # (B, 96, 27, 27)
            Conv(out=256, kernel=5, padding=2, lrn=True, pool=True),  # (B, 256, 13, 13)
            Conv(out=384, kernel=3, padding=1),  # (B, 384, 13, 13)
            Conv(out=384, kernel=3, padding=1),  # (B, 384, 13, 13)
            Conv(out=256, kernel=3, padding=1, pool=True),  # (B, 256, 6, 6)
        ),
        hidden=(4096, 4096),
        default_init="paper",
    ),
    "one_gpu_half": Architecture(  # §3.2's baseline
        convs=(
            Conv(out=48, kernel=11, stride=4, padding=2, lrn=True, pool=True),  # (B, 48, 27, 27)
            Conv(out=128, kernel=5, padding=2, lrn=True, pool=True),  # (B, 128, 13, 13)
            Conv(out=192, kernel=3, padding=1),  # (B, 192, 13, 13)
            Conv(out=192, kernel=3, padding=1),  # (B, 192, 13, 13)
            Conv(out=256, kernel=3, padding=1, pool=True),  # (B, 256, 6, 6): not halved (fn. 2)
        ),
        hidden=(4096, 4096),
        default_init="paper",
    ),
    "torchvision": Architecture(  # "one weird trick" (2014), torchvision's layout
        convs=(
            Conv(out=64, kernel=11, stride=4, padding=2, pool=True),  # (B, 64, 27, 27)
            Conv(out=192, kernel=5, padding=2, pool=True),  # (B, 192, 13, 13)
            Conv(out=384, kernel=3, padding=1),  # (B, 384, 13, 13)
            Conv(out=256, kernel=3, padding=1),  # (B, 256, 13, 13)
            Conv(out=256, kernel=3, padding=1, pool=True),  # (B, 256, 6, 6)
        ),
        hidden=(4096, 4096),
        input_sizes=(),
        min_input=63,
        default_lrn=False,
        torchvision_layout=True,
    ),
    "cifar": Architecture(
        convs=(
            Conv(out=32, kernel=5, padding=2, lrn=True, pool=True),  # (B, 32, 16, 16)
            Conv(out=64, kernel=5, padding=2, lrn=True, pool=True),  # (B, 64, 8, 8)
            Conv(out=96, kernel=3, padding=1),  # (B, 96, 8, 8)
            Conv(out=96, kernel=3, padding=1),  # (B, 96, 8, 8)
            Conv(out=64, kernel=3, padding=1, pool=True),  # (B, 64, 4, 4)
        ),
        hidden=(256, 256),
        **_TINY,
    ),
    "cifar_towers": Architecture(  # the paper's two towers at 32×32
        convs=(
            Conv(out=96, kernel=5, stride=2, padding=2, lrn=True, pool=True),  # (B, 96, 8, 8)
            Conv(out=128, kernel=5, padding=2, groups=2, lrn=True, pool=True),  # (B, 128, 4, 4)
            Conv(out=192, kernel=3, padding=1),  # (B, 192, 4, 4)
            Conv(out=192, kernel=3, padding=1, groups=2),  # (B, 192, 4, 4)
            Conv(out=128, kernel=3, padding=1, groups=2, pool=True),  # (B, 128, 2, 2)
        ),
        hidden=(256, 256),
        lrn_groups=2,
        **_TINY,
    ),
    "fig1": Architecture(  # §3.1's four-layer net: cuda-convnet's layers-80sec shape
        convs=(
            Conv(out=32, kernel=5, padding=2, pool=True),  # (B, 32, 16, 16)
            Conv(out=32, kernel=5, padding=2, pool=True),  # (B, 32, 8, 8)
            Conv(out=64, kernel=5, padding=2, pool=True),  # (B, 64, 4, 4)
        ),
        hidden=(),  # one FC layer: (B, num_classes)
        default_lrn=False,
        default_dropout=0.0,
        **_TINY,
    ),
}
# fmt: on
VARIANTS = tuple(ARCHITECTURES)


@dataclass(frozen=True)
class LayerShape:
    """Where one conv layer sits in a net: its channels and the side of its maps."""

    name: str  # "conv1" …
    spec: Conv
    in_channels: int
    padding: int  # what conv1 actually uses at this input size
    in_size: int  # side of the input maps
    conv_size: int  # side after the convolution
    out_size: int  # side after the pooling (if any)


def _pooled(size: int, pool_size: int, ceil: bool) -> int:
    # ceil_mode on 32×32 inputs (cuda-convnet's pooling) so that 3×3/2 and 2×2/2 pooling give
    # the same map sizes there too (32→16→8→4), as they do at 55→27→13→6.
    return -(-(size - pool_size) // 2) + 1 if ceil else (size - pool_size) // 2 + 1


def layer_shapes(
    variant: str, input_size: int | None = None, *, overlapping_pool: bool = True
) -> list[LayerShape]:
    """Return the conv layers of ``variant`` with their channels and map sizes (§3.5)."""
    arch = ARCHITECTURES[check_choice(variant, "variant", VARIANTS)]
    size = arch.input_size if input_size is None else input_size
    pool_size, channels, shapes = 3 if overlapping_pool else 2, 3, []
    for number, spec in enumerate(arch.convs, start=1):
        padding = spec.padding
        if number == 1 and not arch.torchvision_layout and size == 227:
            padding = 0  # (227 − 11)/4 + 1 = 55 without padding
        conv = (size + 2 * padding - spec.kernel) // spec.stride + 1
        out = _pooled(conv, pool_size, arch.ceil_pool) if spec.pool else conv
        shapes.append(
            LayerShape(f"conv{number}", spec, channels, padding, size, conv, out)
        )
        channels, size = spec.out, out
    return shapes
