"""A training process's place in a torchrun launch: its rank and device, its model wrapped
for data-parallel training, and the decisions every rank must take together.

Where the process stands (WORLD_SIZE, RANK, LOCAL_RANK) is read by `core.ranks.Ranks`, the
one reader of torchrun's variables; this adds what training needs beyond it: NCCL on GPUs,
DistributedDataParallel, and stopping together.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from genzoo.core import BadInputError
from genzoo.core.ranks import Ranks

STOP_SIGNALS = ("SIGTERM", "SIGUSR1")  # Slurm's pre-emption, and its --signal warning


@dataclass(frozen=True)
class World:
    """This process's place in a torchrun launch (size 1 when run alone)."""

    ranks: Ranks = field(default_factory=Ranks)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def size(self) -> int:
        return self.ranks.size

    @property
    def rank(self) -> int:
        return self.ranks.rank

    @classmethod
    def from_env(cls, requested: str = "auto") -> World:
        """This process's rank and device; `requested` (--device) is respected: `cpu` trains
        on the CPU with gloo even where GPUs are, `cuda` demands them, `auto` takes one
        GPU per local rank when there are any."""
        if Ranks.launched_size() == 1:
            return cls()
        from genzoo.core.devices import pick_device

        kind = pick_device(requested).type
        if kind not in ("cpu", "cuda"):
            raise BadInputError(f"--device {requested}: torchrun trains on cpu or cuda")
        cuda = kind == "cuda"
        ranks = Ranks.from_env(backend="nccl" if cuda else "gloo")
        device = torch.device("cuda", ranks.local) if cuda else torch.device("cpu")
        if cuda:
            torch.cuda.set_device(device)
        return cls(ranks, device)

    def wrap(self, module: nn.Module) -> nn.Module:
        if self.size == 1:
            return module
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        # Batch-norm statistics stay per process, as in single-process training of each
        # shard; newer torch spells this forward_sync_buffers.
        option = (
            "forward_sync_buffers"
            if "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters
            else "broadcast_buffers"
        )
        options: dict[str, Any] = {option: False}
        return DistributedDataParallel(module, device_ids=ids, **options)

    def fewest(self, steps: int) -> int:
        """The fewest steps any process's budget allows: the ranks stop together, and
        their schedules (which each re-plans from it) stay the same."""
        if self.size == 1:
            return steps
        import torch.distributed as dist

        count = torch.tensor([steps], device=self.device)
        dist.all_reduce(count, op=dist.ReduceOp.MIN)
        return int(count.item())

    def agree(self, signal_name: str) -> str:
        """`signal_name` if any process was asked to stop: the ranks stop together, at
        the same step (each rank's flag is reduced once per step)."""
        if self.size == 1:
            return signal_name
        import torch.distributed as dist

        names = ("", *STOP_SIGNALS)
        index = names.index(signal_name) if signal_name in names else 1
        flag = torch.tensor([index], device=self.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return names[int(flag.item())]

    def close(self) -> None:
        self.ranks.close()
