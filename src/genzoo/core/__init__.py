"""genzoo.core: interfaces, registry entries and the registry. Imports nothing else of genzoo.

The torch-dependent parts (`interfaces`, `model`, `conformance`) are separate
modules so that importing the registry stays free of torch.
"""

from genzoo.core.entries import ROLES, Architecture, DatasetEntry, PretrainedModel
from genzoo.core.errors import (
    BadInputError,
    ConformanceError,
    GenzooError,
    PatternError,
    RegistrationError,
    UnknownNameError,
)
from genzoo.core.registry import Registry

__all__ = [
    "ROLES",
    "Architecture",
    "BadInputError",
    "ConformanceError",
    "DatasetEntry",
    "GenzooError",
    "PatternError",
    "PretrainedModel",
    "RegistrationError",
    "Registry",
    "UnknownNameError",
]
