"""The command-line trainer: ``python -m alexnet_core`` (one process, torchrun, or two towers).

    python -m alexnet_core --epochs 3                         # CPU, natural-image patches, ~a minute
    python -m alexnet_core --recipe paper --epochs 3          # §5 exactly
    python -m alexnet_core --dataset cifar10 --download --augment --epochs 30
    python -m alexnet_core --dataset /data/imagenet-256/train --variant paper --recipe paper --augment
    torchrun --nproc_per_node=4 -m alexnet_core --dataset cifar10 --epochs 30   # data parallel
    python -m alexnet_core --variant paper --two-tower cuda:0,cuda:1 ...     # §3.2 model parallel

``--recipe quick`` (the default) is He initialisation and batch 32, so that the small net learns
in a minute on 2 CPU cores; ``--recipe paper`` is §5: N(0, 0.01²) weights, SGD with momentum 0.9
and weight decay 5e-4 (the paper's own update rule), batch 128, learning rate 0.01 divided by 10
when the validation error stops improving (at most three times). The run prints its settings.
Under ``torchrun`` each process trains on its share of every batch
(``DistributedDataParallel``, NCCL on GPUs, gloo on CPUs); ``--batch-size`` is the global batch,
only rank 0 writes checkpoints, the metrics log and TensorBoard, and after every optimizer step
the ranks check that their parameters are still identical. Data: :mod:`alexnet_core.cli_data`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

import torch
from torch import nn

from .architecture import VARIANTS
from .checkpoint import Checkpointer
from .cli_data import Inputs, inputs
from .cli_distributed import parallel, sync_hook
from .history import History
from .model import alexnet
from .recipe import TrainConfig
from .runtime import pick_device
from .train import train

__all__ = ["build_parser", "main"]


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive int, got {value}")
    return value


def _probability(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {value}")
    return value


FLAG = "store_true"
_DATASET_HELP = (
    "'photos' (natural-image patches of 10 bundled photos, offline), 'offline' (procedural "
    "shapes), 'cifar10', a prepared folder (python -m alexnet_core.prepared SRC DST) or an "
    "ImageNet-style folder (class/xxx.jpg); a sibling val/ folder is the test set"
)
# --recipe: the settings that --batch-size, --lr, --dropout and --init default to
RECIPES = {
    "quick": dict(batch_size=32, lr=0.01, dropout=None, init="he"),
    "paper": dict(batch_size=128, lr=0.01, dropout=None, init="paper"),
}
_RECIPE_HELP = (
    "'quick' (default): He init + batch 32, so that a small net learns in a minute on 2 CPU "
    "cores; it is not §5's recipe, whose N(0, 0.01²) init stays at chance at that scale. "
    "'paper': §5 exactly (N(0, 0.01²) weights, biases 1 in conv2/4/5 and fc, batch 128, "
    "lr 0.01). Explicit --batch-size/--lr/--dropout/--init override either"
)
# (group, flag, keywords of add_argument): the whole command line, one flag a row
# fmt: off
ARGUMENTS = [
    ("data", "--dataset", dict(default="photos", help=_DATASET_HELP)),
    ("data", "--data-root", dict(default="data", help="where CIFAR-10 lives or is downloaded to")),
    ("data", "--download", dict(action=FLAG, help="allow downloading CIFAR-10 (needs internet)")),
    ("data", "--num-train", dict(type=_positive_int, default=None, help="photos/offline: training images (default 2000/5000)")),
    ("data", "--num-test", dict(type=_positive_int, default=None, help="photos/offline: test images (default 1000)")),
    ("data", "--augment", dict(action=FLAG, help="§4.1: random crops + horizontal flips (+ PCA lighting for folders; a prepared folder always crops and flips, --augment adds the lighting)")),
    ("data", "--no-shuffle", dict(action=FLAG, help="keep the data order (for exact comparisons)")),
    ("model (§3)", "--variant", dict(choices=VARIANTS, default=None, help="default: 'cifar' for 32×32 data, 'paper' for folders")),
    ("model (§3)", "--activation", dict(choices=("relu", "tanh"), default="relu")),
    ("model (§3)", "--no-lrn", dict(action=FLAG, help="drop local response normalization (§3.3)")),
    ("model (§3)", "--lrn-convention", dict(choices=("paper", "pytorch"), default="paper")),
    ("model (§3)", "--plain-pooling", dict(action=FLAG, help="2×2/2 instead of the paper's overlapping 3×3/2 (§3.4)")),
    ("model (§3)", "--dropout", dict(type=_probability, default=None, help="dropout probability in fc6/fc7 (§4.2; variant default 0.5)")),
    ("model (§3)", "--init", dict(choices=("he", "paper", "pytorch"), default=None, help="he: N(0, 2/fan_in); paper: §5's N(0, 0.01²); pytorch: torch's defaults (default: from --recipe)")),
    ("model (§3)", "--two-tower", dict(default=None, metavar="DEV0,DEV1", help="§3.2 model parallel: the paper's net split over two devices, e.g. cuda:0,cuda:1")),
    ("training recipe (§5)", "--recipe", dict(choices=tuple(RECIPES), default="quick", help=_RECIPE_HELP)),
    ("training recipe (§5)", "--epochs", dict(type=_positive_int, default=10)),
    ("training recipe (§5)", "--batch-size", dict(type=_positive_int, default=None, help="global batch, split across processes under torchrun (default: from --recipe)")),
    ("training recipe (§5)", "--lr", dict(type=float, default=None, help="learning rate (default: from --recipe)")),
    ("training recipe (§5)", "--momentum", dict(type=float, default=0.9)),
    ("training recipe (§5)", "--weight-decay", dict(type=float, default=5e-4)),
    ("training recipe (§5)", "--optimizer", dict(choices=("paper", "sgd"), default="paper", help="'paper': §5's update rule; 'sgd': torch.optim.SGD")),
    ("training recipe (§5)", "--schedule", dict(choices=("plateau", "step", "constant"), default="plateau")),
    ("training recipe (§5)", "--step-epochs", dict(type=_positive_int, nargs="*", default=(), help="epochs after which lr ÷ 10 (with --schedule step)")),
    ("training recipe (§5)", "--seed", dict(type=int, default=0)),
    ("run", "--device", dict(default=None, help="cpu, cuda, cuda:1, mps (default: cuda → mps → cpu)")),
    ("run", "--amp", dict(action=FLAG, help="mixed precision on CUDA")),
    ("run", "--compile", dict(action=FLAG, help="torch.compile the model")),
    ("run", "--checkpoint-dir", dict(default=None, help="write checkpoint.pt and metrics.jsonl here")),
    ("run", "--tensorboard", dict(default=None, metavar="DIR", help="write TensorBoard scalars here (pip install tensorboard)")),
    ("run", "--resume", dict(action=FLAG, help="continue from --checkpoint-dir/checkpoint.pt")),
    ("run", "--no-progress", dict(action=FLAG, help="no tqdm progress bars")),
]
# fmt: on


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    def _get_help_string(self, action: argparse.Action) -> str:  # no "(default: None)"
        return (
            action.help if action.default is None else super()._get_help_string(action)
        )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m alexnet_core``."""
    parser = argparse.ArgumentParser(
        prog="python -m alexnet_core",
        description="Train AlexNet the paper's way (Krizhevsky et al. 2012, §5) on offline "
        "images, CIFAR-10 or an ImageNet-style folder. Runs as one process or under torchrun "
        "(data parallel).",
        formatter_class=_Formatter,
    )
    groups: dict[str, argparse._ArgumentGroup] = {}
    for group, flag, options in ARGUMENTS:
        if group not in groups:
            groups[group] = parser.add_argument_group(group)
        groups[group].add_argument(flag, **options)
    return parser


