"""Where a pretrained model's files stand in the shared Hugging Face cache.

This reads (and `link_blob` writes) huggingface_hub's documented cache layout
(`models--org--name/{blobs,refs,snapshots}`) directly, because importing
`huggingface_hub.file_download` costs about 0.2 s and `genzoo list` must stay
fast; tests check it against `huggingface_hub.try_to_load_from_cache`.
"""

from __future__ import annotations

import contextlib
import enum
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from genzoo.core import BadInputError
from genzoo.core.entries import PretrainedModel
from genzoo.core.files import atomic_path

_COMMIT = re.compile(r"^[0-9a-f]{40}$")


class WeightsStatus(str, enum.Enum):
    UNPUBLISHED = "not yet published"
    CACHED = "cached"
    PARTIAL = "partly cached"
    MISSING = "not cached"


def is_commit(revision: str) -> bool:
    """Whether `revision` is a full commit id rather than a branch or tag."""
    return bool(_COMMIT.match(revision))


def check_endpoint() -> None:
    """A malformed HF_ENDPOINT breaks huggingface_hub's import with a ValueError traceback;
    name it in one line first."""
    from urllib.parse import urlsplit

    endpoint = os.environ.get("HF_ENDPOINT")
    if endpoint is None:
        return
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 (parsing the port is the check)
    except ValueError as err:
        raise BadInputError(f"HF_ENDPOINT={endpoint!r} is not a URL ({err})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInputError(
            f"HF_ENDPOINT={endpoint!r} is not an http(s) URL, e.g. https://huggingface.co"
        )


@dataclass(frozen=True)
class HubAccess:
    """How this call reaches the Hub, as `hf_hub_download` takes it: which cache folder
    (None: HF_HUB_CACHE), which token (None: HF_TOKEN or the saved login), and whether
    only cached files may be used, or whether cached files are fetched anew.
    Set for one `genzoo.load` by `hub_access`."""

    cache_dir: Path | None = None
    token: str | bool | None = None
    local_files_only: bool = False
    force_download: bool = False
    # told each file's name as its download starts (the CLI shows it on a terminal)
    progress: Callable[[str], None] | None = None


_ACCESS: ContextVar[HubAccess | None] = ContextVar("genzoo_hub_access", default=None)


@contextlib.contextmanager
def hub_access(access: HubAccess) -> Iterator[None]:
    """Use `access` for every download and cache lookup inside the block."""
    reset = _ACCESS.set(access)
    try:
        yield
    finally:
        _ACCESS.reset(reset)


def current_access() -> HubAccess:
    return _ACCESS.get() or HubAccess()


def offline() -> bool:
    """Whether only the cache may be used: HF_HUB_OFFLINE, or local_files_only for this call."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE) or current_access().local_files_only


def offline_reason() -> str:
    from huggingface_hub import constants

    return "HF_HUB_OFFLINE is set" if constants.HF_HUB_OFFLINE else "local_files_only is set"


def hub_cache() -> Path:
    """The HF hub cache folder (honours HF_HOME and HF_HUB_CACHE, or this call's cache_dir)."""
    from huggingface_hub import constants  # cheap: environment and paths only

    cache_dir = current_access().cache_dir
    return Path(cache_dir) if cache_dir is not None else Path(constants.HF_HUB_CACHE)


def repo_folder(repo_id: str, cache: Path | None = None) -> Path:
    """Where huggingface_hub caches the model repo `repo_id`."""
    return (cache or hub_cache()) / ("models--" + repo_id.replace("/", "--"))


def snapshot_dir(repo_id: str, revision: str, cache: Path | None = None) -> Path | None:
    """The cached snapshot folder of `repo_id` at `revision`, or None if never fetched."""
    repo = repo_folder(repo_id, cache)
    if is_commit(revision):
        commit = revision
    else:
        ref = repo / "refs" / revision
        if not ref.is_file() or ref.stat().st_size > 256:
            return None
        commit = ref.read_text(errors="replace").strip()
        if not is_commit(commit):  # a tampered ref must not point outside snapshots/
            return None
    return repo / "snapshots" / commit


def record_ref(repo: Path, revision: str, commit: str) -> None:
    """Make the branch or tag `revision` of the cached repo folder `repo` name `commit`
    (a commit needs no ref)."""
    if not is_commit(revision):
        (repo / "refs").mkdir(exist_ok=True)
        with atomic_path(repo / "refs" / revision) as tmp:
            tmp.write_text(commit)


def link_blob(entry: Path, blob: Path) -> None:
    """Point a snapshot entry at its blob: a relative symlink, or a copy where links fail."""
    with atomic_path(entry, link_ok=True) as tmp:
        try:
            tmp.symlink_to(os.path.relpath(blob, entry.parent))
        except OSError:  # e.g. Windows without developer mode, as huggingface_hub does
            shutil.copyfile(blob, tmp)


def stale_downloads(cache: Path | None = None, older_than: float = 0.0) -> list[Path]:
    """huggingface_hub's `*.incomplete` files in model repos' blobs/ that no download is
    writing (its lock, `.locks/<repo>/<etag>.lock`, is free: the process that held it is
    gone) and that are untouched for `older_than` seconds."""
    import time

    root = cache or hub_cache()
    now = time.time()
    return sorted(
        path
        for path in root.glob("models--*/blobs/*.incomplete")
        if path.is_file()
        and not path.is_symlink()
        and now - path.stat().st_mtime >= older_than
        and not _download_under_way(root, path)
    )


def remove_stale_downloads(cache: Path | None = None, older_than: float = 0.0) -> list[Path]:
    """Remove what `stale_downloads` finds, each while holding its lock (so that no
    download can start writing it meanwhile); the paths removed."""
    from filelock import FileLock, Timeout

    root = cache or hub_cache()
    removed = []
    for path in stale_downloads(root, older_than):
        try:
            with FileLock(blob_lock(root, path), timeout=0):
                path.unlink(missing_ok=True)
        except (Timeout, OSError):
            continue  # a download took it up meanwhile, or the cache is read-only
        removed.append(path)
    return removed


def blob_lock(root: Path, incomplete: Path) -> Path:
    """huggingface_hub's lock for a blob: `.locks/<repo folder>/<etag>.lock`; the blob's
    partial file is `<etag>.incomplete` or `<etag>.<id>.incomplete`."""
    etag = incomplete.name.split(".", 1)[0]
    return root / ".locks" / incomplete.parent.parent.name / f"{etag}.lock"


def _download_under_way(root: Path, incomplete: Path) -> bool:
    from filelock import FileLock, Timeout

    lock = blob_lock(root, incomplete)
    if not lock.exists():
        return False
    try:
        with FileLock(lock, timeout=0):
            return False
    except Timeout:
        return True
    except OSError:  # a lock we cannot even open: leave the file alone
        return True


def cached_files(model: PretrainedModel, cache: Path | None = None) -> dict[str, Path | None]:
    """Each pinned component file's path in the cache, or None where it is absent."""
    snapshot = snapshot_dir(model.repo_id, model.revision, cache)
    found: dict[str, Path | None] = {}
    for role in model.sha256:
        path = snapshot / f"{role}.safetensors" if snapshot else None
        found[role] = path if path is not None and path.is_file() else None
    return found


def weights_status(model: PretrainedModel, cache: Path | None = None) -> WeightsStatus:
    if not model.published:
        return WeightsStatus.UNPUBLISHED
    present = [p is not None for p in cached_files(model, cache).values()]
    if all(present):
        return WeightsStatus.CACHED
    return WeightsStatus.PARTIAL if any(present) else WeightsStatus.MISSING
