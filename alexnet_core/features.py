"""Looking inside a trained net: activations of any layer (Fig. 3) and fc7 neighbours (§6.1, Fig. 4).

§6.1: "If two images produce feature activation vectors with a small Euclidean separation, we can
say that the higher levels of the neural network consider them to be similar." Fig. 4 uses the
4096-dimensional vectors of the last hidden layer (fc7, after its ReLU).
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch
from torch import nn

from ._checks import check_finite, check_int, check_tensor
from .evaluation import model_device
from .runtime import eval_mode

__all__ = [
    "run_with_hooks",
    "capture_activations",
    "extract_features",
    "nearest_neighbours",
]


def _resolve(model: nn.Module, name: str) -> nn.Module:
    names = getattr(model, "layer_names", {})
    for path, paper_name in names.items():
        if paper_name == name:
            return model.get_submodule(path)
    try:
        return model.get_submodule(name)
    except AttributeError:
        known = ", ".join(names.values()) or ", ".join(
            n for n, _ in model.named_modules() if n
        )
        raise ValueError(
            f"layers must name layers of the model ({known}); got {name!r}"
        ) from None


Hook = Callable[[nn.Module, tuple, torch.Tensor], None]


def run_with_hooks(
    model: nn.Module, x: torch.Tensor, hooks: Iterable[tuple[nn.Module, Hook]]
) -> torch.Tensor:
    """Return ``model(x)`` run in eval mode under no_grad with forward ``hooks`` attached.

    ``hooks`` are (module, hook(module, inputs, output)) pairs; every hook is removed and
    every submodule's train/eval flag restored afterwards, even if the forward pass fails.
    ``x`` is moved to the device of the model's parameters. This is the package's one hook
    runner: ``capture_activations``, ``layer_table`` and the lab's measurements use it.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    handles = [module.register_forward_hook(hook) for module, hook in hooks]
    try:
        with eval_mode(model), torch.no_grad():
            return model(x.to(model_device(model)))
    finally:
        for handle in handles:
            handle.remove()


def _layer_names(layers: object) -> list[str]:
    one = isinstance(layers, str) or not isinstance(layers, Iterable)
    names = [layers] if one else list(layers)
    if not all(isinstance(name, str) for name in names):
        raise TypeError(
            f"layers must be a layer name or a list of names such as ['conv1', 'fc7'], "
            f"got {layers!r}"
        )
    if not names:
        raise ValueError("layers must name at least one layer, got an empty list")
    return names


def capture_activations(
    model: nn.Module, x: torch.Tensor, layers: str | Iterable[str]
) -> dict[str, torch.Tensor]:
    """Return {layer name: output} for the named layers on input ``x``, via forward hooks.

    Names are the paper's (``"conv1"``, ``"relu1"``, ``"lrn1"``, ``"pool5"``, ``"fc7"``) for
    an :class:`~alexnet_core.model.AlexNet`, or module paths (``"features.0"``) for any model.
    The model runs in eval mode (each submodule gets its own flag back); outputs are detached
    CPU tensors.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_tensor(x, "x", ndim=4, floating=True)
    names = _layer_names(layers)
    captured: dict[str, torch.Tensor] = {}

    def keep(name: str) -> Hook:
        return lambda module, inputs, out: captured.__setitem__(
            name, out.detach().cpu().clone(memory_format=torch.contiguous_format)
        )

    run_with_hooks(model, x, [(_resolve(model, name), keep(name)) for name in names])
    return {name: captured[name] for name in names}


def extract_features(
    model: nn.Module, x: torch.Tensor, layer: str = "relu7", *, batch_size: int = 256
) -> torch.Tensor:
    """Return the flattened activations (N, D) of ``layer`` for images ``x``, in batches.

    The default ``"relu7"`` is fc7 after its ReLU: the 4096-d vector Fig. 4 compares (for the small
    nets, the last hidden layer's name, e.g. ``"relu7"`` for ``alexnet("cifar")``, works the same).
    """
    check_tensor(x, "x", ndim=4, floating=True)
    check_int(batch_size, "batch_size")
    if len(x) == 0:
        raise ValueError(f"x must hold at least one image, got shape {tuple(x.shape)}")
    chunks = [
        capture_activations(model, x[i : i + batch_size], layer)[layer]
        for i in range(0, len(x), batch_size)
    ]
    return torch.cat(chunks).flatten(1)


def nearest_neighbours(
    features: torch.Tensor,
    queries: torch.Tensor,
    k: int = 5,
    *,
    exclude_self: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (distances, indices), each (Q, k): the ``k`` rows of ``features`` (N, D) closest in
    Euclidean distance to each row of ``queries`` (Q, D), nearest first.

    ``exclude_self=True`` drops exact self-matches when the queries are rows of ``features``
    (distance 0 at the same index is skipped by asking for k + 1 and removing the first).
    """
    check_tensor(features, "features", ndim=2, floating=True)
    check_tensor(queries, "queries", ndim=2, floating=True)
    check_finite(
        features, "features"
    )  # a NaN distance would be ranked silently, giving arbitrary neighbours
    check_finite(queries, "queries")
    if features.shape[1] != queries.shape[1]:
        raise ValueError(
            f"queries must have the same feature size as features ({features.shape[1]}), got {queries.shape[1]}"
        )
    check_int(k, "k", maximum=len(features) - int(exclude_self))
    distances = torch.cdist(queries.double(), features.double())  # (Q, N)
    take = k + int(exclude_self)
    values, indices = torch.topk(distances, take, dim=1, largest=False, sorted=True)
    if exclude_self:
        values, indices = values[:, 1:], indices[:, 1:]
    return values.to(features.dtype), indices
