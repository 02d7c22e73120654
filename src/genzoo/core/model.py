"""Building an architecture: resolve its lazy classes, construct each component.

One flat config serves every component: each constructor receives the keys it
accepts (a VAE's encoder and decoder share `latent_dim`). A key that no
component accepts is an error, so a typo never passes silently.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from torch import nn

from genzoo.core.errors import BadInputError, GenzooError
from genzoo.core.interfaces import INTERFACES
from genzoo.core.lazy import resolve

if TYPE_CHECKING:
    from genzoo.core.entries import Architecture


class ZooModel(nn.ModuleDict):
    """The components of one model by role: `model.generator`, `model["encoder"]`."""

    def __init__(
        self,
        name: str,
        architecture: str,
        config: Mapping[str, Any],
        components: Mapping[str, nn.Module],
    ) -> None:
        super().__init__(components)
        self.name = name
        self.architecture = architecture
        self.config = dict(config)

    def extra_repr(self) -> str:
        return f"name={self.name!r}, architecture={self.architecture!r}"


def build(
    architecture: Architecture,
    config: Mapping[str, Any],
    roles: Sequence[str] | None = None,
    name: str | None = None,
) -> ZooModel:
    """Construct the components of `architecture` (all, or only `roles`) from `config`."""
    roles = list(architecture.components) if roles is None else list(roles)
    for role in roles:
        if role not in architecture.components:
            raise BadInputError(
                f"architecture {architecture.name!r} has no {role}; "
                f"it has {', '.join(architecture.components)}"
            )
    classes = {role: _component_class(architecture, role) for role in architecture.components}
    accepted = {role: _parameters(cls) for role, cls in classes.items()}
    unused = set(config) - set().union(*accepted.values())
    if unused:
        raise BadInputError(
            f"config keys {sorted(unused)} are accepted by no component of {architecture.name!r}"
        )
    components = {}
    for role in roles:
        kwargs = {k: v for k, v in config.items() if k in accepted[role]}
        try:
            components[role] = classes[role](**kwargs)
        except (TypeError, ValueError) as err:
            raise BadInputError(f"cannot build the {role} of {architecture.name!r}: {err}") from err
    return ZooModel(name or architecture.name, architecture.name, config, components)


def _component_class(architecture: Architecture, role: str) -> type[nn.Module]:
    cls = resolve(architecture.components[role])
    interface = INTERFACES[role]
    if not (isinstance(cls, type) and issubclass(cls, interface)):
        raise GenzooError(
            f"architecture {architecture.name!r}: {architecture.components[role]} is not a "
            f"subclass of genzoo.{interface.__name__}, as a {role} must be"
        )
    return cls


def _parameters(cls: type) -> set[str]:
    params = inspect.signature(cls).parameters.values()
    return {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def accepted_keys(architecture: Architecture) -> set[str]:
    """Every config key some component of `architecture` accepts."""
    classes = [_component_class(architecture, role) for role in architecture.components]
    return set().union(*(_parameters(cls) for cls in classes))
