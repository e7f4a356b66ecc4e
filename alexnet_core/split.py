"""The paper's two-GPU model parallelism, made explicit (§3.2, Fig. 2).

A GTX 580 had 3 GB, too little for the whole net, so Krizhevsky put half of the kernels (and half
of the neurons of each FC layer) on each of two GPUs. The GPUs talk only at certain layers: conv3
and the fully connected layers see the kernel maps of both GPUs, while conv2, conv4 and conv5 see
only those on their own GPU. On one device that pattern is exactly a grouped convolution
(``groups=2``), which is how ``alexnet("paper")`` builds it.

:class:`TwoTowerAlexNet` runs the same net as two towers on two devices (any two, including the
same one twice), moving activations between them only where the paper does, and counts the bytes
that cross. Loading the weights of an ``alexnet("paper")`` model gives the same outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import torch
from torch import nn

from ._checks import check_images, check_int
from .model import AlexNet, AlexNetConfig, _activation, _dropout
from .lrn import LocalResponseNorm

__all__ = [
    "TwoTowerAlexNet",
    "SplitCosts",
    "split_costs",
    "PAPER_CONNECTED",
    "SPLIT_LAYERS",
]

SPLIT_LAYERS = ("conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8")
PAPER_CONNECTED = (
    "conv3",
    "fc6",
    "fc7",
    "fc8",
)  # the layers whose inputs cross between GPUs


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
    """One GPU's half of the paper's net."""

    def __init__(self, config: AlexNetConfig, out_classes: int) -> None:
        super().__init__()
        act = config.activation
        pool = (3, 2) if config.overlapping_pool else (2, 2)
        padding = 0 if config.input_size == 227 else 2
        lrn = lambda: (  # noqa: E731 - a small factory keeps the two stages readable
            [LocalResponseNorm(5, 1e-4, 0.75, 2.0, convention=config.lrn_convention)]
            if config.lrn
            else []
        )
        self.stage1 = nn.Sequential(  # this GPU's own maps only
            nn.Conv2d(3, 48, 11, 4, padding),
            _activation(act),
            *lrn(),
            nn.MaxPool2d(*pool),
            nn.Conv2d(48, 128, 5, 1, 2),
            _activation(act),
            *lrn(),
            nn.MaxPool2d(*pool),
        )
        self.stage2 = (
            nn.Sequential(  # conv3 sees both GPUs' maps; conv4 and conv5 only their own
                nn.Conv2d(256, 192, 3, 1, 1),
                _activation(act),
                nn.Conv2d(192, 192, 3, 1, 1),
                _activation(act),
                nn.Conv2d(192, 128, 3, 1, 1),
                _activation(act),
                nn.MaxPool2d(*pool),
            )
        )
        drop = [_dropout(config)] if config.dropout > 0 else []
        self.fc6 = nn.Sequential(nn.Linear(256 * 6 * 6, 2048), _activation(act), *drop)
        self.fc7 = nn.Sequential(
            nn.Linear(4096, 2048), _activation(act), *[_dropout(config) for _ in drop]
        )
        self.fc8 = nn.Linear(4096, out_classes)


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
        """Copy the weights of a grouped ``alexnet("paper")`` model into the two towers, in place."""
        grouped = {
            name: model.named_layer(name)
            for name in (
                "conv1",
                "conv2",
                "conv3",
                "conv4",
                "conv5",
                "fc6",
                "fc7",
                "fc8",
            )
        }
        splits = {
            "fc8": (self.towers[0].fc8.out_features, self.towers[1].fc8.out_features)
        }
        for index, tower in enumerate(self.towers):
            mine = {
                "conv1": tower.stage1[0],
                "conv2": tower.stage1[4 if self.config.lrn else 3],
                "conv3": tower.stage2[0],
                "conv4": tower.stage2[2],
                "conv5": tower.stage2[4],
                "fc6": tower.fc6[0],
                "fc7": tower.fc7[0],
                "fc8": tower.fc8,
            }
            for name, layer in mine.items():
                sizes = splits.get(name, (layer.weight.shape[0], layer.weight.shape[0]))
                start = (
                    0 if index == 0 else sizes[0]
                )  # output rows: tower 0 owns the first half
                rows = slice(start, start + sizes[index])
                layer.weight.copy_(grouped[name].weight[rows])
                layer.bias.copy_(grouped[name].bias[rows])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the class scores (N, num_classes) on ``devices[0]`` for images (N, 3, H, W)."""
        check_images(x, "x")
        size = self.config.input_size
        if tuple(x.shape[-2:]) != (size, size):
            raise ValueError(
                f"x must be (N, 3, {size}, {size}), got shape {tuple(x.shape)}"
            )
        self.bytes_exchanged = 0
        (d0, d1), (t0, t1) = self.devices, self.towers
        a = [
            t0.stage1(x.to(d0)),
            t1.stage1(x.to(d1)),
        ]  # (N, 128, 13, 13) on each device
        both = self._exchange(
            a
        )  # conv3 reads both GPUs' maps: (N, 256, 13, 13) on each
        b = [
            torch.flatten(t.stage2(h), 1) for t, h in zip(self.towers, both)
        ]  # (N, 4608) each
        h = [t.fc6(v) for t, v in zip(self.towers, self._exchange(b))]  # (N, 2048) each
        h = [t.fc7(v) for t, v in zip(self.towers, self._exchange(h))]  # (N, 2048) each
        logits = [t.fc8(v) for t, v in zip(self.towers, self._exchange(h))]
        self.bytes_exchanged += (
            logits[1].nelement() * logits[1].element_size()
        )  # gather on devices[0]
        return torch.cat([logits[0], logits[1].to(d0)], dim=1)  # (N, num_classes)

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


