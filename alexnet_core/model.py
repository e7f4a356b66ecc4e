"""The AlexNet models: the paper's two-tower net and its relatives (§3, Fig. 2).

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012. Every variant is one :class:`AlexNet` built from an :class:`AlexNetConfig`, with the
``features`` / ``avgpool`` / ``classifier`` layout every torchvision user knows.

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

224 versus 227: the paper says 224×224×3 input, but an 11×11 stride-4 convolution without padding
maps 224 to 54.25, not the 55×55 of Fig. 2; 227 gives (227 − 11)/4 + 1 = 55 exactly (Caffe's
choice). ``input_size=224`` (default) pads conv1 by 2 pixels as torchvision does
((224 + 4 − 11)/4 + 1 = 55.25 → 55); ``input_size=227`` uses no padding. Both give 55×55 maps.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch import nn

from ._checks import check_choice, check_images, check_int, check_probability
from .lrn import LocalResponseNorm

__all__ = [
    "VARIANTS",
    "AlexNetConfig",
    "AlexNet",
    "PaperDropout",
    "alexnet",
    "cifar_alexnet",
    "fig1_net",
    "paper_init_",
    "count_parameters",
]

VARIANTS = (
    "paper",
    "ungrouped",
    "one_gpu_half",
    "torchvision",
    "cifar",
    "cifar_towers",
    "fig1",
)


@dataclass(frozen=True)
class ConvSpec:
    """One convolutional layer: output channels, kernel, stride, padding, groups, then what follows."""

    out_channels: int
    kernel: int
    stride: int = 1
    padding: int = 0
    groups: int = 1
    lrn: bool = False  # response normalization after the activation (§3.3)
    pool: bool = False  # max-pooling after (the LRN and) the activation (§3.4)


# Each variant's architecture. The switches in AlexNetConfig (activation, LRN, pooling, dropout,
# initialisation) then change how these layers behave, never their widths.
_ARCHITECTURES: dict[str, dict[str, Any]] = {
    "paper": dict(
        convs=(
            ConvSpec(96, 11, 4, 2, 1, lrn=True, pool=True),
            ConvSpec(256, 5, 1, 2, 2, lrn=True, pool=True),
            ConvSpec(384, 3, 1, 1, 1),
            ConvSpec(384, 3, 1, 1, 2),
            ConvSpec(256, 3, 1, 1, 2, pool=True),
        ),
        hidden=(4096, 4096),
        lrn_groups=2,
        default_lrn=True,
        torchvision_layout=False,
    ),
    "ungrouped": dict(
        convs=(
            ConvSpec(96, 11, 4, 2, lrn=True, pool=True),
            ConvSpec(256, 5, 1, 2, lrn=True, pool=True),
            ConvSpec(384, 3, 1, 1),
            ConvSpec(384, 3, 1, 1),
            ConvSpec(256, 3, 1, 1, pool=True),
        ),
        hidden=(4096, 4096),
        lrn_groups=1,
        default_lrn=True,
        torchvision_layout=False,
    ),
    "one_gpu_half": dict(
        convs=(
            ConvSpec(48, 11, 4, 2, lrn=True, pool=True),
            ConvSpec(128, 5, 1, 2, lrn=True, pool=True),
            ConvSpec(192, 3, 1, 1),
            ConvSpec(192, 3, 1, 1),
            ConvSpec(256, 3, 1, 1, pool=True),  # footnote 2 of §3.2: conv5 not halved
        ),
        hidden=(4096, 4096),
        lrn_groups=1,
        default_lrn=True,
        torchvision_layout=False,
    ),
    "torchvision": dict(
        convs=(
            ConvSpec(64, 11, 4, 2, pool=True),
            ConvSpec(192, 5, 1, 2, pool=True),
            ConvSpec(384, 3, 1, 1),
            ConvSpec(256, 3, 1, 1),
            ConvSpec(256, 3, 1, 1, pool=True),
        ),
        hidden=(4096, 4096),
        lrn_groups=1,
        default_lrn=False,
        torchvision_layout=True,
    ),
    "cifar": dict(
        convs=(
            ConvSpec(32, 5, 1, 2, lrn=True, pool=True),
            ConvSpec(64, 5, 1, 2, lrn=True, pool=True),
            ConvSpec(96, 3, 1, 1),
            ConvSpec(96, 3, 1, 1),
            ConvSpec(64, 3, 1, 1, pool=True),
        ),
        hidden=(256, 256),
        lrn_groups=1,
        default_lrn=True,
        torchvision_layout=False,
        ceil_pool=True,
    ),
    "cifar_towers": dict(
        convs=(
            ConvSpec(96, 5, 2, 2, 1, lrn=True, pool=True),
            ConvSpec(128, 5, 1, 2, 2, lrn=True, pool=True),
            ConvSpec(192, 3, 1, 1, 1),
            ConvSpec(192, 3, 1, 1, 2),
            ConvSpec(128, 3, 1, 1, 2, pool=True),
        ),
        hidden=(256, 256),
        lrn_groups=2,
        default_lrn=True,
        torchvision_layout=False,
        ceil_pool=True,
    ),
    "fig1": dict(
        convs=(
            ConvSpec(32, 5, 1, 2, pool=True),
            ConvSpec(32, 5, 1, 2, pool=True),
            ConvSpec(64, 5, 1, 2, pool=True),
        ),
        hidden=(),
        lrn_groups=1,
        default_lrn=False,
        torchvision_layout=False,
        ceil_pool=True,
    ),
}

_DEFAULT_INPUT = {"cifar": 32, "cifar_towers": 32, "fig1": 32}
_DEFAULT_DROPOUT = {"fig1": 0.0}
_DEFAULT_INIT = {"paper": "paper", "ungrouped": "paper", "one_gpu_half": "paper"}


@dataclass(frozen=True)
class AlexNetConfig:
    """Everything that defines one AlexNet: the variant plus each of the paper's switches.

    ``lrn=None``, ``dropout=None``, ``input_size=None`` and ``init=None`` mean "the variant's default".
    """

    variant: str = "paper"
    num_classes: int = 1000
    activation: str = "relu"  # §3.1: "relu" or "tanh"
    lrn: bool | None = None  # §3.3: response normalization after conv1 and conv2
    lrn_convention: str = "paper"  # "paper": k + α·Σa²  |  "pytorch": k + (α/n)·Σa²
    overlapping_pool: bool = True  # §3.4: 3×3 stride 2 (True) or 2×2 stride 2 (False)
    dropout: float | None = None  # §4.2: p in fc6 and fc7 (0.5)
    dropout_mode: str = (
        "inverted"  # "inverted" (PyTorch) or "paper" (×(1−p) at test time)
    )
    input_size: int | None = (
        None  # 224 (conv1 padded by 2) or 227 (no padding); 32 for cifar/fig1
    )
    init: str | None = None  # "paper" (§5) or "pytorch" (PyTorch's defaults)

    def __post_init__(self) -> None:
        check_choice(self.variant, "variant", VARIANTS)
        check_int(self.num_classes, "num_classes", minimum=2)
        check_choice(self.activation, "activation", ("relu", "tanh"))
        check_choice(self.lrn_convention, "lrn_convention", ("paper", "pytorch"))
        check_choice(self.dropout_mode, "dropout_mode", ("inverted", "paper"))
        for name in ("overlapping_pool",) + (("lrn",) if self.lrn is not None else ()):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(
                    f"{name} must be True or False, got {getattr(self, name)!r}"
                )
        if self.dropout is not None:
            check_probability(self.dropout, "dropout")
        if self.init is not None:
            check_choice(self.init, "init", ("paper", "pytorch"))
        if self.input_size is not None:
            check_int(self.input_size, "input_size", minimum=1)
            if self.variant in (
                "paper",
                "ungrouped",
                "one_gpu_half",
            ) and self.input_size not in (224, 227):
                raise ValueError(
                    f"input_size must be 224 or 227 for variant {self.variant!r} (its fc6 expects a "
                    f"6×6 map), got {self.input_size}"
                )
            if (
                self.variant in ("cifar", "cifar_towers", "fig1")
                and self.input_size != 32
            ):
                raise ValueError(
                    f"input_size must be 32 for variant {self.variant!r}, got {self.input_size}"
                )
            if self.variant == "torchvision" and self.input_size < 63:
                raise ValueError(
                    f"input_size must be >= 63 for variant 'torchvision', got {self.input_size}"
                )

    def resolved(self) -> "AlexNetConfig":
        """Return a copy with every ``None`` replaced by the variant's default."""
        arch = _ARCHITECTURES[self.variant]
        return replace(
            self,
            lrn=arch["default_lrn"] if self.lrn is None else self.lrn,
            dropout=_DEFAULT_DROPOUT.get(self.variant, 0.5)
            if self.dropout is None
            else self.dropout,
            input_size=_DEFAULT_INPUT.get(self.variant, 224)
            if self.input_size is None
            else self.input_size,
            init=_DEFAULT_INIT.get(self.variant, "pytorch")
            if self.init is None
            else self.init,
        )


