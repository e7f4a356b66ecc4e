"""The command-line trainer: ``python -m alexnet_core`` (one process, torchrun, or two towers).

    python -m alexnet_core --dataset offline --epochs 5                     # CPU, seconds
    python -m alexnet_core --dataset cifar10 --download --augment --epochs 30
    python -m alexnet_core --dataset /data/imagenet/train --variant paper --augment
    torchrun --nproc_per_node=4 -m alexnet_core.train --dataset cifar10 --epochs 30   # data parallel
    python -m alexnet_core --variant paper --two-tower cuda:0,cuda:1 ...     # §3.2 model parallel

The defaults are the paper's recipe (§5): SGD with momentum 0.9 and weight decay 5e-4 (the paper's
own update rule), batch 128, learning rate 0.01 divided by 10 when the validation error stops
improving (at most three times). Under ``torchrun`` each process trains on its share of every
batch (``DistributedDataParallel``, NCCL on GPUs, gloo on CPUs); ``--batch-size`` is the global
batch, only rank 0 writes checkpoints and the metrics log, and after every optimizer step the ranks
check that their parameters are still identical.
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
from .augment import fit_pca
from .checkpoint import Checkpointer
from .history import History
from .model import alexnet
from .preprocess import Preprocess
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
    "'offline' (procedural, no download), 'cifar10', or the path of an ImageNet-style "
    "folder (class/xxx.jpg)"
)
# (group, flag, keywords of add_argument): the whole command line, one flag a row
# fmt: off
ARGUMENTS = [
    ("data", "--dataset", dict(default="offline", help=_DATASET_HELP)),
    ("data", "--data-root", dict(default="data", help="where CIFAR-10 lives or is downloaded to")),
    ("data", "--download", dict(action=FLAG, help="allow downloading CIFAR-10 (needs internet)")),
    ("data", "--num-train", dict(type=_positive_int, default=5000, help="offline dataset: training images")),
    ("data", "--num-test", dict(type=_positive_int, default=1000, help="offline dataset: test images")),
    ("data", "--augment", dict(action=FLAG, help="§4.1: random crops + horizontal flips (+ PCA lighting for folders)")),
    ("data", "--no-shuffle", dict(action=FLAG, help="keep the data order (for exact comparisons)")),
    ("model (§3)", "--variant", dict(choices=VARIANTS, default=None, help="default: 'cifar' for 32×32 data, 'paper' for folders")),
    ("model (§3)", "--activation", dict(choices=("relu", "tanh"), default="relu")),
    ("model (§3)", "--no-lrn", dict(action=FLAG, help="drop local response normalization (§3.3)")),
    ("model (§3)", "--lrn-convention", dict(choices=("paper", "pytorch"), default="paper")),
    ("model (§3)", "--plain-pooling", dict(action=FLAG, help="2×2/2 instead of the paper's overlapping 3×3/2 (§3.4)")),
    ("model (§3)", "--dropout", dict(type=_probability, default=None, help="dropout probability in fc6/fc7 (§4.2; variant default 0.5)")),
    ("model (§3)", "--two-tower", dict(default=None, metavar="DEV0,DEV1", help="§3.2 model parallel: the paper's net split over two devices, e.g. cuda:0,cuda:1")),
    ("training recipe (§5)", "--epochs", dict(type=_positive_int, default=10)),
    ("training recipe (§5)", "--batch-size", dict(type=_positive_int, default=128, help="global batch (split across processes under torchrun)")),
    ("training recipe (§5)", "--lr", dict(type=float, default=0.01)),
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
    ("run", "--resume", dict(action=FLAG, help="continue from --checkpoint-dir/checkpoint.pt")),
    ("run", "--no-progress", dict(action=FLAG, help="no tqdm progress bars")),
]
# fmt: on


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m alexnet_core``."""
    parser = argparse.ArgumentParser(
        prog="python -m alexnet_core",
        description="Train AlexNet the paper's way (Krizhevsky et al. 2012, §5) on offline "
        "images, CIFAR-10 or an ImageNet-style folder. Runs as one process or under torchrun "
        "(data parallel).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    groups: dict[str, argparse._ArgumentGroup] = {}
    for group, flag, options in ARGUMENTS:
        if group not in groups:
            groups[group] = parser.add_argument_group(group)
        groups[group].add_argument(flag, **options)
    return parser


def _datasets(args: argparse.Namespace):
    from .data import OfflineShapes, cifar10, image_folder

    if args.dataset == "offline":
        size = (
            36 if args.augment else 32
        )  # rendered 4 px larger so random 32×32 crops have room
        return (
            OfflineShapes(
                args.num_train, image_size=size, seed=args.seed, split="train"
            ),
            OfflineShapes(args.num_test, image_size=size, seed=args.seed, split="test"),
            32,
        )
    if args.dataset == "cifar10":
        return (
            cifar10(args.data_root, train=True, download=args.download),
            cifar10(args.data_root, train=False, download=args.download),
            32,
        )
    folder = Path(args.dataset)
    if not folder.is_dir():
        raise ValueError(
            f"--dataset must be 'offline', 'cifar10' or an existing folder, got {args.dataset!r}"
        )
    test = folder.parent / "val" if (folder.parent / "val").is_dir() else None
    return image_folder(folder), (image_folder(test) if test else None), 224


def _preprocess(args: argparse.Namespace, train_set, crop: int) -> Preprocess | None:
    """Return what ``train`` applies to the batches (§4.1), or None for nothing."""
    side = train_set[0][0].shape[-1]
    if not args.augment:
        return None if side == crop else Preprocess(crop, augment=False)  # centre crops
    if side == crop:  # CIFAR-10: pad 4 pixels (reflect) so that random crops exist
        return Preprocess(crop, pad=4)
    if crop == 224:  # §4.1's PCA lighting, fitted on a sample of the training images
        count = min(256, len(train_set))
        sample = torch.stack([train_set[i][0] for i in range(count)])
        eigvals, eigvecs = fit_pca(sample)
        return Preprocess(crop, eigvals=eigvals, eigvecs=eigvecs)
    return Preprocess(crop)


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
    if crop == 224 and variant in ("paper", "ungrouped", "one_gpu_half"):
        options["input_size"] = 224
    if args.two_tower:
        from .split import TwoTowerAlexNet

        if variant != "paper":
            raise ValueError(
                f"--two-tower splits the paper's net: use --variant paper, got {variant!r}"
            )
        return TwoTowerAlexNet(
            tuple(args.two_tower.split(",")), num_classes=num_classes, **options
        )
    return alexnet(variant, num_classes=num_classes, **options)


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


def _verify_sync_hook(model: nn.Module):
    """Return an optimizer-step hook that fails if the ranks' parameters ever differ."""
    import torch.distributed as dist

    def hook(optimizer, args, kwargs) -> None:
        with torch.no_grad():
            flat = torch.cat(
                [p.detach().double().flatten() for p in model.parameters()]
            )
            mine = torch.stack(
                [
                    flat.sum(),
                    flat.abs().sum(),
                    (
                        flat
                        * torch.arange(
                            1, len(flat) + 1, device=flat.device, dtype=flat.dtype
                        )
                    ).sum(),
                ]
            )
            everyone = [torch.empty_like(mine) for _ in range(dist.get_world_size())]
            dist.all_gather(everyone, mine)
        if any(not torch.equal(mine, other) for other in everyone):
            raise RuntimeError(
                f"rank {dist.get_rank()}: parameters differ between ranks after a step: {[o.tolist() for o in everyone]}"
            )

    return hook


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
    args, model: nn.Module, train_set, device: torch.device, rank: int, world: int
):
    """Return (model, training data, sync-hook handle or None) for this process."""
    from torch.utils.data import DataLoader

    if world == 1:
        if args.no_shuffle:
            return model, DataLoader(train_set, batch_size=args.batch_size), None
        return model, train_set, None
    from torch.nn.parallel import DistributedDataParallel
    from torch.optim.optimizer import register_optimizer_step_post_hook
    from torch.utils.data import DistributedSampler

    if args.batch_size % world:
        raise ValueError(
            f"--batch-size must be divisible by the {world} processes, "
            f"got {args.batch_size}"
        )
    ids = [device.index] if device.type == "cuda" else None
    model = DistributedDataParallel(model.to(device), device_ids=ids)
    sampler = DistributedSampler(
        train_set,
        num_replicas=world,
        rank=rank,
        shuffle=not args.no_shuffle,
        seed=args.seed,
    )
    data = DataLoader(train_set, batch_size=args.batch_size // world, sampler=sampler)
    handle = register_optimizer_step_post_hook(_verify_sync_hook(model))  # every step
    return model, data, handle


def _callbacks(args: argparse.Namespace, rank: int, world: int) -> list:
    """Return the metrics log and the checkpointer (rank 0 writes, every rank resumes)."""
    if not args.checkpoint_dir:
        return []
    folder = Path(args.checkpoint_dir)

    def record(history: History) -> None:
        if rank == 0:
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / "metrics.jsonl", "a") as file:
                file.write(json.dumps({**history.last(), "world_size": world}) + "\n")

    checkpoint = Checkpointer(
        folder / "checkpoint.pt", resume=args.resume, write=rank == 0
    )
    return [checkpoint, record]


