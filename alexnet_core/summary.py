"""Per-layer tables: output shape, parameters and multiply-adds of any model at any input size (§3.5).

The multiply-add count of a convolution is (output elements) × (input channels per group) × kH × kW;
of a linear layer, in_features × out_features. Activations, pooling and normalisation are counted as
zero multiply-adds: they are cheap next to the convolutions and matrix products.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ._checks import check_int
from .features import run_with_hooks

__all__ = ["LayerRow", "LayerTable", "layer_table", "text_table"]


def text_table(cells: list, *, left: int = 1, strip: bool = False) -> str:
    """Return rows of strings as aligned text: a header, a rule, the rows.

    The first ``left`` columns are left-aligned, the others right-aligned (numbers);
    ``strip`` drops trailing spaces.
    """
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = []
    for index, row in enumerate(cells):
        parts = [
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths))
        ]
        line = "  ".join(parts)
        lines.append(line.rstrip() if strip else line)
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


@dataclass(frozen=True)
class LayerRow:
    """One row of a :class:`LayerTable`."""

    name: str
    kind: str
    output_shape: tuple[int, ...]  # without the batch dimension
    parameters: int
    mult_adds: int

    @property
    def neurons(self) -> int:
        """Return the number of output values (the paper's "neurons") of this layer."""
        total = 1
        for size in self.output_shape:
            total *= size
        return total


class LayerTable(list):
    """A list of :class:`LayerRow` that prints as a table (text and HTML)."""

    def __init__(self, rows: list[LayerRow], input_shape: tuple[int, ...]) -> None:
        super().__init__(rows)
        self.input_shape = input_shape

    @property
    def parameters(self) -> int:
        """Return the total number of parameters over all rows."""
        return sum(row.parameters for row in self)

    @property
    def mult_adds(self) -> int:
        """Return the total number of multiply-adds over all rows."""
        return sum(row.mult_adds for row in self)

    def _cells(self) -> list[tuple[str, ...]]:
        rows = [("layer", "kind", "output shape", "parameters", "mult-adds")]
        rows.append(("input", "", " × ".join(map(str, self.input_shape)), "", ""))
        for row in self:
            shape = " × ".join(map(str, row.output_shape))
            rows.append(
                (row.name, row.kind, shape, f"{row.parameters:,}", f"{row.mult_adds:,}")
            )
        rows.append(("total", "", "", f"{self.parameters:,}", f"{self.mult_adds:,}"))
        return rows

    def __str__(self) -> str:
        return text_table(self._cells(), left=3, strip=True)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        cells = self._cells()
        head = "".join(f"<th>{c}</th>" for c in cells[0])
        body = "".join(
            "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
            for row in cells[1:]
        )
        return f'<table class="layer-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


_SHAPE_PRESERVING = (nn.Dropout, nn.Identity)  # left out of the table


def _mult_adds(module: nn.Module, output: torch.Tensor) -> int:
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return output[0].numel() * (module.in_channels // module.groups) * kh * kw
    if isinstance(module, nn.Linear):
        return module.in_features * module.out_features
    return 0


def layer_table(
    model: nn.Module, input_size: int | None = None, *, channels: int = 3
) -> LayerTable:
    """Return the per-layer output shapes, parameter counts and multiply-adds of ``model``.

    Runs one forward pass of a single blank image (batch 1, CPU-cheap) with hooks on every leaf
    module. ``input_size`` defaults to ``model.config.input_size`` for an AlexNet. Layers are named
    with the paper's names (``conv1``, ``lrn1``, ``pool1`` …) where the model provides
    ``layer_names``; dropout layers are left out (they do not change shapes or counts).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if input_size is None:
        config = getattr(model, "config", None)
        if config is None or getattr(config, "input_size", None) is None:
            raise ValueError(
                "input_size must be given for a model without config.input_size"
            )
        input_size = config.input_size
    check_int(input_size, "input_size", minimum=1)
    check_int(channels, "channels")
    names = getattr(model, "layer_names", {})
    rows: list[LayerRow] = []

    def record(path: str):
        def hook(module: nn.Module, inputs, output) -> None:
            params = sum(p.numel() for p in module.parameters(recurse=False))
            shape = tuple(output.shape[1:])
            kind, mult_adds = type(module).__name__, _mult_adds(module, output)
            rows.append(LayerRow(names.get(path, path), kind, shape, params, mult_adds))

        return hook

    hooks = [
        (module, record(path))
        for path, module in model.named_modules()
        if next(iter(module.children()), None) is None  # leaves only
        and not isinstance(module, _SHAPE_PRESERVING)
        and type(module).__name__ != "PaperDropout"
    ]
    run_with_hooks(model, torch.zeros(1, channels, input_size, input_size), hooks)
    return LayerTable(rows, (channels, input_size, input_size))
