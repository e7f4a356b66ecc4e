"""Where and how a run happens: the device, the seeds, eval mode, and timing.

One helper picks the device (cuda → mps → cpu, overridable), one seeds every RNG, one context
manager puts a model in eval mode and gives every submodule back its own flag, and the timers
synchronise the GPUs around what they time. A training step's throughput is timed with
``torch.utils.benchmark``; :func:`median_seconds` interleaves several contenders round by round
instead (what ``torch.utils.benchmark`` does not do), so a busy neighbour slows them all alike.
"""

from __future__ import annotations

import contextlib
import copy
import platform
import random
import statistics
import time
from typing import Callable, Iterator, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import check_int
from .recipe import PaperSGD

__all__ = [
    "pick_device",
    "cpu_name",
    "seed_everything",
    "preserved_modes",
    "eval_mode",
    "synchronize",
    "median_seconds",
    "throughput",
    "hardware_summary",
]

_DEVICE_NAMES = "None, 'auto', 'cpu', 'cuda', 'cuda:<index>' or 'mps'"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def _as_device(preferred: str | torch.device) -> torch.device:
    if isinstance(preferred, torch.device):
        return preferred
    if not isinstance(preferred, str):
        raise TypeError(
            f"device must be a str, torch.device or None, "
            f"got {preferred!r} ({type(preferred).__name__})"
        )
    try:
        return torch.device(preferred)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(f"device must be {_DEVICE_NAMES}, got {preferred!r}") from exc


def pick_device(preferred: str | torch.device | None = None) -> torch.device:
    """Return ``preferred`` as a checked torch.device; None/"auto" → cuda → mps → cpu."""
    if preferred is None or (isinstance(preferred, str) and preferred == "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    device = _as_device(preferred)
    if device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be {_DEVICE_NAMES}, got {preferred!r}")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={str(device)!r} was requested but torch.cuda.is_available() "
                f"is False; use 'cpu' or None"
            )
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise ValueError(
                f"device={str(device)!r} was requested but only {count} CUDA device(s) "
                f"are visible"
            )
    if device.type == "mps" and not _mps_available():
        raise ValueError(
            "device='mps' was requested but torch.backends.mps.is_available() is False; "
            "use 'cpu' or None"
        )
    return device


def seed_everything(seed: int) -> torch.Generator:
    """Return a CPU Generator seeded with ``seed``, after seeding Python, NumPy and torch."""
    check_int(seed, "seed", minimum=0, maximum=2**64 - 1)
    random.seed(seed)
    try:
        import numpy
    except ImportError:  # numpy is optional here
        pass
    else:
        numpy.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


