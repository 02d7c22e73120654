"""Air-gapped use: pull from a folder of repos, and export cached repos as such a folder.

A folder of repos is laid out like the Hub, `DIR/<org>/<name>/` holding the
files of repo `<org>/<name>` (this project's `hub/` is one; a `git clone` of
Hub repos side by side is another). Importing writes huggingface_hub's cache
layout (blobs, a snapshot of links, a ref), so that afterwards every tool,
genzoo's and huggingface_hub's own with HF_HUB_OFFLINE=1, finds the files as if
they had been downloaded.

A folder written by `genzoo cache export` also carries `.hf-cache.json`: the commit
the files were downloaded at and each file's blob name (the Hub's etag: a sha256 for
LFS files, a git blob sha1 for the rest). Importing it rebuilds the cache exactly as
the download left it, so `hf cache verify` accepts it and a later online pull of that
revision finds everything in place (no duplicate snapshot or blob). Any other folder
(this project's `hub/`, a copy) has no commit: its snapshot is named by a digest of its
files, and its blobs by their sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from genzoo.core import GenzooError
from genzoo.core.files import atomic_path, read_bounded
from genzoo.zoo.cache import hub_cache, is_commit, link_blob, record_ref, repo_folder
from genzoo.zoo.pull import Pulled
from genzoo.zoo.repo import (
    CONFIG_FILE,
    EXTRA_FILES,
    file_sha256,
    hub_etag,
    is_format_file,
    plain_files,
    read_config,
    verify,
    weights_file,
)
from genzoo.zoo.source import RepoRef, Roles


def find_repo(source: Path, ref: RepoRef) -> Path:
    """`source/<org>/<name>`, or `source` itself when it is the repo folder."""
    for folder in (source / ref.repo_id, source):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise GenzooError(
        f"{source} holds no repo {ref.repo_id}: looked for {source / ref.repo_id / CONFIG_FILE}"
    )


def import_repo(ref: RepoRef, source: Path, roles: Roles = None) -> Pulled:
    """Copy `ref`'s files from a folder of repos into the HF cache, verified before copying."""
    folder = find_repo(source, ref)
    if ref.config_pin is not None:
        verify(folder / CONFIG_FILE, ref.config_pin)  # before a byte of it is believed
    repo = read_config(folder)
    ref.check_architecture(repo.architecture, folder / CONFIG_FILE)
    pins = ref.needed(repo.sha256, roles)
    for role, digest in pins.items():
        verify(folder / weights_file(role), digest)  # a corrupt source never reaches the cache
    names = [CONFIG_FILE, *(weights_file(role) for role in pins)]
    names += [name for name in EXTRA_FILES if (folder / name).is_file()]
    plain_files(folder, names)
    digests = {name: file_sha256(folder / name) for name in names}
    recorded = _cache_record(folder, digests)
    if recorded is not None:
        commit, digests = recorded["commit"], recorded["blobs"]
    else:
        commit = _import_commit(digests)
    cache = repo_folder(ref.repo_id, hub_cache())
    commit = ref.revision if is_commit(ref.revision) else commit
    snapshot = cache / "snapshots" / commit
    snapshot.mkdir(parents=True, exist_ok=True)
    (cache / "blobs").mkdir(exist_ok=True)
    files = []
    for name, digest in digests.items():
        blob = cache / "blobs" / digest
        if not blob.is_file() or hub_etag(blob, len(digest)) != digest:
            with atomic_path(blob) as tmp:
                shutil.copyfile(folder / name, tmp)
        link_blob(snapshot / name, blob)
        files.append(snapshot / name)
    record_ref(cache, ref.revision, commit)
    return Pulled(ref, snapshot, tuple(files), tuple(pins), True, repo)


CACHE_RECORD = ".hf-cache.json"  # beside an exported repo's files: commit and blob names


def export_repo(pulled: Pulled, destination: Path) -> Path:
    """Copy a verified cached repo to `destination/<org>/<name>/`, with the record that lets
    an import rebuild the cache as the download left it; returns that folder."""
    folder = write_into(destination, pulled.ref.repo_id, pulled.files)
    blobs = {path.name: Path(os.readlink(path)).name for path in pulled.files if path.is_symlink()}
    if len(blobs) == len(pulled.files) and is_commit(pulled.snapshot.name):
        record = {"commit": pulled.snapshot.name, "blobs": blobs}
        with atomic_path(folder / CACHE_RECORD) as tmp:
            tmp.write_text(json.dumps(record, indent=2) + "\n")
    else:  # a cache of copies (no links): no blob names to carry
        (folder / CACHE_RECORD).unlink(missing_ok=True)
    return folder


def _cache_record(folder: Path, digests: dict[str, str]) -> dict[str, Any] | None:
    """The export record of `folder`, if it names every file and each blob name is the
    file's etag (recomputed here: a record is as untrusted as the files); else None."""
    path = folder / CACHE_RECORD
    if not path.is_file() or path.is_symlink():
        return None
    try:
        record = json.loads(read_bounded(path, 1 << 16))
        commit, blobs = record["commit"], record["blobs"]
    except (GenzooError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(commit, str) and is_commit(commit) and isinstance(blobs, dict)):
        return None
    if set(blobs) != set(digests):
        return None
    for name, blob in blobs.items():
        if not (isinstance(blob, str) and _ETAG.match(blob)):
            return None
        if hub_etag(folder / name, len(blob)) != blob:
            return None
    return {"commit": commit, "blobs": dict(blobs)}


_ETAG = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def write_into(destination: Path, repo_id: str, files: Sequence[Path]) -> Path:
    """Make `destination/<repo_id>/` hold exactly `files` (copies, links followed)."""
    folder = destination / repo_id
    folder.mkdir(parents=True, exist_ok=True)
    names = {path.name for path in files}
    for stale in folder.iterdir():  # only files of the format: whatever else is there stays
        if stale.is_file() and stale.name not in names and is_format_file(stale.name):
            stale.unlink()
    for path in files:
        with atomic_path(folder / path.name) as tmp:
            shutil.copyfile(path, tmp)  # a snapshot entry links to its blob: copy the bytes
    return folder


def _import_commit(digests: dict[str, str]) -> str:
    """A stable 40-hex snapshot name for a set of files: the same files, the same snapshot."""
    listing = "".join(f"{name} {digest}\n" for name, digest in sorted(digests.items()))
    return hashlib.sha1(listing.encode(), usedforsecurity=False).hexdigest()
