"""The Hub repo format: what one pretrained model's repo holds, written and read only here.

    config.json         {"library": "genzoo", "name", "architecture", "config", "sha256"}
                        (sha256 maps each role to the hex digest of its weights file)
    <role>.safetensors  one file per component; its metadata key "genzoo" holds
                        {"architecture", "role"} as JSON
    README.md           the model card (Hub YAML metadata + how it was made), see `card`
    samples.png         a preview grid, when the model can draw one
    reconstructions.png test images above their reconstructions (variational models)

This module is the format and its safe reading: `read_config`, `open_repo` (every weights
file hashed against its pin), `check_repo` (what is wrong with a folder before it is
published). It imports no torch: `genzoo pull` hashes and checks files without it.
`zoo.weights` is the torch side: a model written as a folder, a folder built back.

Only safetensors are ever loaded: pickle-based formats run arbitrary code when
read. Every file is checked against a sha256 (the registry's pin, else the
repo's own declaration) before it is opened.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genzoo.core import ROLES, GenzooError
from genzoo.core.deprecation import moved
from genzoo.core.entries import SHA256
from genzoo.core.files import read_bounded, regular_file
from genzoo.zoo.source import Roles, choose_roles

if TYPE_CHECKING:
    pass

CONFIG_FILE = "config.json"
CARD_FILE = "README.md"
SAMPLES_FILE = "samples.png"
RECONSTRUCTIONS_FILE = "reconstructions.png"  # variational models, written by evaluate
# Part of the format, shown on the Hub, never needed to load a model.
EXTRA_FILES = (CARD_FILE, SAMPLES_FILE, RECONSTRUCTIONS_FILE)
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
# torch.save's zip archive; a raw pickle stream of protocol 2 to 5
_PICKLE_MAGIC = (b"PK\x03\x04", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")
_SHOWN = 5  # how many offending keys an error lists


class IntegrityError(GenzooError):
    """A file's bytes are not the ones pinned."""


def weights_file(role: str) -> str:
    return f"{role}.safetensors"


def is_format_file(name: str) -> bool:
    """Whether a file name is one the repo format defines (config, card, previews, weights)."""
    return name in (CONFIG_FILE, *EXTRA_FILES) or name.endswith(".safetensors")


MAX_CONFIG_BYTES = 1 << 20  # a config.json is a few KB; anything near this is not one
MAX_CARD_BYTES = 1 << 20
MAX_PICTURE_BYTES = 16 << 20  # samples.png of a 64-image grid is tens of KB
MAX_WEIGHTS_BYTES = 32 << 30  # one component's safetensors: far beyond this zoo's models


def max_download_bytes(filename: str) -> int:
    """The most a repo's file may hold before it is fetched at all: a server that offers
    more is refused, so a hostile mirror cannot fill the cache."""
    if filename == CONFIG_FILE:
        return MAX_CONFIG_BYTES
    if filename == CARD_FILE:
        return MAX_CARD_BYTES
    if filename.endswith(".png"):
        return MAX_PICTURE_BYTES
    return MAX_WEIGHTS_BYTES


def plain_files(folder: Path, names: list[str]) -> list[str]:
    """`names`, after refusing any that is a symbolic link or not a regular file: a link
    could carry any file of this machine into a cache or an upload."""
    for name in names:
        if (folder / name).is_symlink():
            raise GenzooError(f"{folder / name} is a symbolic link; a repo folder holds files")
        regular_file(folder / name)
    return names


def file_sha256(path: Path) -> str:
    regular_file(path)
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def hub_etag(path: Path, length: int) -> str:
    """The Hub's name for a file's blob, `length` hex digits long: its sha256 (64, a file
    in LFS) or its git blob sha1 (40)."""
    if length == 64:
        return file_sha256(path)
    digest = etag_hasher(length, regular_file(path).st_size)
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def etag_hasher(length: int, size: int) -> hashlib._Hash:
    """The hash that names a blob of `size` bytes by `length` hex digits, to feed its bytes:
    sha256 (64), or git's sha1 of a header and the bytes (40)."""
    if length == 64:
        return hashlib.sha256()
    return hashlib.sha1(b"blob %d\0" % size, usedforsecurity=False)