def _model(args: argparse.Namespace, num_classes: int, crop: int) -> nn.Module:
    variant = args.variant or ("cifar" if crop == 32 else "paper")
    options = dict(
        activation=args.activation,
        lrn_convention=args.lrn_convention,
        overlapping_pool=not args.plain_pooling,
    )
    if args.no_lrn:
        options["lrn"] = False
    if args.dropout is not None:
        options["dropout"] = args.dropout
    options["init"] = "pytorch" if args.init == "he" else args.init
    if crop == 224 and variant in ("paper", "ungrouped", "one_gpu_half"):
        options["input_size"] = 224
    if args.two_tower:
        from .split import TwoTowerAlexNet

        if variant != "paper":
            raise ValueError(
                f"--two-tower splits the paper's net: use --variant paper, got {variant!r}"
            )
        model = TwoTowerAlexNet(
            tuple(args.two_tower.split(",")), num_classes=num_classes, **options
        )
    else:
        model = alexnet(variant, num_classes=num_classes, **options)
    if args.init == "he":  # He et al. 2015: the variance of a ReLU net's signal kept
        from .lab.init import he_init_

        he_init_(model, generator=torch.Generator().manual_seed(args.seed))
    return model


def _num_classes(dataset) -> int:
    classes = getattr(dataset, "classes", None)
    if classes is None and hasattr(dataset, "dataset"):
        classes = getattr(dataset.dataset, "classes", None)
    return len(classes) if classes else 10


