"""A process's place in a torchrun launch, and work split across the launch's processes
for commands that make or measure images (`genzoo evaluate`, `genzoo sample`); training
builds its data-parallel world on it (`genzoo.train.world`).

The work is n items (images) in blocks of `unit`; each rank takes one run of whole
blocks, the first ranks one block more when they do not divide evenly, computes it in
one call, and every rank receives all the results in order. With `unit` a multiple of
the batch sizes the work runs in, each batch is the one a single process would run, so
the results are those of one process, to the bit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

from genzoo.core.errors import BadInputError

__all__ = ["Ranks"]

T = TypeVar("T")


@dataclass(frozen=True)
class Ranks:
    size: int = 1
    rank: int = 0

    @staticmethod
    def launched_size() -> int:
        """How many processes torchrun launched (WORLD_SIZE; 1 when run alone)."""
        return Ranks._read()[0]

    @staticmethod
    def _read() -> tuple[int, int]:
        try:
            size, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
        except ValueError:
            message = "WORLD_SIZE and RANK must be whole numbers (torchrun sets them)"
            raise BadInputError(message) from None
        if size < 1 or not 0 <= rank < size:
            raise BadInputError(f"RANK {rank} is not one of WORLD_SIZE {size}'s ranks")
        return size, rank

    @classmethod
    def from_env(cls, backend: str = "gloo") -> Ranks:
        """This process's place in a torchrun launch (WORLD_SIZE, RANK), joining its
        process group (gloo by default: the results travel on the CPU; training on GPUs
        asks for nccl); size 1 when run alone."""
        size, rank = cls._read()
        if size > 1:
            import torch.distributed as dist

            if not dist.is_initialized():
                dist.init_process_group(backend)
        return cls(size, rank)

    @property
    def local(self) -> int:
        """This process's rank on its own node (LOCAL_RANK): which of the node's GPUs it takes."""
        try:
            return int(os.environ.get("LOCAL_RANK", self.rank))
        except ValueError:
            raise BadInputError("LOCAL_RANK must be a whole number (torchrun sets it)") from None

    @property
    def main(self) -> bool:
        """Whether this process reports and writes (rank 0)."""
        return self.rank == 0

    def device(self, requested: str) -> str:
        """--device for this rank: under torchrun on GPUs, `auto` and `cuda` mean the GPU
        of this process's local rank, so that the processes do not share one."""
        if self.size == 1 or requested not in ("auto", "cuda"):
            return requested
        import torch

        if not torch.cuda.is_available():
            return requested
        return f"cuda:{self.local % torch.cuda.device_count()}"

    def share(self, n: int, unit: int) -> tuple[int, int]:
        """This rank's (start, stop) of the n items: a run of whole blocks of `unit`."""
        blocks, extra = divmod(-(-n // unit), self.size)
        first = self.rank * blocks + min(self.rank, extra)
        last = first + blocks + (self.rank < extra)
        return min(first * unit, n), min(last * unit, n)

    def split(self, n: int, unit: int, work: Callable[[int, int], T]) -> list[T]:
        """work(start, stop) of every rank's share of the n items, in rank order, on every
        rank; each rank computes only its own, and an empty share is left out."""
        start, stop = self.share(n, unit)
        mine = work(start, stop) if stop > start or self.size == 1 else None
        if self.size == 1:
            return [cast(T, mine)]
        import torch.distributed as dist

        gathered: list[T | None] = [None] * self.size
        dist.all_gather_object(gathered, mine)
        return [part for part in gathered if part is not None]

    def close(self) -> None:
        """Leave the process group, once every rank is done."""
        if self.size > 1:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.barrier()
                dist.destroy_process_group()
