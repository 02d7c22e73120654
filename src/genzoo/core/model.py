"""Building an architecture: resolve its lazy classes, construct each component.

One flat config serves every component: each constructor receives the keys it
accepts (a VAE's encoder and decoder share `latent_dim`). A key that no
component accepts is an error, so a typo never passes silently.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from torch import Tensor, nn

from genzoo.core.errors import BadInputError, GenzooError
from genzoo.core.interfaces import INTERFACES, Labels, sampler
from genzoo.core.lazy import resolve

if TYPE_CHECKING:
    from genzoo.core.entries import Architecture


__all__ = ["ZooModel", "accepted_keys", "build", "config_defaults", "skipping_init"]


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
        # the pip distribution (and version) whose plugin provides the architecture;
        # `build` fills it in from the registry, and a written repo records it
        self.provider: dict[str, str] = {}
        # each component's weights file's sha256, when loaded from a repo (what it was
        # verified against); empty for a model built untrained
        self.sha256: dict[str, str] = {}
        # the Hub repo it was loaded from ('' for a local folder or a model built here)
        self.repo_id = ""

    def replaced(self, **components: nn.Module) -> ZooModel:
        """The same model (name, architecture, config, provider) with some components
        swapped, e.g. a trainer's weight average in place of the trained generator."""
        model = type(self)(self.name, self.architecture, self.config, {**self, **components})
        model.provider = dict(self.provider)
        model.repo_id = self.repo_id
        return model

    def sample(
        self, n: int, labels: Labels = None, seed: int | None = None, **options: Any
    ) -> Tensor:
        """`n` images from the component that makes them: the generator, or the decoder
        through its prior (VAEs); `labels` are class indices or names ("sneaker"), and
        `options` go to an iterative sampler (steps=, solver=, guidance=)."""
        found = sampler(self)
        if found is None:
            raise BadInputError(f"{self.name} has no generator or decoder: it cannot sample")
        return found.sample(n, labels=labels, seed=seed, **options)

    def extra_repr(self) -> str:
        return f"name={self.name!r}, architecture={self.architecture!r}"


def build(
    architecture: Architecture,
    config: Mapping[str, Any] | None = None,
    roles: Sequence[str] | None = None,
    name: str | None = None,
    model_class: type[ZooModel] = ZooModel,
) -> ZooModel:
    """Construct the components of `architecture` (all, or only `roles`), randomly
    initialised, from `config` (default: the architecture's reference config), held by a
    `model_class` (a layer above may add behaviour: `genzoo.zoo.hub_model.HubModel`)."""
    config = architecture.config if config is None else config
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
        except GenzooError:
            raise
        except Exception as err:  # a config can be anything: every way it fails is one line
            reason = f"{type(err).__name__}: {str(err)[:300]}"
            raise BadInputError(
                f"cannot build the {role} of {architecture.name!r}: {reason}"
            ) from err
    model = model_class(name or architecture.name, architecture.name, config, components)
    if architecture.distribution:
        model.provider = {
            "distribution": architecture.distribution,
            "version": architecture.distribution_version,
        }
    return model


@contextmanager
def skipping_init() -> Iterator[None]:
    """Build modules without drawing their random initial weights, for a load that
    replaces every one of them next (`load_weights` refuses a file with missing keys).

    torch's layers initialise through `torch.nn.init` (`reset_parameters`), and so do
    most architectures' own schemes: while this context is open those functions leave
    their tensor as allocated. Drawing the weights was ~60% of loading a cached DCGAN.
    (Building on the meta device would skip it too, but meta tensors import torch._dynamo,
    1.5 s.) Whatever a module draws at random in `__init__` must therefore be a parameter
    or a persistent buffer, which it should be anyway: otherwise it differs at every load.
    Not thread-safe: `torch.nn.init` is patched for the whole process while open.
    """
    from torch.nn import init

    names = [name for name in dir(init) if name.endswith("_") and not name.startswith("_")]
    originals = {name: getattr(init, name) for name in names}
    for name in names:
        setattr(init, name, _leave_as_is)
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(init, name, function)


def _leave_as_is(tensor: Any, *args: Any, **kwargs: Any) -> Any:
    return tensor


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


def config_defaults(architecture: Architecture) -> dict[str, Any]:
    """The value each config key takes when the config omits it: the reference config's,
    else the first component constructor's default that is not empty."""
    defaults: dict[str, Any] = {}
    for role in architecture.components:
        for param in inspect.signature(_component_class(architecture, role)).parameters.values():
            if param.default is not param.empty:
                defaults.setdefault(param.name, param.default)
    return {**defaults, **architecture.config}
