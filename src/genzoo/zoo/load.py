"""Loading: a located source in (`genzoo.zoo.source.locate`), built components with verified
weights out. The registry is handed in by the caller (the CLI, or `genzoo.load`)."""

from __future__ import annotations

from pathlib import Path

import torch

from genzoo.core import GenzooError, Registry
from genzoo.core.devices import pick_device, pick_dtype
from genzoo.core.files import read_bounded
from genzoo.core.model import ZooModel
from genzoo.zoo.cache import check_endpoint
from genzoo.zoo.hub_model import HubModel
from genzoo.zoo.pull import pull
from genzoo.zoo.repo import CARD_FILE, MAX_CARD_BYTES, open_repo
from genzoo.zoo.source import LocalRepo, Roles, Source, choose_roles
from genzoo.zoo.timm_hub import is_timm_repo, pull_timm
from genzoo.zoo.weights import build_repo


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
        verified = open_repo(source.folder, roles)
    elif is_timm_repo(source.repo_id):  # timm's own format: a classifier
        check_endpoint()
        verified = pull_timm(source)
        choose_roles(["classifier"], roles, source.name)
    else:
        check_endpoint()
        verified = pull(source, roles, extras=(CARD_FILE,)).verified  # no previews
    model = build_repo(verified, registry, HubModel)
    if not isinstance(source, LocalRepo):
        model.name, model.repo_id = source.name, source.repo_id
    if isinstance(model, HubModel):  # remembered for save_pretrained: its record carries over
        model.card_text = _card_text(verified.folder)
    return model.to(pick_device(device), pick_dtype(dtype)).eval()


def _card_text(folder: Path) -> str:
    path = folder / CARD_FILE
    if not path.is_file():
        return ""
    try:
        return read_bounded(path, MAX_CARD_BYTES).decode("utf-8", errors="replace")
    except GenzooError:  # an oversized or odd card: the saved copy gets a fresh one
        return ""
