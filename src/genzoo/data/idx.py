"""The IDX format of (Fashion-)MNIST: a magic number naming the element type and rank,
the dimensions, then the raw big-endian data. Plain or gzipped files are read alike."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path
from typing import Any

import numpy as np

from genzoo.core import GenzooError

_TYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IdxError(GenzooError):
    """An IDX file that is not one, or is cut short."""


def read_idx(path: Path) -> np.ndarray:
    """The array stored in an IDX file (`.gz` files are decompressed)."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as stream:
            data = stream.read()
    except (OSError, EOFError) as err:  # gzip raises these on a cut or foreign file
        raise IdxError(f"cannot read {path}: {err}") from err
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _TYPES:
        raise IdxError(f"{path} is not an IDX file (wrong magic number {data[:4].hex()})")
    dtype, rank = _TYPES[data[2]], data[3]
    header = 4 + 4 * rank
    if len(data) < header:
        raise IdxError(f"{path} is truncated: its header is cut short")
    shape = struct.unpack(f">{rank}I", data[4:header])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise IdxError(
            f"{path} is truncated or padded: {len(data)} bytes for shape {shape}, "
            f"expected {expected}"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)


def write_idx(array: np.ndarray, path: Path) -> None:
    """Write `array` as an IDX file (gzipped when the name ends in .gz); for tests and tools."""
    codes = {dtype: code for code, dtype in _TYPES.items()}
    dtype = array.dtype.newbyteorder(">") if array.dtype.itemsize > 1 else array.dtype
    header = bytes([0, 0, codes[dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(dtype).tobytes()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as stream:
        stream.write(payload)
