"""torchrun for the command-line trainer: DDP, and a check that the ranks stay identical.

Under ``torchrun`` every process holds a full copy of the model
(``DistributedDataParallel``; NCCL on GPUs, gloo on CPUs) and trains on its share of every
batch. After every optimizer step :func:`sync_hook`'s check gathers three checksums of each
rank's parameters and fails if any rank differs.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["parallel", "sync_hook"]


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


def parallel(
    model: nn.Module, device: torch.device, channels_last: bool = True
) -> nn.Module:
    """Return ``model`` on ``device``, wrapped in DistributedDataParallel.

    DDP lays out its gradient buckets by the parameters' strides when it is built, so the
    NHWC order that ``TrainConfig.channels_last`` asks for is set first (``train`` then
    finds the weights already NHWC and leaves them).
    """
    from torch.nn.parallel import DistributedDataParallel

    ids = [device.index] if device.type == "cuda" else None
    model = model.to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    return DistributedDataParallel(model, device_ids=ids)


def sync_hook(model: nn.Module, world: int):
    """Return the handle of the every-step parameter check under torchrun (None alone)."""
    if world == 1:
        return None
    from torch.optim.optimizer import register_optimizer_step_post_hook

    return register_optimizer_step_post_hook(_verify_sync_hook(model))
