"""Where and in what precision a model runs: the device and dtype a user names, checked.

Every layer picks them the same way (loading, training, evaluation, the CLI), so the
choice lives here at the bottom rather than in the Hub layer.
"""

from __future__ import annotations

import platform
from pathlib import Path

import torch

from genzoo.core.errors import BadInputError, GenzooError

__all__ = ["DTYPES", "pick_device", "pick_dtype"]

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def pick_dtype(dtype: str | torch.dtype | None) -> torch.dtype:
    """A floating-point dtype by name ('bfloat16') or as given; None is float32."""
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        if not dtype.is_floating_point:
            raise BadInputError(f"dtype must be a floating-point type, got {dtype}")
        return dtype
    if dtype not in DTYPES:
        raise BadInputError(f"unknown dtype {dtype!r}: use {', '.join(DTYPES)}")
    return DTYPES[dtype]


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """`device` as given, or 'auto'/None: CUDA, then Apple's MPS, then the CPU."""
    if device in (None, "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        chosen = torch.device(device)
    except RuntimeError as err:
        raise BadInputError(f"unknown device {device!r}: use auto, cpu, cuda or mps") from err
    if chosen.type not in ("cpu", "cuda", "mps"):  # meta holds no data; others are untested
        raise BadInputError(f"device {device!r} cannot run genzoo: use auto, cpu, cuda or mps")
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise GenzooError("--device cuda was asked for, but torch sees no CUDA device")
    if chosen.type == "cuda" and (chosen.index or 0) >= torch.cuda.device_count():
        count = torch.cuda.device_count()
        raise GenzooError(f"--device {device}: torch sees {count} CUDA device(s)")
    if chosen.type == "mps" and not torch.backends.mps.is_available():
        raise GenzooError("--device mps was asked for, but this torch has no Apple MPS device")
    return chosen


def cpu_name() -> str:
    """The CPU's model name where Linux tells it, else the machine type."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()