# (name, input channels or features, output, kernel², input elements per image)
_PAPER_LAYERS = (
    ("conv2", 96, 256, 25, 96 * 27 * 27),
    ("conv3", 256, 384, 9, 256 * 13 * 13),
    ("conv4", 384, 384, 9, 384 * 13 * 13),
    ("conv5", 384, 256, 9, 384 * 13 * 13),
    ("fc6", 9216, 4096, 1, 9216),
    ("fc7", 4096, 4096, 1, 4096),
    ("fc8", 4096, 1000, 1, 4096),
)


def split_costs(
    connected: Iterable[str] = PAPER_CONNECTED, *, bytes_per_value: int = 4
) -> SplitCosts:
    """Return the parameters and per-image traffic of the two-GPU net when ``connected`` layers
    read both GPUs' outputs and the other layers read only their own GPU's (§3.2).

    A connected layer's input crosses once in each direction (each GPU sends its half), so its
    traffic is its whole input; a layer that stays on its GPU has half the weights and sends
    nothing. The final class scores are gathered on the first GPU (half the scores cross). With
    ``PAPER_CONNECTED`` the parameters are the paper's 60,965,224; with every layer connected
    they are the ungrouped 62,378,344.
    """
    bytes_per_value = check_int(bytes_per_value, "bytes_per_value")
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
            f"connected must contain only {', '.join(SPLIT_LAYERS)}; got {', '.join(unknown)}"
        )
    conv1 = 96 * 3 * 11 * 11 + 96
    parameters, traffic = conv1, {}
    for name, fan_in, fan_out, kernel, inputs in _PAPER_LAYERS:
        both = name in chosen
        parameters += fan_out * (fan_in if both else fan_in // 2) * kernel + fan_out
        if both:
            traffic[name] = inputs * bytes_per_value
    traffic["output gather"] = 500 * bytes_per_value
    return SplitCosts(
        tuple(n for n in SPLIT_LAYERS if n in chosen),
        parameters,
        sum(traffic.values()),
        traffic,
    )
