"""What plugins register: metadata about architectures, pretrained models and datasets.

Entries are plain frozen dataclasses that name code lazily ("pkg.module:Class"),
so building the whole catalog imports neither torch nor any model module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from types import MappingProxyType
from typing import Any

from genzoo.core.errors import RegistrationError
from genzoo.core.lazy import is_ref, resolve

#: The roles a component can play; each has an interface in `genzoo.core.interfaces`.
ROLES = ("generator", "discriminator", "encoder", "decoder", "classifier")

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# Architectures may carry one namespace, e.g. "timm/resnet18"; model names never hold a
# '/', which is how `genzoo.load` tells them from folders.
_ARCHITECTURE_NAME = re.compile(r"^([a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
# org/name, as the Hub spells repo ids (huggingface_hub's validate_repo_id): letters,
# digits, '-', '_', '.'; each part starts and ends with a letter, digit or '_' (so neither
# '.' nor '..' can make a path leave its folder), holds no '..' or '--', at most 96 long
REPO_ID = re.compile(
    r"^(?!.*(?:\.\.|--))(?:\w|\w[\w.-]{0,94}\w)/(?:\w|\w[\w.-]{0,94}\w)$", re.ASCII
)


def _check_name(kind: str, name: object) -> None:
    pattern = _ARCHITECTURE_NAME if kind == "architecture" else _NAME
    if not isinstance(name, str) or not pattern.match(name):
        allowed = "lowercase letters, digits, '-', '_' and '.'"
        if kind == "architecture":
            allowed += ", after an optional 'namespace/'"
        raise RegistrationError(f"invalid {kind} name {name!r}: use {allowed}")


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Architecture:
    """A model architecture: its components by role and the classes that implement them.

    `components` maps a role to a lazy reference, e.g.
    ``{"generator": "genzoo.plugins.dcgan.model:DCGANGenerator"}``.
    `config` is the reference constructor configuration: `genzoo.build(name)` uses it
    (`genzoo.core.model.build` constructs the components),
    and every component receives the keys its constructor accepts.
    `trainer` lazily names the `genzoo.train.trainer.Trainer` subclass for its objective
    (shared by every architecture of a family) and `training` overrides that
    trainer's default hyperparameters for this architecture.
    """

    name: str
    family: str
    components: Mapping[str, str]
    config: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    paper: str = ""
    trainer: str = ""
    training: Mapping[str, Any] = field(default_factory=dict)
    plugin: str = ""  # filled in by the registry: the plugin that registered it
    # and the pip distribution that installed that plugin, with its version: a repo records
    # them in config.json, so a user without the plugin is told what to install
    distribution: str = ""
    distribution_version: str = ""

    def __post_init__(self) -> None:
        _check_name("architecture", self.name)
        _check_name("family", self.family)
        if not self.components:
            raise RegistrationError(f"architecture {self.name!r} names no components")
        for role, ref in self.components.items():
            if role not in ROLES:
                raise RegistrationError(
                    f"architecture {self.name!r}: unknown role {role!r}; "
                    f"roles are {', '.join(ROLES)}"
                )
            if not isinstance(ref, str) or not is_ref(ref):
                raise RegistrationError(
                    f"architecture {self.name!r}: {role} must be a lazy reference "
                    f"'package.module:Class', got {ref!r}"
                )
        if self.trainer and not is_ref(self.trainer):
            raise RegistrationError(
                f"architecture {self.name!r}: trainer must be 'package.module:Class', "
                f"got {self.trainer!r}"
            )
        object.__setattr__(self, "components", _frozen(self.components))
        object.__setattr__(self, "config", _frozen(self.config))
        object.__setattr__(self, "training", _frozen(self.training))

    def build(
        self,
        config: Mapping[str, Any] | None = None,
        roles: Sequence[str] | None = None,
        name: str | None = None,
    ) -> Any:  # a ZooModel; core.model is named lazily (it imports this module, and torch)
        """Deprecated since 0.2.0 (removed in 0.3.0): use `genzoo.build(name)`, or
        `genzoo.core.model.build(architecture, config)` for an entry not registered."""
        from genzoo.core.deprecation import deprecated

        deprecated("Architecture.build()", "genzoo.build(name) or genzoo.core.model.build()")
        # named lazily, as entries name all code: core.model imports torch, and this module
        build: Any = resolve("genzoo.core.model:build")
        return build(self, self.config if config is None else config, roles, name)


@dataclass(frozen=True)
class PretrainedModel:
    """A pretrained model: an architecture, its config, and where its weights live.

    `sha256` pins each component file (`<role>.safetensors` in the Hub repo
    `repo_id` at `revision`); an empty mapping means the weights are not yet published.
    `config_sha256` pins the repo's config.json, which changes behaviour as much as the
    weights do (class names, sampler defaults).
    `recipe` holds the training settings that made (or will make) the weights:
    `genzoo train <name>` trains `architecture` with `config` on `dataset` with them.
    """

    name: str
    architecture: str
    repo_id: str
    config: Mapping[str, Any] = field(default_factory=dict)
    revision: str = "main"
    sha256: Mapping[str, str] = field(default_factory=dict)
    dataset: str = ""
    license: str = ""
    paper: str = ""
    description: str = ""
    parameters: int | None = None  # total over all components, as built from `config`
    metrics: Mapping[str, float] = field(default_factory=dict)
    recipe: Mapping[str, Any] = field(default_factory=dict)
    plugin: str = ""
    # Fields added after 0.1.0 are keyword-only: positional calls written for 0.1.0 still
    # mean what they meant (the public API's rule, docs/api.md).
    _: KW_ONLY
    config_sha256: str = ""

    def __post_init__(self) -> None:
        _check_name("model", self.name)
        _check_name("architecture", self.architecture)
        if not isinstance(self.repo_id, str) or not REPO_ID.match(self.repo_id):
            raise RegistrationError(
                f"model {self.name!r}: repo_id must look like 'org/name', got {self.repo_id!r}"
            )
        for role, digest in self.sha256.items():
            if role not in ROLES or not isinstance(digest, str) or not SHA256.match(digest):
                raise RegistrationError(
                    f"model {self.name!r}: sha256 must map roles to 64 lowercase hex digits, "
                    f"got {role!r}: {digest!r}"
                )
        if self.config_sha256 and not SHA256.match(str(self.config_sha256)):
            raise RegistrationError(
                f"model {self.name!r}: config_sha256 must be 64 lowercase hex digits"
            )
        object.__setattr__(self, "config", _frozen(self.config))
        object.__setattr__(self, "sha256", _frozen(self.sha256))
        object.__setattr__(self, "metrics", _frozen(self.metrics))
        object.__setattr__(self, "recipe", _frozen(self.recipe))

    @property
    def published(self) -> bool:
        """Whether pinned weights exist for this model."""
        return bool(self.sha256)


@dataclass(frozen=True)
class DatasetEntry:
    """A dataset a plugin can read.

    `loader` lazily names `load(data_dir: Path | None, split: str) -> ImageData`
    (`genzoo.data.images`); `locate`, optionally, a torch-free
    `locate(data_dir) -> Path | None` saying where the files are without reading them;
    `fetch`, optionally, what `genzoo datasets get NAME` runs to obtain the files:
    `fetch(dest: Path, source: str, local: Path | None, mirrors: list[str], say) -> str`
    writes them into `dest` (a folder `locate` then finds) and returns where they came from.
    `evaluator` names the classifier model whose features `genzoo evaluate` compares
    generators of this dataset on; `label_free_evaluator` a self-supervised encoder model,
    the second feature space every FD is also given in.
    """

    name: str
    loader: str
    description: str = ""
    license: str = ""
    homepage: str = ""
    locate: str = ""
    how_to_get: str = ""  # one line: what to install or download when it is missing
    plugin: str = ""
    _: KW_ONLY  # added after 0.1.0
    hub_id: str = ""  # the same data on the Hugging Face Hub, which model cards link to
    fetch: str = ""
    evaluator: str = ""
    # a second feature space, trained without labels (a simclr encoder): every FD is also
    # reported there, since one classifier's features can be blind to what a family gets wrong
    label_free_evaluator: str = ""

    def __post_init__(self) -> None:
        _check_name("dataset", self.name)
        for what, ref in (("loader", self.loader), ("locate", self.locate), ("fetch", self.fetch)):
            if (what == "loader" or ref) and (not isinstance(ref, str) or not is_ref(ref)):
                raise RegistrationError(
                    f"dataset {self.name!r}: {what} must be 'package.module:function', got {ref!r}"
                )


Entry = Architecture | PretrainedModel | DatasetEntry