def _check_module(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


@contextlib.contextmanager
def preserved_modes(model: nn.Module) -> Iterator[nn.Module]:
    """Yield ``model``; on exit give every submodule back its own train/eval flag."""
    modes = [(module, module.training) for module in _check_module(model).modules()]
    try:
        yield model
    finally:
        for module, mode in modes:
            module.training = mode


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Yield ``model`` in eval mode; on exit every submodule gets its own flag back.

    ``model.train(was_training)`` would not do: it sets one flag on every submodule, so a
    submodule that was deliberately left in another mode (a frozen BatchNorm, a dropout
    kept on) would come back changed.
    """
    with preserved_modes(model):
        model.eval()
        yield model


def synchronize(device: torch.device | str | None = None) -> None:
    """Return after the device has finished its queued work (every GPU for CUDA)."""
    device = torch.device("cpu" if device is None else device)
    if device.type == "cuda":  # every GPU: a model split over two (TwoTowerAlexNet)
        for index in range(torch.cuda.device_count()):
            torch.cuda.synchronize(index)
    elif device.type == "mps":
        torch.mps.synchronize()


def _check_functions(functions: object) -> Mapping[str, Callable[[], object]]:
    if not isinstance(functions, Mapping) or not functions:
        raise ValueError(
            f"functions must be a non-empty dict of name -> function, got {functions!r}"
        )
    for name, function in functions.items():
        if not callable(function):
            raise TypeError(
                f"functions[{name!r}] must be callable, got {type(function).__name__}"
            )
    return functions


def median_seconds(
    functions: Mapping[str, Callable[[], object]],
    *,
    rounds: int = 5,
    warmup: int = 1,
    device: torch.device | str | None = None,
) -> dict[str, float]:
    """Return {name: median seconds per call} of each function, timed in interleaved rounds."""
    functions = _check_functions(functions)
    rounds = check_int(rounds, "rounds")
    warmup = check_int(warmup, "warmup", minimum=0)
    for _ in range(warmup):  # allocator, lazy imports, kernel selection
        for function in functions.values():
            function()
    seconds: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(rounds):
        for name, function in functions.items():
            synchronize(device)
            start = time.perf_counter()
            function()
            synchronize(device)
            seconds[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in seconds.items()}


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {value!r}")
    return value


def _step_function(
    net: nn.Module, batch_size: int, input_size: int, device: torch.device, train: bool
) -> Callable[[], None]:
    """Return a function running one training step (or one inference pass) of ``net``."""
    generator = torch.Generator().manual_seed(0)  # own generator: no global RNG use
    shape = (batch_size, 3, input_size, input_size)  # (N, 3, S, S)
    images = torch.randn(shape, generator=generator).to(device)
    labels = torch.zeros(batch_size, dtype=torch.int64, device=device)
    if not train:
        return lambda: net(images)
    optimizer = PaperSGD(net.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(net(images), labels).backward()
        optimizer.step()

    return step


def throughput(
    model: nn.Module,
    *,
    batch_size: int = 32,
    input_size: int = 224,
    device: str | torch.device | None = None,
    steps: int = 5,
    warmup: int = 2,
    train: bool = True,
    copy_model: bool = True,
) -> float:
    """Return images per second of a training step (forward, backward, §5's SGD step).

    With ``train=False``, of inference under no_grad. Times ``model`` on random (batch_size,
    3, input_size, input_size) inputs with ``torch.utils.benchmark.Timer`` after ``warmup``
    untimed steps (at least the Timer's own two); multiply by the epoch size to estimate an epoch (the paper: ~1.2M images ×
    90 epochs). By default a deep copy is timed and ``model`` is untouched;
    ``copy_model=False`` trains ``model`` itself (and moves it to ``device``), which saves
    one copy of the weights in memory. The step is :class:`~alexnet_core.recipe.PaperSGD`'s,
    whose in-place update needs no memory beyond its momentum.
    """
    from torch.utils import benchmark

    _check_module(model)
    check_int(batch_size, "batch_size")
    check_int(input_size, "input_size")
    check_int(steps, "steps")
    check_int(warmup, "warmup", minimum=0)
    _check_bool(train, "train")
    _check_bool(copy_model, "copy_model")
    device = pick_device(device)
    net = (copy.deepcopy(model) if copy_model else model).to(device).train(train)
    step = _step_function(net, batch_size, input_size, device, train)
    with torch.set_grad_enabled(train):
        for _ in range(max(warmup - 2, 0)):  # the Timer runs two warm-up steps itself
            step()
        synchronize(device)
        timer = benchmark.Timer(
            "step()",
            globals={"step": step},
            num_threads=torch.get_num_threads(),  # the Timer's default is one thread
            timer=lambda: (synchronize(device), time.perf_counter())[1],
        )
        seconds = timer.timeit(steps).mean  # per step, after the Timer's own 2 warm-ups
    return batch_size / seconds


def cpu_name(cpuinfo: str = "/proc/cpuinfo") -> str:
    """Return the CPU's model name (Linux ``/proc/cpuinfo``), else the machine type, e.g. "x86_64".

    Records name the model because the same code and seed can train differently on two CPUs:
    their kernels add up the same numbers in a different order, and every SGD step inherits that.
    """
    try:
        with open(cpuinfo, encoding="utf-8") as lines:
            for line in lines:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    return f"{value.strip()} ({platform.machine()})"
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def hardware_summary(device: torch.device | str | None = None) -> str:
    """Return one line naming the CPU (or GPU), the torch version and its thread count."""
    device = torch.device("cpu" if device is None else device)
    cpu = cpu_name()
    where = (
        torch.cuda.get_device_name(device) if device.type == "cuda" else f"{cpu} CPU"
    )
    return (
        f"{where}, torch {torch.__version__}, {torch.get_num_threads()} CPU threads, "
        f"Python {platform.python_version()}"
    )