class PaperDropout(nn.Module):
    """Dropout as §4.2 describes it: zero each unit with probability p while training, no rescaling;
    at test time keep every unit and multiply its output by 1 − p.

    PyTorch's ``nn.Dropout`` is "inverted" dropout: it scales kept units by 1/(1 − p) while training
    and does nothing at test time. The two agree in expectation.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = check_probability(p, "p")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            keep = torch.empty_like(x).bernoulli_(1.0 - self.p)
            return x * keep
        return x * (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def _activation(name: str) -> nn.Module:
    return nn.ReLU() if name == "relu" else nn.Tanh()


def _dropout(config: AlexNetConfig) -> nn.Module:
    if config.dropout_mode == "paper":
        return PaperDropout(config.dropout)
    return nn.Dropout(config.dropout)


class AlexNet(nn.Module):
    """An AlexNet built from an :class:`AlexNetConfig` (use :func:`alexnet` to make one).

    ``layer_names`` maps module paths (``"features.0"``) to the paper's names (``"conv1"``).
    """

    def __init__(self, config: AlexNetConfig) -> None:
        super().__init__()
        if not isinstance(config, AlexNetConfig):
            raise TypeError(
                f"config must be an AlexNetConfig, got {type(config).__name__}"
            )
        self.config = config = config.resolved()
        arch = _ARCHITECTURES[config.variant]
        self.layer_names: dict[str, str] = {}
        features, channels, spatial = self._build_features(config, arch)
        self.features = nn.Sequential(*features)
        if arch["torchvision_layout"]:
            self.avgpool: nn.Module = nn.AdaptiveAvgPool2d((6, 6))
            spatial = 6
        else:
            self.avgpool = nn.Identity()
        self.classifier = nn.Sequential(
            *self._build_classifier(config, arch, channels * spatial * spatial)
        )
        if config.init == "paper":
            paper_init_(self)

    def _build_features(
        self, config: AlexNetConfig, arch: dict
    ) -> tuple[list[nn.Module], int, int]:
        layers: list[nn.Module] = []
        channels, spatial = 3, config.input_size
        pool_size = 3 if config.overlapping_pool else 2
        for number, spec in enumerate(arch["convs"], start=1):
            padding = spec.padding
            if (
                number == 1
                and config.variant != "torchvision"
                and config.input_size == 227
            ):
                padding = 0  # (227 − 11)/4 + 1 = 55 without padding
            self._name(len(layers), f"conv{number}", "features")
            layers.append(
                nn.Conv2d(
                    channels,
                    spec.out_channels,
                    spec.kernel,
                    spec.stride,
                    padding,
                    groups=spec.groups,
                )
            )
            spatial = (spatial + 2 * padding - spec.kernel) // spec.stride + 1
            self._name(len(layers), f"{config.activation}{number}", "features")
            layers.append(_activation(config.activation))
            if spec.lrn and config.lrn:
                self._name(len(layers), f"lrn{number}", "features")
                layers.append(
                    LocalResponseNorm(
                        5,
                        1e-4,
                        0.75,
                        2.0,
                        convention=config.lrn_convention,
                        groups=arch["lrn_groups"],
                    )
                )
            if spec.pool:
                self._name(len(layers), f"pool{number}", "features")
                # ceil_mode on 32×32 inputs (cuda-convnet's pooling) so that 3×3/2 and 2×2/2 pooling
                # give the same map sizes there too (32→16→8→4), as they do at 55→27→13→6.
                ceil = arch.get("ceil_pool", False)
                layers.append(nn.MaxPool2d(pool_size, 2, ceil_mode=ceil))
                spatial = (
                    -(-(spatial - pool_size) // 2) + 1
                    if ceil
                    else (spatial - pool_size) // 2 + 1
                )
            channels = spec.out_channels
        return layers, channels, spatial

    def _build_classifier(
        self, config: AlexNetConfig, arch: dict, in_features: int
    ) -> list[nn.Module]:
        layers: list[nn.Module] = []
        widths = (*arch["hidden"], config.num_classes)
        first_fc = len(arch["convs"]) + 1
        for offset, width in enumerate(widths):
            hidden = offset < len(widths) - 1
            if (
                arch["torchvision_layout"] and hidden
            ):  # torchvision drops the input of fc6 and fc7
                layers.append(_dropout(config))
            self._name(len(layers), f"fc{first_fc + offset}", "classifier")
            layers.append(nn.Linear(in_features, width))
            if hidden:
                self._name(
                    len(layers), f"{config.activation}{first_fc + offset}", "classifier"
                )
                layers.append(_activation(config.activation))
                if (
                    not arch["torchvision_layout"] and config.dropout > 0
                ):  # §4.2: on fc6/fc7's outputs
                    layers.append(_dropout(config))
            in_features = width
        return layers

    def _name(self, index: int, name: str, block: str) -> None:
        self.layer_names[f"{block}.{index}"] = name

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the class scores (logits), shape (N, num_classes), for images (N, 3, H, W)."""
        check_images(x, "x")
        size = self.config.input_size
        if self.config.variant != "torchvision" and tuple(x.shape[-2:]) != (size, size):
            raise ValueError(
                f"x must be (N, 3, {size}, {size}) for this {self.config.variant!r} model "
                f"(built with input_size={size}), got shape {tuple(x.shape)}"
            )
        x = self.features(x)  # (N, 256, 6, 6) for the ImageNet variants
        x = self.avgpool(x)
        x = torch.flatten(x, 1)  # (N, 9216)
        return self.classifier(x)  # (N, num_classes)

    def named_layer(self, name: str) -> nn.Module:
        """Return the module the paper calls ``name`` (e.g. ``"conv1"``, ``"fc7"``)."""
        for path, paper_name in self.layer_names.items():
            if paper_name == name:
                return self.get_submodule(path)
        known = ", ".join(self.layer_names.values())
        raise ValueError(f"name must be one of {known}; got {name!r}")