def _distributed() -> tuple[int, int, int]:
    """Return (rank, local rank, world size) from torchrun's environment (0, 0, 1 without it)."""
    return (
        int(os.environ.get("RANK", 0)),
        int(os.environ.get("LOCAL_RANK", 0)),
        int(os.environ.get("WORLD_SIZE", 1)),
    )


def _device(args: argparse.Namespace, local_rank: int, world: int) -> torch.device:
    """Return this process's device, after joining the process group under torchrun."""
    if world == 1:
        return pick_device(
            args.two_tower.split(",")[0] if args.two_tower else args.device
        )
    import torch.distributed as dist

    cuda = torch.cuda.is_available() and (
        args.device is None or args.device.startswith("cuda")
    )
    dist.init_process_group("nccl" if cuda else "gloo")
    device = torch.device(f"cuda:{local_rank}") if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    return device


def _config(args: argparse.Namespace, rank: int) -> TrainConfig:
    return TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        momentum=args.momentum,
        weight_decay=args.weight_decay,
        optimizer=args.optimizer,
        schedule=args.schedule,
        step_epochs=tuple(args.step_epochs),
        seed=args.seed,
        amp=args.amp,
        compile=args.compile,
        progress=not args.no_progress and rank == 0,
    )


def _distribute(
    args, model: nn.Module, train_set, device: torch.device, rank: int, world: int,
    channels_last: bool,
):  # fmt: skip
    """Return (model, training data, sync-hook handle or None) for this process."""
    from torch.utils.data import DataLoader, Dataset

    if not isinstance(
        train_set, Dataset
    ):  # PreparedBatches / RankShare: batches already
        model = model if world == 1 else parallel(model, device, channels_last)
        return model, train_set, sync_hook(model, world)
    if world == 1:
        if args.no_shuffle:
            return model, DataLoader(train_set, batch_size=args.batch_size), None
        return model, train_set, None
    from torch.utils.data import DistributedSampler

    if args.batch_size % world:
        raise ValueError(
            f"--batch-size must be divisible by the {world} processes, "
            f"got {args.batch_size}"
        )
    model = parallel(model, device, channels_last)
    sampler = DistributedSampler(
        train_set,
        num_replicas=world,
        rank=rank,
        shuffle=not args.no_shuffle,
        seed=args.seed,
    )
    data = DataLoader(train_set, batch_size=args.batch_size // world, sampler=sampler)
    return model, data, sync_hook(model, world)


def _callbacks(args: argparse.Namespace, rank: int, world: int) -> list:
    """Return the metrics log, the checkpointer and TensorBoard (rank 0 writes)."""
    found = []
    if args.tensorboard:
        from .tensorboard_log import TensorBoardLog

        found.append(TensorBoardLog(args.tensorboard, write=rank == 0))
    if not args.checkpoint_dir:
        return found
    folder = Path(args.checkpoint_dir)

    def record(history: History) -> None:
        if rank == 0:
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / "metrics.jsonl", "a") as file:
                file.write(json.dumps({**history.last(), "world_size": world}) + "\n")

    checkpoint = Checkpointer(
        folder / "checkpoint.pt", resume=args.resume, write=rank == 0
    )
    return [checkpoint, *found, record]


