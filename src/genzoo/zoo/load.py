"""Loading: a located source in (`genzoo.zoo.source.locate`), built components with verified
weights out. The registry is handed in by the caller (the CLI, or `genzoo.load`)."""

from __future__ import annotations

import torch

from genzoo.core import Registry
from genzoo.core.devices import pick_device, pick_dtype
from genzoo.core.model import ZooModel
from genzoo.zoo.cache import check_endpoint
from genzoo.zoo.hub_model import HubModel
from genzoo.zoo.pull import pull
from genzoo.zoo.repo import build_repo, load_repo
from genzoo.zoo.source import LocalRepo, Roles, Source


def load(
    source: Source,
    registry: Registry,
    roles: Roles = None,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
) -> ZooModel:
    """Pull `source` into the HF cache when needed and build it (all roles, or `roles`).

    Every weights file is checked against its sha256 before it is read; the model is
    returned in eval mode on `device` (default: the best available), in `dtype`
    (default: float32).
    """
    if isinstance(source, LocalRepo):
        model = load_repo(source.folder, registry, roles, model_class=HubModel)
    else:
        check_endpoint()
        model = build_repo(pull(source, roles).verified, registry, HubModel)
        model.name = source.name
    return model.to(pick_device(device), pick_dtype(dtype)).eval()
