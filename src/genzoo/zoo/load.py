"""`genzoo.load`: a model name or a repo folder in, built components with verified weights out."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import torch

from genzoo.core import BadInputError, GenzooError
from genzoo.core.model import ZooModel
from genzoo.plugins import installed
from genzoo.zoo.pull import pull
from genzoo.zoo.repo import load_repo
from genzoo.zoo.source import is_hub_name, resolve


def is_folder_name(name: str) -> bool:
    """Registered names never contain a path separator or start with '.' or '~';
    `hf-hub:org/repo` names are Hub repos, not folders."""
    if is_hub_name(name):
        return False
    return os.sep in name or "/" in name or name.startswith((".", "~")) or Path(name).is_dir()


def load(name: str, roles: Sequence[str] | None = None, device: str | None = None) -> ZooModel:
    """Load a pretrained model: a registered name, `hf-hub:org/repo@rev`, or a repo folder.

    Names are pulled into the HF cache first when needed. Every weights file is
    checked against its sha256 before it is read; the model is returned in eval
    mode on `device` (default: the best available).
    """
    registry = installed().registry
    if is_folder_name(name):
        folder = Path(name).expanduser()
        if not folder.is_dir():
            raise BadInputError(f"no such folder: {folder}")
        model = load_repo(folder, registry, roles=roles)
    else:
        pulled = pull(resolve(name, registry), roles)
        model = load_repo(pulled.snapshot, registry, roles, pulled.ref.pins, hashed=True)
        model.name = name
    return model.to(pick_device(device)).eval()


def model_roles(name: str) -> list[str] | None:
    """The components a model has, known before pulling it (None for hf-hub: names)."""
    from genzoo.zoo.repo import read_config

    if is_folder_name(name):
        folder = Path(name).expanduser()
        if not folder.is_dir():
            raise BadInputError(f"no such folder: {folder}")
        return list(read_config(folder).sha256)
    if is_hub_name(name):
        return None
    registry = installed().registry
    return list(registry.architecture(registry.model(name).architecture).components)


def pick_device(device: str | None = None) -> torch.device:
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
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise GenzooError("--device cuda was asked for, but torch sees no CUDA device")
    return chosen
