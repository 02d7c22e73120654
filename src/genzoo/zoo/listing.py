"""A repo's listing, and the files it names streamed straight into the Hugging Face cache.

One request to the Hub's API lists every file of a repo at its revision, with its size
and its blob name (the etag huggingface_hub names cached blobs by: a sha256 for a file
in LFS, the git blob sha1 for the rest), and the commit it resolved to. With that,
`hf_hub_download`'s own metadata request per file (a HEAD, to learn the same etag and
commit) is not needed: `fetch_listed` GETs the file at that commit into huggingface_hub's
cache layout (the blob under its lock, a snapshot entry linking to it, the ref) and checks
the bytes against the blob name as they stream, so a listing that lies costs a download,
never a wrong file in the cache. Anything it cannot do (no listing, a mirror that lists
names only, an error of any kind) is left to `hf_hub_download`, whose errors and retries
the caller already reports.

Everything in a listing is untrusted: sizes bound what is read, blob names and the
commit must be hex digests before they name a path.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from genzoo.core import GenzooError
from genzoo.core.files import replaceable
from genzoo.zoo.cache import (
    blob_lock,
    current_access,
    hub_cache,
    is_commit,
    link_blob,
    offline,
    record_ref,
    repo_folder,
)
from genzoo.zoo.repo import etag_hasher
from genzoo.zoo.source import RepoRef

_log = logging.getLogger(__name__)

MAX_LISTING_BYTES = 4 << 20  # a repo's file list with sizes: a few KB for a genzoo repo
_BLOB = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Listed:
    """One file as the listing gives it: its size and blob name, where given."""

    size: int | None
    blob: str | None


@dataclass(frozen=True)
class Listing:
    """Every file of a repo at one revision, and the commit the revision resolved to."""

    files: Mapping[str, Listed]
    commit: str | None

    def __contains__(self, filename: object) -> bool:
        return filename in self.files

    def size(self, filename: str) -> int | None:
        entry = self.files.get(filename)
        return entry.size if entry is not None else None


def listing(ref: RepoRef) -> Listing | None:
    """`ref`'s listing from one request (what `HfApi.model_info(files_metadata=True)` asks);
    None offline, when the server does not answer, or answers what genzoo cannot read."""
    if offline():
        return None
    from urllib.parse import quote

    from huggingface_hub import constants
    from huggingface_hub.utils import build_hf_headers, get_session

    url = (
        f"{constants.ENDPOINT}/api/models/{ref.repo_id}/revision/"
        f"{quote(ref.revision, safe='')}?blobs=true"
    )
    headers = build_hf_headers(token=current_access().token, library_name="genzoo")
    try:
        with get_session().stream("GET", url, headers=headers, timeout=10) as response:
            if response.status_code != 200:
                return None
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_LISTING_BYTES:
                    return None
        data = json.loads(body)
    except Exception:  # unreachable, not JSON, cut off: the per-file path reports it
        return None
    files = parse_listing(data) if isinstance(data, dict) else None
    if files is not None and is_commit(ref.revision) and files.commit != ref.revision:
        return Listing(files.files, None)  # of another commit than asked: sizes only
    return files


def parse_listing(data: Mapping[str, object]) -> Listing | None:
    """The listing in the Hub API's answer for a model at a revision, or None."""
    siblings = data.get("siblings")
    if not isinstance(siblings, list):
        return None
    files: dict[str, Listed] = {}
    for entry in siblings:
        if not isinstance(entry, dict) or not isinstance(entry.get("rfilename"), str):
            return None  # not a listing genzoo can read: each file is asked about instead
        size = entry.get("size")
        lfs = entry.get("lfs")
        # a file in LFS is cached under its sha256; blobId is then its pointer's git id
        blob = lfs.get("sha256") if isinstance(lfs, dict) else entry.get("blobId")
        files[entry["rfilename"]] = Listed(
            size if type(size) is int and size >= 0 else None,
            blob if isinstance(blob, str) and _BLOB.match(blob) else None,
        )
    commit = data.get("sha")
    return Listing(files, commit if isinstance(commit, str) and is_commit(commit) else None)


def fetch_listed(ref: RepoRef, filename: str, files: Listing | None, force: bool) -> Path | None:
    """`filename`'s snapshot entry, fetched by one GET at the listed commit into the cache;
    None when the listing does not name its size, blob and commit, or the download fails
    short of an error status (nothing half-written stays: the caller's `hf_hub_download`
    takes over). An error status is raised as huggingface_hub raises it."""
    entry = files.files.get(filename) if files is not None else None
    if files is None or files.commit is None or entry is None:
        return None  # offline (no listing), a server that gave none, or not of this commit
    if entry.size is None or entry.blob is None:
        return None  # a mirror that lists names only
    from huggingface_hub.errors import HfHubHTTPError

    repo = repo_folder(ref.repo_id)
    blob = repo / "blobs" / entry.blob
    try:
        if force or not _holds(blob, entry.size):
            _download_blob(ref, filename, files.commit, entry, blob, force)
        path = repo / "snapshots" / files.commit / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        link_blob(path, blob)
        record_ref(repo, ref.revision, files.commit)
    except HfHubHTTPError:
        raise  # the server's answer (a 404, a 503): the caller retries or reports it
    except Exception as err:  # a cut, a lie, a bug: hf_hub_download fetches it instead
        _log.debug("fetching %s straight from its listing failed: %r", filename, err)
        return None
    return path


def _holds(blob: Path, size: int) -> bool:
    """A complete blob is already cached (huggingface_hub trusts one too; pins check it)."""
    try:
        return blob.is_file() and not blob.is_symlink() and blob.stat().st_size == size
    except OSError:
        return False


def _download_blob(
    ref: RepoRef, filename: str, commit: str, entry: Listed, blob: Path, force: bool
) -> None:
    """Stream the file into `<blob>.incomplete` under huggingface_hub's lock for that blob
    (unless another process completed the blob while this one waited for the lock), never
    past its listed size; only bytes that hash to the blob's name are kept."""
    from filelock import FileLock
    from huggingface_hub import constants, hf_hub_url
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    from genzoo.core.version import __version__

    assert entry.size is not None and entry.blob is not None
    blob.parent.mkdir(parents=True, exist_ok=True)
    partial = blob.with_name(blob.name + ".incomplete")
    lock = blob_lock(hub_cache(), partial)
    lock.parent.mkdir(parents=True, exist_ok=True)
    url = hf_hub_url(ref.repo_id, filename, revision=commit)
    headers = build_hf_headers(
        token=current_access().token, library_name="genzoo", library_version=__version__
    )
    with FileLock(lock):
        if not force and _holds(blob, entry.size):
            return
        partial.unlink(missing_ok=True)  # a link planted there goes, not what it names
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            with os.fdopen(os.open(partial, flags, 0o644), "wb") as out:
                digest = etag_hasher(len(entry.blob), entry.size)
                timeout = constants.HF_HUB_DOWNLOAD_TIMEOUT
                with get_session().stream("GET", url, headers=headers, timeout=timeout) as reply:
                    hf_raise_for_status(reply)
                    for chunk in reply.iter_bytes(_CHUNK):
                        if out.tell() + len(chunk) > entry.size:
                            raise GenzooError(f"{filename} is longer than its listed size")
                        digest.update(chunk)
                        out.write(chunk)
                if out.tell() != entry.size or digest.hexdigest() != entry.blob:
                    raise GenzooError(f"{filename} does not match its listed blob")
            replaceable(blob)
            os.replace(partial, blob)
        finally:
            partial.unlink(missing_ok=True)