@dataclass(frozen=True)
class RepoConfig:
    """The content of config.json."""

    architecture: str
    config: Mapping[str, Any]
    sha256: Mapping[str, str] = field(default_factory=dict)
    name: str = ""
    golden: Mapping[str, list[float]] = field(default_factory=dict)  # see `golden`
    # {"distribution": pip name, "version": ...} of the plugin providing the architecture
    provided_by: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = {
            "library": "genzoo",
            "name": self.name,
            "architecture": self.architecture,
            "config": dict(self.config),
            "sha256": dict(self.sha256),
            "golden": dict(self.golden),
        }
        if self.provided_by:
            data["provided_by"] = dict(self.provided_by)
        return data

    @property
    def install(self) -> str:
        """What `pip install` needs for this repo's architecture: genzoo, and the plugin's
        distribution when another one provides it."""
        distribution = self.provided_by.get("distribution", "genzoo")
        return "genzoo" if distribution == "genzoo" else f"genzoo {distribution}"


def read_config(folder: Path) -> RepoConfig:
    """Parse `folder/config.json`; a missing or malformed one is a one-line error."""
    path = folder / CONFIG_FILE
    if not path.exists() and not path.is_symlink():
        raise GenzooError(
            f"{folder} is not a genzoo repo: it has no {CONFIG_FILE} (a run still training "
            "has none until it ends; genzoo.load, genzoo sample and evaluate read its checkpoint)"
        )
    data = parse_json(read_bounded(path, MAX_CONFIG_BYTES), path)
    if not (
        isinstance(data, dict)
        and isinstance(data.get("architecture"), str)
        and isinstance(data.get("config", {}), dict)
        and isinstance(data.get("sha256", {}), dict)
    ):
        raise GenzooError(f"{path} must hold an object with 'architecture', 'config' and 'sha256'")
    golden, name = data.get("golden", {}), data.get("name", "")
    if not (isinstance(golden, dict) and all(_is_probe(r, v) for r, v in golden.items())):
        raise GenzooError(f"{path}: golden must map roles to lists of numbers (genzoo verify)")
    if not isinstance(name, str):
        raise GenzooError(f"{path}: name must be text, got {type(name).__name__}")
    for role, digest in data.get("sha256", {}).items():
        # roles become file names: only the documented ones, before any path is built
        if role not in ROLES or not isinstance(digest, str) or not SHA256.match(digest):
            raise GenzooError(
                f"{path}: sha256 must map roles ({', '.join(ROLES)}) to 64 hex digits; "
                f"got {str(role)[:40]!r}"
            )
    return RepoConfig(
        data["architecture"],
        data.get("config", {}),
        data.get("sha256", {}),
        name,
        golden,
        _provider(data.get("provided_by")),
    )


def _is_probe(role: object, values: object) -> bool:
    """A golden record as `golden.probe` writes it: a role, and at most a few thousand numbers."""
    return (
        role in ROLES
        and isinstance(values, list)
        and len(values) <= 4096
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    )


_DISTRIBUTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")  # PEP 508 names, bounded


def _provider(value: Any) -> dict[str, str]:
    """`provided_by` as written by `write_repo`; anything else is ignored, never shown as is
    (it ends up in a `pip install` line)."""
    if not isinstance(value, dict):
        return {}
    name, version = value.get("distribution"), value.get("version", "")
    if not (isinstance(name, str) and _DISTRIBUTION.match(name) and isinstance(version, str)):
        return {}
    return {"distribution": name, "version": version[:50]}


