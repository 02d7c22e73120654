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
from typing import TYPE_CHECKING, Any

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
from genzoo.plugins import hookimpl, installed

if TYPE_CHECKING:
    from genzoo.core.conformance import check_component, check_model
    from genzoo.core.interfaces import (
        Classifier,
        Decoder,
        Discriminator,
        Encoder,
        Generator,
        LatentDistribution,
    )
    from genzoo.core.model import ZooModel
    from genzoo.zoo.load import load

__version__ = "0.1.0"

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
    "load": "genzoo.zoo.load",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'genzoo' has no attribute {name!r}")


def registry() -> Registry:
    """The registry filled by the installed plugins."""
    return installed().registry


def list_models(
    pattern: str | None = None,
    *,
    family: str | None = None,
    dataset: str | None = None,
    plugin: str | None = None,
) -> list[str]:
    """Names of the pretrained models matching a wildcard `pattern` and the filters."""
    found = registry().find_models(pattern, family=family, dataset=dataset, plugin=plugin)
    return [m.name for m in found]


def list_architectures(
    pattern: str | None = None, *, family: str | None = None, plugin: str | None = None
) -> list[str]:
    """Names of the architectures matching a wildcard `pattern` and the filters."""
    return [a.name for a in registry().find_architectures(pattern, family=family, plugin=plugin)]


def build(name: str, **config: Any) -> ZooModel:
    """Build an architecture, or a pretrained model's architecture and config, untrained.

    Keyword arguments override the config: `genzoo.build("dcgan", image_shape=(3, 32, 32))`.
    """
    entry = registry().lookup(name)
    if isinstance(entry, PretrainedModel):
        architecture = registry().architecture(entry.architecture)
        base = entry.config or architecture.config
    else:
        architecture, base = entry, entry.config
    return architecture.build({**base, **config}, name=name)


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
    "hookimpl",
    "list_architectures",
    "list_models",
    "load",
    "registry",
]
