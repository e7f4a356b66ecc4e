"""How much GPU memory training a network needs: weights, gradients, momentum and stored activations (§3.2).

§3.2: "A single GTX 580 GPU has only 3GB of memory, which limits the maximum size of the networks that
can be trained on it." :func:`training_memory` turns a :class:`~alexnet_core.summary.LayerTable` into
the usual back-of-the-envelope budget for one SGD step with momentum:

* **weights**, their **gradients** and one **momentum** buffer: three numbers per parameter;
* **activations**: every layer's output for the whole batch (plus the input batch), kept from the
  forward pass because the backward pass needs them;
* **activation gradients**: during the backward pass only the gradients at one layer's input and
  output are alive at a time, so the peak is the largest (input + output) pair.

It is a lower bound on what a framework allocates: it leaves out scratch space of the convolution
routines, the CUDA context, the next input batch and allocator fragmentation; and an upper bound on
what a careful implementation must *store*, since an in-place ReLU needs no separate output and a
max-pool can keep indices instead of values. Dropout masks are left out (two FC layers: small).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_int
from ..summary import LayerTable

__all__ = ["MemoryEstimate", "training_memory", "measured_training_memory"]


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes needed by one training step, by kind (see the module docstring); ``total`` sums them."""

    batch_size: int
    bytes_per_value: int
    weights: int
    weight_gradients: int
    momentum: int
    activations: int
    activation_gradients: int
    activations_by_layer: dict[str, int]

    @property
    def total(self) -> int:
        """Return the sum of the five parts in bytes."""
        return (
            self.weights
            + self.weight_gradients
            + self.momentum
            + self.activations
            + self.activation_gradients
        )

    def parts(self) -> dict[str, int]:
        """Return {part name: bytes} for the five parts, in the order they are printed."""
        return {
            "weights": self.weights,
            "weight gradients": self.weight_gradients,
            "momentum buffer": self.momentum,
            "stored activations": self.activations,
            "activation gradients (peak)": self.activation_gradients,
        }

    def __str__(self) -> str:
        width = max(len(name) for name in self.parts())
        lines = [
            f"{name:<{width}}  {value / 2**20:9,.1f} MiB"
            for name, value in self.parts().items()
        ]
        lines.append(f"{'total':<{width}}  {self.total / 2**20:9,.1f} MiB")
        return "\n".join(lines)


def training_memory(
    table: LayerTable,
    batch_size: int = 128,
    *,
    bytes_per_value: int = 4,
    momentum: bool = True,
) -> MemoryEstimate:
    """Return the memory a training step of the tabled model needs at ``batch_size`` (§3.2, §5).

    ``table`` is ``layer_table(model)``; batch 128 and float32 (4 bytes) are the paper's (§5).
    ``momentum=False`` drops the momentum buffer (plain SGD).
    """
    if not isinstance(table, LayerTable):
        raise TypeError(
            f"table must be a LayerTable from layer_table(model), got {type(table).__name__}"
        )
    if not table:
        raise ValueError("table must hold at least one layer, got an empty LayerTable")
    batch_size = check_int(batch_size, "batch_size")
    bytes_per_value = check_int(bytes_per_value, "bytes_per_value")
    if not isinstance(momentum, bool):
        raise TypeError(f"momentum must be True or False, got {momentum!r}")
    per_batch = batch_size * bytes_per_value
    input_values = 1
    for size in table.input_shape:
        input_values *= size
    by_layer = {"input": input_values * per_batch}
    by_layer.update({row.name: row.neurons * per_batch for row in table})
    sizes = [input_values] + [
        row.neurons for row in table
    ]  # values entering and leaving each layer
    peak_pair = max(a + b for a, b in zip(sizes, sizes[1:]))
    weights = table.parameters * bytes_per_value
    return MemoryEstimate(
        batch_size=batch_size,
        bytes_per_value=bytes_per_value,
        weights=weights,
        weight_gradients=weights,
        momentum=weights if momentum else 0,
        activations=sum(by_layer.values()),
        activation_gradients=peak_pair * per_batch,
        activations_by_layer=by_layer,
    )


def measured_training_memory(
    model: nn.Module,
    batch_size: int = 128,
    *,
    input_size: int = 224,
    device: torch.device | str = "cuda",
) -> int:
    """Return the peak bytes that CUDA allocated for two SGD-with-momentum steps of ``model``.

    The model is moved to ``device`` (a CUDA device; the peak counter exists only there), the peak
    counter is reset after the move, and the count includes the weights, their gradients, the
    momentum buffers, the input batch and everything the forward and backward passes allocate
    (activations, workspace). Compare with :func:`training_memory`.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    batch_size = check_int(batch_size, "batch_size")
    input_size = check_int(input_size, "input_size")
    device = torch.device(device)
    if device.type != "cuda" or not torch.cuda.is_available():
        raise ValueError(
            f"device must be an available CUDA device (memory is measured with torch.cuda), got {device}"
        )
    model = model.to(device).train()
    torch.cuda.synchronize(device)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    images = torch.randn(batch_size, 3, input_size, input_size, device=device)
    labels = torch.zeros(batch_size, dtype=torch.long, device=device)
    for _ in range(2):  # the second step has the momentum buffers allocated
        optimizer.zero_grad(set_to_none=False)
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()
    torch.cuda.synchronize(device)
    return torch.cuda.max_memory_allocated(device)
