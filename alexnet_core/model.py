"""The AlexNet models: the paper's two-tower net and its relatives (§3, Fig. 2).

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
NIPS 2012. Every variant (listed in :mod:`alexnet_core.architecture`) is one :class:`AlexNet`
built from an :class:`AlexNetConfig`, with the ``features`` / ``avgpool`` / ``classifier`` layout
every torchvision user knows.

224 versus 227: the paper says 224×224×3 input, but an 11×11 stride-4 convolution without padding
maps 224 to 54.25, not the 55×55 of Fig. 2; 227 gives (227 − 11)/4 + 1 = 55 exactly (Caffe's
choice). ``input_size=224`` (default) pads conv1 by 2 pixels as torchvision does
((224 + 4 − 11)/4 + 1 = 55.25 → 55); ``input_size=227`` uses no padding. Both give 55×55 maps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

import torch
from torch import nn

from ._checks import check_choice, check_images, check_int, check_probability
from .architecture import (
    ARCHITECTURES,
    VARIANTS,
    Architecture,
    LayerShape,
    layer_shapes,
)
from .lrn import LocalResponseNorm

__all__ = [
    "VARIANTS",
    "AlexNetConfig",
    "AlexNet",
    "PaperDropout",
    "alexnet",
    "cifar_alexnet",
    "fig1_net",
    "normal_init_",
    "paper_init_",
    "count_parameters",
]


@dataclass(frozen=True)
class AlexNetConfig:
    """Everything that defines one AlexNet: the variant plus each of the paper's switches.

    ``lrn=None``, ``dropout=None``, ``input_size=None`` and ``init=None`` mean "the variant's
    default" (its :class:`Architecture`).
    """

    variant: str = "paper"
    num_classes: int = 1000
    activation: str = "relu"  # §3.1: "relu" or "tanh"
    lrn: bool | None = None  # §3.3: response normalization after conv1 and conv2
    lrn_convention: str = "paper"  # "paper": k + α·Σa²  |  "pytorch": k + (α/n)·Σa²
    overlapping_pool: bool = True  # §3.4: 3×3 stride 2 (True) or 2×2 stride 2 (False)
    dropout: float | None = None  # §4.2: p in fc6 and fc7 (0.5)
    dropout_mode: str = "inverted"  # "inverted" (PyTorch) or "paper" (×(1−p) at test)
    input_size: int | None = None  # 224 (conv1 padded by 2) or 227 (no padding); 32
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
            self._check_input_size(ARCHITECTURES[self.variant])

    def _check_input_size(self, arch: Architecture) -> None:
        size = check_int(self.input_size, "input_size", minimum=1)
        allowed = " or ".join(map(str, arch.input_sizes))
        if arch.input_sizes and size not in arch.input_sizes:
            why = " (its fc6 expects a 6×6 map)" if len(arch.input_sizes) > 1 else ""
            raise ValueError(
                f"input_size must be {allowed} for variant {self.variant!r}{why}, "
                f"got {size}"
            )
        if size < arch.min_input:
            raise ValueError(
                f"input_size must be >= {arch.min_input} for variant "
                f"{self.variant!r}, got {size}"
            )

    def resolved(self) -> AlexNetConfig:
        """Return a copy with every ``None`` replaced by the variant's default."""
        arch = ARCHITECTURES[self.variant]
        return replace(
            self,
            lrn=arch.default_lrn if self.lrn is None else self.lrn,
            dropout=arch.default_dropout if self.dropout is None else self.dropout,
            input_size=arch.input_size if self.input_size is None else self.input_size,
            init=arch.default_init if self.init is None else self.init,
        )


