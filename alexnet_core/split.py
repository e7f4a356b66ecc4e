"""The paper's two-GPU model parallelism, made explicit (§3.2, Fig. 2).

A GTX 580 had 3 GB, too little for the whole net, so Krizhevsky put half of the kernels (and half
of the neurons of each FC layer) on each of two GPUs. The GPUs talk only at certain layers: conv3
and the fully connected layers see the kernel maps of both GPUs, while conv2, conv4 and conv5 see
only those on their own GPU. On one device that pattern is exactly a grouped convolution
(``groups=2``), which is how ``alexnet("paper")`` builds it.

:class:`TwoTowerAlexNet` runs the same net as two towers on two devices (any two, including the
same one twice), moving activations between them only where the paper does, and counts the bytes
that cross. Loading the weights of an ``alexnet("paper")`` model gives the same outputs. The
towers, the layers where they talk and what that costs are all read off the paper's row of
:data:`alexnet_core.architecture.ARCHITECTURES`: a conv layer with ``groups=1`` (after conv1) and
every fully connected layer read both GPUs' maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import torch
from torch import nn

from ._checks import check_images, check_int
from .architecture import ARCHITECTURES, layer_shapes
from .model import (
    AlexNet,
    AlexNetConfig,
    activation_layer,
    conv_block,
    dropout_layer,
)

__all__ = [
    "TwoTowerAlexNet",
    "SplitCosts",
    "split_costs",
    "tower_widths",
    "PAPER_CONNECTED",
    "SPLIT_LAYERS",
]

_PAPER = ARCHITECTURES["paper"]
_FC_NAMES = tuple(f"fc{6 + i}" for i in range(len(_PAPER.hidden) + 1))  # fc6 fc7 fc8
SPLIT_LAYERS = tuple(f"conv{i}" for i in range(2, len(_PAPER.convs) + 1)) + _FC_NAMES
# the layers whose inputs cross between GPUs: ungrouped convs after conv1, and every FC layer
PAPER_CONNECTED = (
    tuple(
        f"conv{number}"
        for number, conv in enumerate(_PAPER.convs, start=1)
        if number > 1 and conv.groups == 1
    )
    + _FC_NAMES
)


def tower_widths(num_classes: int = 1000) -> dict[str, int]:
    """Return {layer: outputs on one GPU} of the paper's net: half of every layer (Fig. 2)."""
    widths = {f"conv{i}": conv.out // 2 for i, conv in enumerate(_PAPER.convs, start=1)}
    widths.update(zip(_FC_NAMES, [w // 2 for w in _PAPER.hidden] + [num_classes // 2]))
    return widths


def _as_device(value: object, name: str) -> torch.device:
    try:
        device = torch.device(value)  # type: ignore[arg-type]
    except (TypeError, RuntimeError) as error:
        raise ValueError(
            f"{name} must name a device such as 'cpu' or 'cuda:0', got {value!r}"
        ) from error
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"{name}={value!r} was requested but torch.cuda.is_available() is False; use 'cpu'"
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"{name}={value!r} but only {torch.cuda.device_count()} CUDA device(s) exist"
            )
    return device


class _Tower(nn.Module):
    """One GPU's half of the paper's net, built from its spec row.

    Stages run between exchanges: ``stage1`` (conv1, conv2: this GPU's own maps), ``stage2``
    (conv3 reads both GPUs' maps; conv4 and conv5 only their own), then ``fc6``, ``fc7``,
    ``fc8``, each reading both GPUs' outputs. ``weighted`` maps conv/fc names to layers.
    """

    def __init__(self, config: AlexNetConfig, out_classes: int) -> None:
        super().__init__()
        self.weighted: dict[str, nn.Module] = {}
        stages: list[list[nn.Module]] = []
        shapes = layer_shapes(
            "paper", config.input_size, overlapping_pool=config.overlapping_pool
        )
        for shape in shapes:
            reads_both = shape.name in PAPER_CONNECTED
            if reads_both or not stages:
                stages.append([])
            block = conv_block(
                config, shape, out=shape.spec.out // 2, groups=1, lrn_groups=1,
                in_channels=shape.in_channels // (1 if reads_both or shape.name == "conv1" else 2),
            )  # fmt: skip
            self.weighted[shape.name] = block[0][1]
            stages[-1] += [module for _, module in block]
        for number, stage in enumerate(stages, start=1):
            self.add_module(f"stage{number}", nn.Sequential(*stage))
        self.stages = len(stages)
        in_features = (
            shapes[-1].spec.out * shapes[-1].out_size ** 2
        )  # both GPUs' 256 · 6 · 6
        for name, width in zip(_FC_NAMES, (*_PAPER.hidden, None)):
            if width is None:  # fc8: this tower's share of the class scores
                self.fc8 = self.weighted[name] = nn.Linear(in_features, out_classes)
                break
            linear = self.weighted[name] = nn.Linear(in_features, width // 2)
            drop = [dropout_layer(config)] if config.dropout > 0 else []
            layers = [linear, activation_layer(config.activation), *drop]
            self.add_module(name, nn.Sequential(*layers))
            in_features = width

    def parts(self) -> list[nn.Module]:
        """Return the stages and fc layers in the order they run, one exchange after each."""
        stages = [getattr(self, f"stage{i}") for i in range(1, self.stages + 1)]
        return stages + [getattr(self, name) for name in _FC_NAMES]


class TwoTowerAlexNet(nn.Module):
    """Return-value-compatible twin of ``alexnet("paper")`` split over two devices (§3.2).

    ``devices`` may be two GPUs (``("cuda:0", "cuda:1")``), one device twice (``("cpu", "cpu")``)
    or any mix. ``options`` are :class:`AlexNetConfig` switches (activation, lrn, ...). The output
    lives on ``devices[0]``. After each forward pass, ``bytes_exchanged`` holds the bytes that
    crossed between the towers (counted whether or not the two devices differ; the input image,
    which each tower reads from the host, is not counted).
    """

    def __init__(
        self,
        devices: Sequence[object] = ("cpu", "cpu"),
        *,
        num_classes: int = 1000,
        **options: Any,
    ) -> None:
        super().__init__()
        if isinstance(devices, (str, torch.device)) or len(devices) != 2:
            raise ValueError(
                f"devices must be a pair like ('cuda:0', 'cuda:1'), got {devices!r}"
            )
        self.devices = tuple(
            _as_device(d, f"devices[{i}]") for i, d in enumerate(devices)
        )
        self.config = AlexNetConfig(
            variant="paper", num_classes=num_classes, **options
        ).resolved()
        first = (num_classes + 1) // 2
        self.towers = nn.ModuleList(
            [_Tower(self.config, first), _Tower(self.config, num_classes - first)]
        )
        for tower, device in zip(self.towers, self.devices):
            tower.to(device)
        self.bytes_exchanged = 0

    @classmethod
    def from_grouped(
        cls, model: AlexNet, devices: Sequence[object] = ("cpu", "cpu")
    ) -> "TwoTowerAlexNet":
        """Return a two-tower copy of a grouped ``alexnet("paper")`` model with the same weights."""
        if not isinstance(model, AlexNet) or model.config.variant != "paper":
            raise TypeError(
                f"model must be an alexnet('paper') model, got {type(model).__name__}"
            )
        options = {
            k: getattr(model.config, k)
            for k in (
                "activation",
                "lrn",
                "lrn_convention",
                "overlapping_pool",
                "dropout",
                "dropout_mode",
                "input_size",
            )
        }
        twin = cls(
            devices, num_classes=model.config.num_classes, init="pytorch", **options
        )
        twin.load_grouped_state(model)
        return twin

    @torch.no_grad()
    def load_grouped_state(self, model: AlexNet) -> None:
        """Copy the weights of a grouped ``alexnet("paper")`` model into the towers, in place."""
        for index, tower in enumerate(self.towers):
            for name, layer in tower.weighted.items():
                grouped = model.named_layer(name)
                sizes = [t.weighted[name].weight.shape[0] for t in self.towers]
                start = (
                    0 if index == 0 else sizes[0]
                )  # tower 0 owns the first output rows
                rows = slice(start, start + sizes[index])
                layer.weight.copy_(grouped.weight[rows])
                layer.bias.copy_(grouped.bias[rows])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the class scores (N, num_classes) on ``devices[0]`` for images (N, 3, H, W)."""
        check_images(x, "x")
        size = self.config.input_size
        if tuple(x.shape[-2:]) != (size, size):
            raise ValueError(
                f"x must be (N, 3, {size}, {size}), got shape {tuple(x.shape)}"
            )
        self.bytes_exchanged = 0
        parts = [tower.parts() for tower in self.towers]
        h = [
            x.to(device) for device in self.devices
        ]  # each tower reads the host's image
        for step in range(len(parts[0])):
            if step:  # stage1 reads the image; everything after reads both towers' maps
                h = self._exchange(h)
            if (
                step == self.towers[0].stages
            ):  # the first FC layer: (N, 256·6·6 / 2) each
                h = [torch.flatten(half, 1) for half in h]
            h = [tower_parts[step](half) for tower_parts, half in zip(parts, h)]
        self.bytes_exchanged += (
            h[1].nelement() * h[1].element_size()
        )  # gather on devices[0]
        return torch.cat([h[0], h[1].to(self.devices[0])], dim=1)  # (N, num_classes)

    def _exchange(self, halves: list[torch.Tensor]) -> list[torch.Tensor]:
        """Return, for each tower, both halves concatenated on that tower's device."""
        self.bytes_exchanged += sum(h.nelement() * h.element_size() for h in halves)
        return [
            torch.cat([halves[0].to(d), halves[1].to(d)], dim=1) for d in self.devices
        ]


@dataclass(frozen=True)
class SplitCosts:
    """What a choice of communicating layers costs: parameters and bytes crossing per image."""

    connected: tuple[str, ...]
    parameters: int
    bytes_per_image: int
    bytes_by_layer: dict[str, int]


def _paper_layers() -> list[tuple[str, int, int, int, int]]:
    """Return (name, inputs per output, outputs, kernel², input values per image) per layer."""
    shapes = layer_shapes("paper")
    rows = [
        (
            s.name,
            s.in_channels,
            s.spec.out,
            s.spec.kernel**2,
            s.in_channels * s.in_size**2,
        )
        for s in shapes
    ]
    in_features = shapes[-1].spec.out * shapes[-1].out_size ** 2  # 9216
    for name, width in zip(_FC_NAMES, (*_PAPER.hidden, 1000)):
        rows.append((name, in_features, width, 1, in_features))
        in_features = width
    return rows


def _check_connected(connected: object) -> tuple[str, ...]:
    if isinstance(connected, str):
        connected = (connected,)
    if not isinstance(connected, Iterable):
        raise TypeError(
            f"connected must be layer names such as {PAPER_CONNECTED}, got {connected!r}"
        )
    chosen = tuple(connected)
    unknown = sorted(set(chosen) - set(SPLIT_LAYERS))
    if unknown:
        raise ValueError(
            f"connected must contain only {', '.join(SPLIT_LAYERS)}; "
            f"got {', '.join(unknown)}"
        )
    return chosen


def split_costs(
    connected: Iterable[str] = PAPER_CONNECTED, *, bytes_per_value: int = 4
) -> SplitCosts:
    """Return the parameters and per-image traffic of the two-GPU net when ``connected``
    layers read both GPUs' outputs and the other layers read only their own GPU's (§3.2).

    A connected layer's input crosses once in each direction (each GPU sends its half), so
    its traffic is its whole input; a layer that stays on its GPU has half the weights and
    sends nothing. The final class scores are gathered on the first GPU (half the scores
    cross). With ``PAPER_CONNECTED`` the parameters are the paper's 60,965,224; with every
    layer connected they are the ungrouped 62,378,344.
    """
    bytes_per_value = check_int(bytes_per_value, "bytes_per_value")
    chosen = _check_connected(connected)
    parameters, traffic = 0, {}
    for name, fan_in, fan_out, kernel, inputs in _paper_layers():
        both = name in chosen or name == "conv1"  # conv1 reads the whole image
        parameters += fan_out * (fan_in if both else fan_in // 2) * kernel + fan_out
        if name in chosen:
            traffic[name] = inputs * bytes_per_value
    traffic["output gather"] = tower_widths()["fc8"] * bytes_per_value
    connected = tuple(n for n in SPLIT_LAYERS if n in chosen)
    return SplitCosts(connected, parameters, sum(traffic.values()), traffic)
