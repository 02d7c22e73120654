"""The real images' embeddings, kept on disk between `genzoo evaluate` runs.

Every evaluation of a generator compares its samples with the same real images
(10,000 test and 10,000 train by default): embedding them is half of a CPU
evaluation's time and the same work each time. A file holds one embedding, named
by a hash of all it depends on: the evaluator's weights (sha256), the exact
image bytes picked, torch's version and the device type. A changed dataset,
evaluator or pick finds no file and embeds afresh.

The folder is `$GENZOO_CACHE/features`, by default `~/.cache/genzoo/features`
(`$XDG_CACHE_HOME` honoured). Its files are untrusted like any cache: one that is
too large, not safetensors, of the wrong shape or not finite is embedded again
and replaced; a folder that cannot be written only costs the time.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from genzoo.core.files import atomic_path

Embedding = tuple[Tensor, Tensor | None]  # (features, logits or None)
MAX_WIDTH = 1 << 16  # features + logits per image; Inception's pool3 is 2,048


def cache_folder() -> Path:
    root = os.environ.get("GENZOO_CACHE")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = str(Path(base) / "genzoo")
    return Path(root) / "features"


def reference_key(evaluator_sha256: str, images: Tensor, device: torch.device) -> str:
    """The hash naming the embedding of `images` (uint8, as stored) by that evaluator."""
    digest = hashlib.sha256()
    for part in (evaluator_sha256, torch.__version__, device.type, str(tuple(images.shape))):
        digest.update(part.encode() + b"\0")
    digest.update(images.contiguous().numpy().tobytes())
    return digest.hexdigest()


def cached_embedding(key: str, n: int, embed: Callable[[], Embedding]) -> Embedding:
    """The embedding of `n` images stored under `key`, or `embed()`'s, then stored."""
    path = cache_folder() / f"{key}.safetensors"
    found = _read(path, n)
    if found is not None:
        return found
    embedding = embed()
    _write(path, embedding)
    return embedding


def _read(path: Path, n: int) -> Embedding | None:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        if path.stat().st_size > n * MAX_WIDTH * 4 + (1 << 20):
            return None  # bounded before anything is read
        tensors = load_file(path)
    except (OSError, SafetensorError, ValueError, RuntimeError):
        return None
    features, logits = tensors.get("features"), tensors.get("logits")
    if set(tensors) - {"features", "logits"} or features is None:
        return None
    for tensor in (features, logits):
        if tensor is None:
            continue
        if tensor.dtype != torch.float32 or tensor.ndim != 2 or len(tensor) != n:
            return None
        if not torch.isfinite(tensor).all():
            return None
    return features, logits


def _write(path: Path, embedding: Embedding) -> None:
    from safetensors.torch import save_file

    features, logits = embedding
    tensors = {"features": features.contiguous()}
    if logits is not None:
        tensors["logits"] = logits.contiguous()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as partial:  # readers see a whole file or none
            save_file(tensors, partial)
    except OSError as error:
        print(f"note: the real images' features were not cached ({error})", file=sys.stderr)