class PaperDropout(nn.Module):
    """Dropout as §4.2 describes it: zero each unit with probability p while training, no
    rescaling; at test time keep every unit and multiply its output by 1 − p.

    PyTorch's ``nn.Dropout`` is "inverted" dropout: it scales kept units by 1/(1 − p) while
    training and does nothing at test time. The two agree in expectation.
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


def activation_layer(name: str) -> nn.Module:
    """Return a fresh ``nn.ReLU`` or ``nn.Tanh`` (§3.1)."""
    return nn.ReLU() if name == "relu" else nn.Tanh()


def dropout_layer(config: AlexNetConfig) -> nn.Module:
    """Return the dropout layer ``config`` asks for (§4.2)."""
    if config.dropout_mode == "paper":
        return PaperDropout(config.dropout)
    return nn.Dropout(config.dropout)


def conv_block(
    config: AlexNetConfig,
    shape: LayerShape,
    *,
    in_channels: int,
    out: int,
    groups: int,
    lrn_groups: int,
) -> list[tuple[str, nn.Module]]:
    """Return the (paper name, module) pairs of one conv layer: conv, activation, LRN, pool."""
    number, spec = shape.name[4:], shape.spec
    conv = nn.Conv2d(
        in_channels, out, spec.kernel, spec.stride, shape.padding, groups=groups
    )
    layers = [
        (shape.name, conv),
        (f"{config.activation}{number}", activation_layer(config.activation)),
    ]
    if spec.lrn and config.lrn:
        lrn = LocalResponseNorm(
            5, 1e-4, 0.75, 2.0, convention=config.lrn_convention, groups=lrn_groups
        )
        layers.append((f"lrn{number}", lrn))
    if spec.pool:
        ceil = ARCHITECTURES[config.variant].ceil_pool
        pool_size = 3 if config.overlapping_pool else 2
        layers.append((f"pool{number}", nn.MaxPool2d(pool_size, 2, ceil_mode=ceil)))
    return layers


class AlexNet(nn.Module):
    """An AlexNet built from an :class:`AlexNetConfig` (use :func:`alexnet` to make one).

    ``features`` / ``avgpool`` / ``classifier``, as in torchvision. ``layer_names`` maps
    module paths (``"features.0"``) to the paper's names (``"conv1"``).
    """

    def __init__(self, config: AlexNetConfig) -> None:
        super().__init__()
        if not isinstance(config, AlexNetConfig):
            raise TypeError(
                f"config must be an AlexNetConfig, got {type(config).__name__}"
            )
        self.config = config = config.resolved()
        arch = ARCHITECTURES[config.variant]
        self.layer_names: dict[str, str] = {}
        shapes = layer_shapes(
            config.variant, config.input_size, overlapping_pool=config.overlapping_pool
        )
        features = []
        for shape in shapes:
            features += conv_block(
                config, shape, in_channels=shape.in_channels, out=shape.spec.out,
                groups=shape.spec.groups, lrn_groups=arch.lrn_groups,
            )  # fmt: skip
        self.features = nn.Sequential(*self._named(features, "features"))
        spatial = 6 if arch.torchvision_layout else shapes[-1].out_size
        self.avgpool = (
            nn.AdaptiveAvgPool2d((6, 6)) if arch.torchvision_layout else nn.Identity()
        )
        in_features = shapes[-1].spec.out * spatial * spatial  # 256 · 6 · 6 = 9216
        self.classifier = nn.Sequential(
            *self._named(self._classifier(arch, in_features), "classifier")
        )
        if config.init == "paper":
            paper_init_(self)

    def _classifier(
        self, arch: Architecture, in_features: int
    ) -> list[tuple[str | None, nn.Module]]:
        config, layers = self.config, []
        widths = (*arch.hidden, config.num_classes)
        first = len(arch.convs) + 1  # fc6 for the five-conv nets
        for offset, width in enumerate(widths):
            hidden = offset < len(widths) - 1
            if (
                arch.torchvision_layout and hidden
            ):  # torchvision drops fc6's and fc7's input
                layers.append((None, dropout_layer(config)))
            layers.append((f"fc{first + offset}", nn.Linear(in_features, width)))
            if hidden:
                layers.append(
                    (
                        f"{config.activation}{first + offset}",
                        activation_layer(config.activation),
                    )
                )
                if (
                    not arch.torchvision_layout and config.dropout > 0
                ):  # §4.2: on the outputs
                    layers.append((None, dropout_layer(config)))
            in_features = width
        return layers

    def _named(
        self, layers: list[tuple[str | None, nn.Module]], block: str
    ) -> list[nn.Module]:
        for index, (name, _) in enumerate(layers):
            if name is not None:
                self.layer_names[f"{block}.{index}"] = name
        return [module for _, module in layers]

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


@torch.no_grad()
def normal_init_(
    model: nn.Module,
    std: Callable[[nn.Module], float],
    bias: Callable[[nn.Module], float] = lambda layer: 0.0,
    *,
    generator: torch.Generator | None = None,
) -> nn.Module:
    """Return ``model`` after drawing each Conv2d/Linear weight from N(0, std(layer)²), in place.

    Each bias is filled with ``bias(layer)``. Layers are drawn in module order, so the same
    ``generator`` state gives the same weights. The package's one initialisation loop:
    :func:`paper_init_` and :mod:`alexnet_core.lab.init` (He, gain) are written with it.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator or None, got {type(generator).__name__}"
        )
    for layer in model.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            layer.weight.normal_(0.0, std(layer), generator=generator)
            if layer.bias is not None:
                layer.bias.fill_(bias(layer))
    return model


_BIAS_ONE = {
    "conv2",
    "conv4",
    "conv5",
    "fc6",
    "fc7",
}  # §5: "the neuron biases … with 1"


def paper_init_(model: AlexNet, *, generator: torch.Generator | None = None) -> AlexNet:
    """Return ``model`` after initialising it as §5 says, in place.

    Weights ~ N(0, 0.01²); biases 1 in conv2, conv4, conv5 and the hidden FC layers (so the
    ReLUs start with positive inputs), 0 elsewhere.
    """
    if not isinstance(model, AlexNet):
        raise TypeError(f"model must be an AlexNet, got {type(model).__name__}")
    names = {
        model.get_submodule(path): name for path, name in model.layer_names.items()
    }
    output = model.classifier[-1]

    def bias(layer: nn.Module) -> float:
        return 1.0 if names.get(layer) in _BIAS_ONE and layer is not output else 0.0

    return normal_init_(model, lambda layer: 0.01, bias, generator=generator)


def count_parameters(model: nn.Module, *, trainable_only: bool = False) -> int:
    """Return the number of parameters (weights + biases) of ``model``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(
        p.numel() for p in model.parameters() if p.requires_grad or not trainable_only
    )
