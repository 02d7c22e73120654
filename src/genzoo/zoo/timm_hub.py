"""timm's own pretrained weights on the Hub (`timm/<arch>.<tag>`), loaded as a genzoo
Classifier.

timm writes a repo as `config.json` (the architecture, the classes, the input size it was
trained at, in `pretrained_cfg`) and `model.safetensors` (the network's state dict). Such
a repo has no genzoo pins: its weights are checked against the repo's own hash, the name
the Hub gives the file's blob (the sha256 of a file in LFS, the git blob sha1 otherwise),
and the config is read as untrusted input: bounded, typed, and naming an architecture
only (the plugin refuses a `model_name` that timm does not list, such as `hf-hub:...`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from genzoo.core import GenzooError
from genzoo.zoo.pull import download_file, evict
from genzoo.zoo.repo import (
    CONFIG_FILE,
    MAX_CONFIG_BYTES,
    IntegrityError,
    RepoConfig,
    VerifiedRepo,
    file_sha256,
    hub_etag,
    parse_json,
    read_bounded,
)
from genzoo.zoo.source import RepoRef

ORG = "timm"
WEIGHTS = "model.safetensors"
_MAX_CLASSES = 100_000
_MAX_SIDE = 4096


def is_timm_repo(repo_id: str) -> bool:
    """Repos of the Hub's `timm` organisation are in timm's format, not genzoo's."""
    return repo_id.partition("/")[0] == ORG


def pull_timm(ref: RepoRef) -> VerifiedRepo:
    """Fetch a timm repo's config and weights into the HF cache, check the weights against
    the Hub's hash of them, and describe them as a genzoo `timm/<arch>` classifier."""
    config_path = download_file(ref, CONFIG_FILE)
    repo = timm_config(parse_json(read_bounded(config_path, MAX_CONFIG_BYTES), config_path), ref)
    weights = download_file(ref, WEIGHTS)
    blob = Path(os.path.realpath(weights)).name  # hf_hub_download names blobs by their etag
    if len(blob) not in (40, 64) or hub_etag(weights, len(blob)) != blob:
        evict(weights)
        raise IntegrityError(
            f"{WEIGHTS} of {ref.repo_id}@{ref.revision} does not match the Hub's hash of it "
            f"({blob[:16]}...); it was removed from the cache"
        )
    digest = file_sha256(weights)
    return VerifiedRepo(
        config_path.parent,
        RepoConfig(repo.architecture, repo.config, {"classifier": digest}, repo.name),
        {"classifier": weights},
        {"classifier": digest},
        submodule="net",  # timm's state dict is the TimmClassifier's network
    )


def timm_config(data: Any, ref: RepoRef) -> RepoConfig:
    """genzoo's reading of a timm config.json; anything malformed is one line."""
    where = f"config.json of {ref.repo_id}"
    if not isinstance(data, dict) or not isinstance(data.get("architecture"), str):
        raise GenzooError(f"{where} is not in timm's format: it names no architecture")
    architecture = data["architecture"]
    classes = data.get("num_classes")
    if isinstance(classes, bool) or not isinstance(classes, int) or not 0 < classes <= _MAX_CLASSES:
        raise GenzooError(f"{where}: num_classes must be 1..{_MAX_CLASSES:,}")
    names = data.get("label_names")
    if not (isinstance(names, list) and len(names) == classes and all(
        isinstance(name, str) and len(name) < 200 for name in names
    )):  # fmt: skip
        names = [str(index) for index in range(classes)]
    pretrained = data.get("pretrained_cfg")
    size = pretrained.get("input_size") if isinstance(pretrained, dict) else None
    if not (isinstance(size, list) and len(size) == 3 and all(
        isinstance(side, int) and not isinstance(side, bool) and 0 < side <= _MAX_SIDE
        for side in size
    )):  # fmt: skip
        raise GenzooError(f"{where}: pretrained_cfg.input_size must be [channels, height, width]")
    config = {
        "model_name": architecture,
        "class_names": names,
        "image_shape": size,
        "small_stem": False,  # the network as timm trained it
    }
    return RepoConfig(f"timm/{architecture}", config, {}, ref.repo_id.partition("/")[2])
