"""A model to and from a repo folder: the torch side of the Hub repo format (`zoo.repo`).

`write_repo` writes a model as a complete repo folder (weights, config, golden probes,
card, preview); `build_repo` builds a verified folder's architecture and loads its
weights, refusing, before anything is allocated, a config whose tensors the files do not
hold; `load_repo` does both steps of reading.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from genzoo.core import GenzooError, Registry, UnknownNameError
from genzoo.core.entries import Architecture
from genzoo.core.files import atomic_path
from genzoo.core.lazy import resolve
from genzoo.zoo.repo import (
    CARD_FILE,
    CONFIG_FILE,
    SAMPLES_FILE,
    RepoConfig,
    VerifiedRepo,
    abridged,
    file_sha256,
    header_shapes,
    open_repo,
    weights_file,
)
from genzoo.zoo.source import Roles

if TYPE_CHECKING:
    from torch import Tensor, nn

    from genzoo.core.model import ZooModel
    from genzoo.zoo.card import CardInfo


def write_repo(
    model: ZooModel,
    folder: Path,
    card: CardInfo | None = None,
    samples: Tensor | None = None,
) -> RepoConfig:
    """Write a complete repo: weights, config.json pinning them, README.md card, samples.png.

    `samples` are the preview images; by default the model draws 64 itself
    (seed 0) when it has a generator or decoder.
    """
    from safetensors.torch import save_model

    from genzoo.core.images import save_grid
    from genzoo.core.interfaces import sampler, unwrapped
    from genzoo.zoo import golden
    from genzoo.zoo.card import CardInfo, render_card

    folder.mkdir(parents=True, exist_ok=True)
    digests = {}
    components = {role: unwrapped(module) for role, module in model.items()}  # compiled ones
    for role, module in components.items():
        path = folder / weights_file(role)
        # One metadata key: safetensors writes several in random order, which would make
        # identical weights hash differently from run to run.
        metadata = {"genzoo": json.dumps({"architecture": model.architecture, "role": role})}
        with atomic_path(path) as tmp:
            save_model(module, str(tmp), metadata)
        digests[role] = file_sha256(path)
    probes = {role: golden.probe(module) for role, module in components.items()}
    repo = RepoConfig(model.architecture, model.config, digests, model.name, probes, model.provider)
    with atomic_path(folder / CONFIG_FILE) as tmp:
        tmp.write_text(json.dumps(repo.to_json(), indent=2) + "\n")
    images = samples if samples is not None else preview_images(model)
    if images is not None:
        with atomic_path(folder / SAMPLES_FILE) as tmp:
            save_grid(images, tmp)
    info = card or CardInfo()
    found = sampler(model)
    if found is not None and found.num_classes > 0 and not info.conditional:
        info = dataclasses.replace(info, conditional=True)
    text = render_card(
        model.name, model.architecture, digests, info, images is not None, repo.install
    )
    with atomic_path(folder / CARD_FILE) as tmp:
        tmp.write_text(text)
    return repo


def preview_images(model: ZooModel, n: int = 64, seed: int = 0) -> Tensor | None:
    """Images that show what the model makes: generator samples, or decoded prior draws."""
    from genzoo.core.interfaces import sampler

    found = sampler(model)
    return None if found is None else found.sample(n, seed=seed)


def build_repo(
    verified: VerifiedRepo, registry: Registry, model_class: type[ZooModel] | None = None
) -> ZooModel:
    """Build the repo's architecture and load its verified weights, held by `model_class`
    (default ZooModel; `genzoo.load` asks for HubModel)."""
    from genzoo.core.model import ZooModel, build, skipping_init  # torch: pull must not

    repo, paths = verified.repo, verified.weights
    architecture = _architecture(registry, repo, verified.folder)
    name = repo.name or verified.folder.name
    # The config is untrusted: a 1 KB one can name a 27 GB network. Build it on the meta
    # device first (no memory), and compare its tensors with the files' headers.
    import torch

    shapes: ZooModel | None = None
    if not verified.published_config:
        try:
            # the model's modules are imported first, not under the meta device: a tensor
            # one makes at import would land there and hold nothing
            for target in architecture.components.values():
                resolve(target)
            # skipping_init: torch.nn.init on meta tensors imports torch._dynamo (1.2 s)
            with skipping_init(), torch.device("meta"):
                shapes = build(architecture, repo.config, list(paths), name)
        except Exception:  # a constructor that reads a tensor's value cannot run on meta:
            shapes = None  # the real build below, and load_weights, check it instead
    part = verified.submodule
    for role, path in paths.items():
        if shapes is not None:
            _check_fit(shapes[role].get_submodule(part), header_shapes(path), path)
    with skipping_init():  # every weight comes from the files
        model = build(architecture, repo.config, list(paths), name, model_class or ZooModel)
    for role, path in paths.items():
        load_weights(model[role].get_submodule(part), path)
    model.sha256 = dict(verified.sha256)
    return model


def load_repo(
    folder: Path,
    registry: Registry,
    roles: Roles = None,
    pins: Mapping[str, str] | None = None,
    model_class: type[ZooModel] | None = None,
) -> ZooModel:
    """`open_repo` then `build_repo`: a folder's verified weights, built."""
    return build_repo(open_repo(folder, roles, pins), registry, model_class)


def _architecture(registry: Registry, repo: RepoConfig, folder: Path) -> Architecture:
    """The repo's architecture; when no installed plugin has it, the error names the
    distribution that config.json says provides it."""
    try:
        return registry.architecture(repo.architecture)
    except UnknownNameError:
        provider = repo.provided_by.get("distribution", "genzoo")
        if provider == "genzoo":
            raise
        version = repo.provided_by.get("version")
        raise GenzooError(
            f"{folder.name} needs the architecture {repo.architecture!r}, provided by the "
            f"package {provider}{f' {version}' if version else ''}: pip install {provider}"
        ) from None


def _check_fit(module: nn.Module, declared: Mapping[str, tuple[int, ...]], path: Path) -> None:
    """Refuse, before anything is allocated, a config whose tensors the file does not hold."""
    expected = {key: tuple(value.shape) for key, value in module.state_dict().items()}
    if expected == dict(declared):
        return
    problems = []
    if missing := sorted(expected.keys() - declared.keys()):
        problems.append(f"missing keys {abridged(missing)}")
    if unexpected := sorted(declared.keys() - expected.keys()):
        problems.append(f"unexpected keys {abridged(unexpected)}")
    shapes = [
        f"{k}: file {declared[k]} vs model {expected[k]}"
        for k in sorted(expected.keys() & declared.keys())
        if declared[k] != expected[k]
    ]
    if shapes:
        problems.append(f"shape mismatches {abridged(shapes)}")
    raise GenzooError(f"{path} does not fit its config: " + "; ".join(problems))


def load_weights(module: nn.Module, path: Path) -> None:
    """Load a safetensors file into `module`, naming every key or shape that does not fit."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        state = load_file(path)
    except SafetensorError as err:
        raise GenzooError(f"{path} is not a valid safetensors file: {err}") from err
    expected = module.state_dict()
    _check_fit(module, {key: tuple(value.shape) for key, value in state.items()}, path)
    # Assign the loaded tensors rather than copy them into the fresh ones (a third of the
    # load time).
    state = {key: value.to(expected[key].dtype) for key, value in state.items()}
    with torch.no_grad():
        module.load_state_dict(state, assign=True)