def _with_recipe(args: argparse.Namespace) -> argparse.Namespace:
    """Return ``args`` with every unset recipe setting filled from ``--recipe``."""
    for key, value in RECIPES[args.recipe].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def _settings(args: argparse.Namespace, data: Inputs, model: nn.Module, device) -> str:
    """Return the one line that says what this run uses (and where it is not §5's)."""
    variant = args.variant or ("cifar" if data.crop == 32 else "paper")
    dropout = "variant default" if args.dropout is None else args.dropout
    recipe = (
        "paper (§5)" if args.recipe == "paper"
        else "quick (not §5's: He init, batch 32; --recipe paper for §5 exactly)"
    )  # fmt: skip
    return (
        f"settings: recipe {recipe}; data {data.description}; variant {variant} "
        f"({sum(p.numel() for p in model.parameters()):,} parameters), init {args.init}, "
        f"dropout {dropout}; batch {args.batch_size}, lr {args.lr}, momentum "
        f"{args.momentum}, weight decay {args.weight_decay}, optimizer {args.optimizer}, "
        f"schedule {args.schedule}, {args.epochs} epochs, seed {args.seed}; device {device}"
        + (f", {_distributed()[2]} processes" if _distributed()[2] > 1 else "")
    )


def _run(args: argparse.Namespace) -> History:
    rank, local_rank, world = _distributed()
    device = _device(args, local_rank, world)
    data = inputs(args, device, rank, world)
    torch.manual_seed(args.seed)
    model = _model(args, _num_classes(data.train), data.crop)
    if rank == 0:
        print(_settings(args, data, model, device), flush=True)
    config = _config(args, rank)
    model, train_data, handle = _distribute(
        args, model, data.train, device, rank, world, config.channels_last
    )
    callbacks = _callbacks(args, rank, world)
    try:
        return train(
            model, train_data, data.test, config, device=device,
            augment=data.augment, test_augment=data.test_augment, callback=callbacks,
        )  # fmt: skip
    finally:
        for item in callbacks:
            if hasattr(item, "close"):
                item.close()
        if handle is not None:
            import torch.distributed as dist

            handle.remove()
            dist.destroy_process_group()


def _report(history: History) -> None:
    last = history.last()
    test = (
        "" if last["test_error"] is None else f", test error {last['test_error']:.3f}"
    )
    print(
        f"epoch {last['epoch']}: train error {last['train_error']:.3f}{test}, "
        f"{last['images_per_second']:.0f} images/s, {sum(history.seconds):.0f} s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the trainer with command-line ``argv``; return the exit code (0 on success)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.resume and not args.checkpoint_dir:
        parser.error("--resume needs --checkpoint-dir")
    try:
        history = _run(_with_recipe(args))
    except (
        ValueError,
        TypeError,
        FileNotFoundError,
        ConnectionError,
        ImportError,
    ) as error:
        parser.exit(
            2, f"{parser.prog}: error: {error}\n"
        )  # bad input or offline: one line
    except KeyboardInterrupt:
        parser.exit(
            130,
            f"{parser.prog}: interrupted; the last finished epoch is in --checkpoint-dir (use --resume)\n",
        )
    if _distributed()[0] == 0 and len(history):
        _report(history)
    return 0


if __name__ == "__main__":
    sys.exit(main())
