"""genzoo: a zoo of pretrained generative models and classifiers for PyTorch.

    import genzoo
    genzoo.list_models("*gan*")
    gan = genzoo.build("dcgan")                  # components by role, randomly initialised
    images = gan.generator.sample(16, seed=0)    # (16, 1, 28, 28) in [-1, 1]

Importing genzoo does not import torch; the interfaces (`genzoo.Generator`, ...)
load it when first touched.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any, cast

from genzoo.core import (
    ROLES,
    Architecture,
    BadInputError,
    ConformanceError,
    DatasetEntry,
    GenzooError,
    PatternError,
    PretrainedModel,
    RegistrationError,
    Registry,
    UnknownNameError,
)
from genzoo.core.version import __version__
from genzoo.plugins import hookimpl, installed

if TYPE_CHECKING:  # the names `_LAZY` resolves, spelled out for type checkers
    import torch

    from genzoo.core.conformance import check_component, check_model
    from genzoo.core.images import grid, to_input
    from genzoo.core.interfaces import (
        Classifier,
        Decoder,
        Discriminator,
        Encoder,
        Generator,
        LatentDistribution,
    )
    from genzoo.core.model import ZooModel
    from genzoo.evaluation import Evaluation, evaluate
    from genzoo.zoo.hub_model import HubModel
    from genzoo.zoo.source import Roles, Source

# Names that import torch, resolved on first access (PEP 562).
_LAZY = {
    "Generator": "genzoo.core.interfaces",
    "Discriminator": "genzoo.core.interfaces",
    "Encoder": "genzoo.core.interfaces",
    "Decoder": "genzoo.core.interfaces",
    "Classifier": "genzoo.core.interfaces",
    "LatentDistribution": "genzoo.core.interfaces",
    "ZooModel": "genzoo.core.model",
    "check_component": "genzoo.core.conformance",
    "check_model": "genzoo.core.conformance",
    "grid": "genzoo.core.images",
    "to_input": "genzoo.core.images",
    "evaluate": "genzoo.evaluation",
    "Evaluation": "genzoo.evaluation",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'genzoo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def registry() -> Registry:
    """The registry filled by the installed plugins."""
    return installed().registry


def list_models(
    pattern: str | None = None,
    *,
    family: str | None = None,
    dataset: str | None = None,
    plugin: str | None = None,
    pretrained: bool = True,
) -> list[str]:
    """Names of the pretrained models matching a wildcard `pattern` and the filters.

    `pretrained=False` (timm's keyword) adds the architectures: every name `create_model`
    takes, sorted (architectures have no dataset, so `dataset` keeps them out)."""
    found = registry().find_models(pattern, family=family, dataset=dataset, plugin=plugin)
    names = [m.name for m in found]
    if pretrained or dataset is not None:
        return names
    return sorted([*names, *list_architectures(pattern, family=family, plugin=plugin)])


def list_architectures(
    pattern: str | None = None, *, family: str | None = None, plugin: str | None = None
) -> list[str]:
    """Names of the architectures matching a wildcard `pattern` and the filters."""
    return [a.name for a in registry().find_architectures(pattern, family=family, plugin=plugin)]


def build(name: str, **config: Any) -> HubModel:
    """Build an architecture, or a pretrained model's architecture and config, untrained.

    Keyword arguments override the config: `genzoo.build("dcgan", image_shape=(3, 32, 32))`.
    """
    from genzoo.core.model import build as build_components
    from genzoo.zoo.hub_model import HubModel

    entry = registry().lookup(name)
    if isinstance(entry, PretrainedModel):
        architecture = registry().architecture(entry.architecture)
        base = registry().config_of(entry)
    else:
        architecture, base = entry, entry.config
    built = build_components(architecture, {**base, **config}, name=name, model_class=HubModel)
    return cast("HubModel", built)


def load(
    name: str | os.PathLike[str],
    roles: Roles | str = None,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
    *,
    revision: str | None = None,
    token: str | bool | None = None,
    local_files_only: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    force_download: bool = False,
    torch_dtype: str | torch.dtype | None = None,
    **unknown: Any,
) -> HubModel:
    """Load a pretrained model with verified weights, pulling it into the HF cache if needed.

    `name` is a registered model (`dcgan-fashion-mnist`), a Hub repo (`hf-hub:org/name@rev`
    or plainly `org/name`) or a repo folder (a `pathlib.Path` is always a folder);
    `genzoo.zoo.source` gives the precedence; a run folder still training gives its last
    checkpoint's model, as `genzoo sample` does. Returns the components (all, `roles`, or the
    one role named) in eval mode on `device`, in `dtype` (`torch_dtype`, as diffusers and
    transformers spell it, means the same). The Hub options mean what they mean to
    `huggingface_hub.hf_hub_download`: `revision` (a branch, tag or commit; a registered
    model's pins still apply), `token` (default: HF_TOKEN or the saved login),
    `local_files_only` (the cache only, like HF_HUB_OFFLINE), `cache_dir` (default: the
    shared HF cache), `force_download` (fetch the files again even if cached).
    """
    import dataclasses
    from pathlib import Path

    from genzoo.train.opening import open_model
    from genzoo.zoo.cache import HubAccess, hub_access
    from genzoo.zoo.hub_model import HubModel
    from genzoo.zoo.source import LocalRepo, locate

    if unknown:
        raise BadInputError(
            f"genzoo.load() takes no {', '.join(sorted(unknown))}: its options are roles, "
            "device, dtype (or torch_dtype), revision, token, local_files_only, cache_dir "
            "and force_download"
        )
    if torch_dtype is not None:
        if dtype is not None and dtype != torch_dtype:
            raise BadInputError("give dtype or torch_dtype, not both")
        dtype = torch_dtype
    found = registry()
    if isinstance(name, os.PathLike):  # a Path names a folder, never a model or a repo id
        folder = Path(name).expanduser()
        if not folder.is_dir():
            raise BadInputError(f"{folder} is not a folder: give a repo folder or a model name")
        source: Source = LocalRepo(str(folder), folder)
    elif isinstance(name, str):
        source = locate(name, found)
    else:
        raise BadInputError(f"genzoo.load() takes a name or a path, got {type(name).__name__}")
    if revision is not None:
        if isinstance(source, LocalRepo):
            raise BadInputError(f"{name} is a folder on this machine: it has no revisions")
        source = dataclasses.replace(source, revision=revision)
    if isinstance(roles, str):  # one role, not its letters
        roles = [roles]
    access = HubAccess(
        None if cache_dir is None else Path(cache_dir), token, local_files_only, force_download
    )
    with hub_access(access):
        opened = open_model(source, found, roles, device, dtype, HubModel)
    return cast("HubModel", opened.model)


#: The name Hugging Face libraries use for `load`.
from_pretrained = load


def create_model(name: str, pretrained: bool = False, **options: Any) -> HubModel:
    """timm's first line: `create_model(name, pretrained=True)` is `load(name, **options)`
    (verified weights; `options` are load's: device, dtype, revision, ...), and
    `pretrained=False` is `build(name, **options)` (untrained; `options` override the
    config, e.g. `create_model("dcgan", image_shape=(3, 32, 32))`)."""
    return load(name, **options) if pretrained else build(name, **options)


# The public surface (docs/api.md), written out so that tools read it without running
# this module; a test keeps it equal to the eager names plus `_LAZY`.
__all__ = [
    "ROLES",
    "Architecture",
    "BadInputError",
    "Classifier",
    "ConformanceError",
    "DatasetEntry",
    "Decoder",
    "Discriminator",
    "Encoder",
    "Evaluation",
    "Generator",
    "GenzooError",
    "LatentDistribution",
    "PatternError",
    "PretrainedModel",
    "RegistrationError",
    "Registry",
    "UnknownNameError",
    "ZooModel",
    "__version__",
    "build",
    "check_component",
    "check_model",
    "create_model",
    "evaluate",
    "from_pretrained",
    "grid",
    "hookimpl",
    "list_architectures",
    "list_models",
    "load",
    "registry",
    "to_input",
]
