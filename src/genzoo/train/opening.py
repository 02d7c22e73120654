"""From a located name to a model: the one seam `genzoo.load`, `genzoo sample` and
`genzoo evaluate` share.

A registered model, a Hub repo or a repo folder loads with verified weights
(`genzoo.zoo.load`); a run folder still training (`genzoo.train.run_folder.in_progress`)
opens as its last checkpoint's model, with the weights its trainer would publish now (the
average, where it keeps one). It lives in `train` because only training knows what a
checkpoint holds; `zoo` stays below it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from genzoo.core import Registry
from genzoo.core.devices import pick_device, pick_dtype
from genzoo.core.model import ZooModel
from genzoo.zoo.load import load
from genzoo.zoo.source import LocalRepo, Roles, Source, choose_roles


@dataclass(frozen=True)
class Opened:
    model: ZooModel
    step: int | None = None  # a run still training: the step of its checkpoint
    batch_size: int = 0  # and its batch size (epochs = step * batch_size / images)


def open_model(
    source: Source,
    registry: Registry,
    roles: Roles = None,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
    model_class: type[ZooModel] = ZooModel,
) -> Opened:
    """The model `source` names (all components, or `roles`), in eval mode on `device`
    in `dtype`; see the module. `model_class` holds a run's components (the published
    kind, `HubModel`, for `genzoo.load`)."""
    from genzoo.train.loop import checkpoint_model
    from genzoo.train.run_folder import in_progress, load_run

    if not (isinstance(source, LocalRepo) and in_progress(source.folder)):
        return Opened(load(source, registry, roles, device, dtype))
    model, at = checkpoint_model(source.folder, registry, model_class)
    chosen = choose_roles(list(model), roles, source.name)
    for role in [role for role in model if role not in chosen]:
        del model[role]
    model = model.to(pick_device(device), pick_dtype(dtype)).eval()
    batch_size = load_run(source.folder)["settings"].get("batch_size", 0)
    return Opened(model, at.step, int(batch_size))