def _run(args: argparse.Namespace) -> History:
    rank, local_rank, world = _distributed()
    device = _device(args, local_rank, world)
    train_set, test_set, crop = _datasets(args)
    preprocess = _preprocess(args, train_set, crop)
    if preprocess is not None:
        preprocess = preprocess.to(device)
    torch.manual_seed(args.seed)
    model = _model(args, _num_classes(train_set), crop)
    model, train_data, handle = _distribute(args, model, train_set, device, rank, world)
    augment = test_augment = None
    if (
        preprocess is not None
    ):  # the test pass sees the centre patch (a no-op at 32 × 32)
        augment, test_augment = preprocess.train, preprocess.test
    try:
        return train(
            model, train_data, test_set, _config(args, rank), device=device,
            augment=augment, test_augment=test_augment,
            callback=_callbacks(args, rank, world),
        )  # fmt: skip
    finally:
        if handle is not None:
            import torch.distributed as dist

            handle.remove()
            dist.destroy_process_group()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the trainer with command-line ``argv``; return the exit code (0 on success)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.resume and not args.checkpoint_dir:
        parser.error("--resume needs --checkpoint-dir")
    try:
        history = _run(args)
    except (
        ValueError,
        TypeError,
        FileNotFoundError,
        ConnectionError,
    ) as error:  # bad input or offline: one line
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    except KeyboardInterrupt:
        parser.exit(
            130,
            f"{parser.prog}: interrupted; the last finished epoch is in --checkpoint-dir (use --resume)\n",
        )
    if _distributed()[0] == 0 and len(history):
        last = history.last()
        test = (
            ""
            if last["test_error"] is None
            else f", test error {last['test_error']:.3f}"
        )
        print(
            f"epoch {last['epoch']}: train error {last['train_error']:.3f}{test}, {last['images_per_second']:.0f} images/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