def alexnet(
    variant: str = "paper", *, num_classes: int = 1000, **options: Any
) -> AlexNet:
    """Return a freshly initialised AlexNet of the given variant (see the module docstring).

    ``options`` are the fields of :class:`AlexNetConfig`: ``activation``, ``lrn``,
    ``lrn_convention``, ``overlapping_pool``, ``dropout``, ``dropout_mode``, ``input_size``, ``init``.
    """
    fields = set(AlexNetConfig.__dataclass_fields__) - {"variant", "num_classes"}
    unknown = sorted(set(options) - fields)
    if unknown:
        raise TypeError(
            f"unknown option(s) {', '.join(unknown)}; expected some of {', '.join(sorted(fields))}"
        )
    return AlexNet(AlexNetConfig(variant=variant, num_classes=num_classes, **options))


def cifar_alexnet(*, num_classes: int = 10, **options: Any) -> AlexNet:
    """Return the small 32×32 AlexNet-shaped net the quick chapters train in seconds."""
    return alexnet("cifar", num_classes=num_classes, **options)


def fig1_net(
    activation: str = "relu", *, num_classes: int = 10, **options: Any
) -> AlexNet:
    """Return §3.1's four-layer convolutional net (Fig. 1) with ``"relu"`` or ``"tanh"`` units."""
    return alexnet("fig1", num_classes=num_classes, activation=activation, **options)


_BIAS_ONE = {"conv2", "conv4", "conv5", "fc6", "fc7"}


@torch.no_grad()
def paper_init_(model: AlexNet, *, generator: torch.Generator | None = None) -> AlexNet:
    """Return ``model`` after initialising it as §5 says, in place.

    Weights ~ N(0, 0.01²); biases 1 in conv2, conv4, conv5 and the hidden FC layers (so the ReLUs
    start with positive inputs), 0 elsewhere.
    """
    if not isinstance(model, AlexNet):
        raise TypeError(f"model must be an AlexNet, got {type(model).__name__}")
    for path, name in model.layer_names.items():
        layer = model.get_submodule(path)
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            layer.weight.normal_(0.0, 0.01, generator=generator)
            hidden_fc = name.startswith("fc") and layer is not model.classifier[-1]
            one = name in _BIAS_ONE and (not name.startswith("fc") or hidden_fc)
            layer.bias.fill_(1.0 if one else 0.0)
    return model


def count_parameters(model: nn.Module, *, trainable_only: bool = False) -> int:
    """Return the number of parameters (weights + biases) of ``model``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(
        p.numel() for p in model.parameters() if p.requires_grad or not trainable_only
    )