def parse_json(text: bytes, path: Path) -> Any:
    """JSON from a file, every way it can be malformed a one-line GenzooError (nesting deep
    enough to exhaust the recursion limit included)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise GenzooError(f"cannot read {path}: {str(err)[:200]}") from None


def check_repo(folder: Path) -> list[str]:
    """Everything that makes `folder` unfit to publish (empty when it is fit).

    The files must match config.json (every pinned file present with its hash,
    no unpinned weights, no pickles) and the card (library_name genzoo, the
    architecture among its tags, each pinned hash in its file table).
    """
    from genzoo.zoo.card import card_metadata

    try:
        repo = read_config(folder)
    except GenzooError as err:
        return [str(err)]
    problems = []
    for role, expected in repo.sha256.items():
        try:
            verify(weights_path(folder, role), expected)
        except GenzooError as err:
            problems.append(str(err))
    for path in sorted(folder.iterdir()):
        if path.suffix in PICKLE_SUFFIXES:
            problems.append(
                f"{path.name} is a pickle-based file; genzoo publishes only safetensors"
            )
        elif path.suffix == ".safetensors" and path.stem not in repo.sha256:
            problems.append(f"{path.name} is not pinned in {CONFIG_FILE}")
    card_path = folder / CARD_FILE
    if not card_path.is_file():
        return [*problems, f"{CARD_FILE} (the model card) is missing"]
    text = read_bounded(card_path, MAX_CARD_BYTES).decode("utf-8", errors="replace")
    metadata = card_metadata(text)
    if metadata.get("library_name") != "genzoo":
        problems.append(f"{CARD_FILE} does not declare library_name: genzoo")
    tags = metadata.get("tags")
    if not isinstance(tags, list) or repo.architecture not in tags:
        problems.append(f"{CARD_FILE} does not tag the architecture {repo.architecture!r}")
    for role, digest in repo.sha256.items():
        if digest not in text:
            problems.append(f"{CARD_FILE} does not list the sha256 of {weights_file(role)}")
    return problems


@dataclass(frozen=True)
class VerifiedRepo:
    """A repo folder checked once, handed from fetching to building: its parsed config,
    and each component's weights file, hashed against its pin.

    `published_config` says config.json itself matched a registry pin: the config is the
    published one, and building skips the meta-device comparison of its shapes."""

    folder: Path
    repo: RepoConfig
    weights: Mapping[str, Path]  # role -> its verified safetensors file
    sha256: Mapping[str, str]  # role -> the pin its file matched
    published_config: bool = False
    # the submodule of each component that its weights file fills ("" : the component);
    # a timm Hub repo's model.safetensors fills a TimmClassifier's `net`
    submodule: str = ""


def open_repo(
    folder: Path, roles: Roles = None, pins: Mapping[str, str] | None = None
) -> VerifiedRepo:
    """Read `folder`'s config once and verify the weights of `roles` (all, or named, or
    chosen from those it pins) against `pins` (a registry entry's) or the repo's own."""
    repo = read_config(folder)
    pins = dict(pins or repo.sha256)
    chosen = choose_roles(list(pins), roles, str(folder))
    weights = {role: weights_path(folder, role) for role in chosen}
    for role, path in weights.items():
        verify(path, pins[role])
    return VerifiedRepo(folder, repo, weights, {role: pins[role] for role in weights})


MAX_HEADER_BYTES = 16 << 20  # a safetensors header lists names, dtypes, shapes and offsets


def header_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """The tensors a safetensors file declares, name -> shape, read from its header alone
    (bounded before it is read; the tensors' bytes are not touched)."""
    size = regular_file(path).st_size
    with path.open("rb") as stream:
        length = int.from_bytes(stream.read(8), "little")
        if length > min(MAX_HEADER_BYTES, size - 8):
            raise GenzooError(f"{path} is not a valid safetensors file: header of {length} bytes")
        header = parse_json(stream.read(length), path)
    if not isinstance(header, dict):
        raise GenzooError(f"{path} is not a valid safetensors file: its header is no object")
    shapes = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise GenzooError(f"{path} is not a valid safetensors file: bad shape for {key!r}")
        shapes[key] = tuple(shape)
    return shapes


def verify(path: Path, expected: str) -> None:
    """Raise IntegrityError, naming both hashes, unless `path` hashes to `expected`."""
    actual = file_sha256(path)
    if actual != expected:
        raise IntegrityError(
            f"{path}: sha256 is {actual}, expected {expected}; "
            "the file is corrupt or not the published one"
        )


def weights_path(folder: Path, role: str) -> Path:
    """`folder/<role>.safetensors`, refusing pickles in its place with the reason why."""
    path = folder / weights_file(role)
    pickles = [folder / f"{role}{suffix}" for suffix in PICKLE_SUFFIXES]
    if not path.is_file():
        found = next((p for p in pickles if p.is_file()), None)
        if found is not None:
            raise GenzooError(
                f"{found} is a pickle-based file: genzoo loads only safetensors, "
                "because unpickling runs arbitrary code; convert it with "
                "safetensors.torch.save_model"
            )
        raise GenzooError(f"{path} is missing")
    with path.open("rb") as stream:
        head = stream.read(9)
    # A safetensors file starts with its header's length (8 bytes, little-endian) and then
    # the JSON header's "{"; the length alone can begin with a pickle's bytes (e.g. 0x0380).
    if head[8:9] != b"{" and head.startswith(_PICKLE_MAGIC):
        raise GenzooError(
            f"{path} holds a pickle (torch.save) despite its name; genzoo loads "
            "only safetensors, because unpickling runs arbitrary code"
        )
    return path


def abridged(items: list[str]) -> str:
    """The first few of `items`, and how many more there are (for one-line errors)."""
    more = f" (+{len(items) - _SHOWN} more)" if len(items) > _SHOWN else ""
    return ", ".join(items[:_SHOWN]) + more


# Moved in 0.2.0 (removed in 0.3.0): the torch side of the format lives in genzoo.zoo.weights.
__getattr__ = moved(
    __name__,
    {
        "write_repo": "genzoo.zoo.weights",
        "preview_images": "genzoo.zoo.weights",
        "build_repo": "genzoo.zoo.weights",
        "load_repo": "genzoo.zoo.weights",
        "load_weights": "genzoo.zoo.weights",
    },
)
