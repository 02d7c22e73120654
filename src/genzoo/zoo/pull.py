"""Fetching a model's repo into the shared Hugging Face cache, verified file by file.

The cache layout, locking and the environment (HF_ENDPOINT, HF_HUB_OFFLINE, HF_HOME,
HF_TOKEN) are huggingface_hub's. The repo's listing, asked once, bounds every file's size
before a byte of it is fetched, spares the requests for files the repo lacks, and names
each file's blob and the commit: a listed file is then one GET straight into the cache
(`genzoo.zoo.listing.fetch_listed`); any other is `hf_hub_download`'s (a HEAD, then the
GET, with its retries and resumption). The files after config.json are fetched at once;
every weights file is hashed against its pin before anyone may use it; a mismatch is
fetched once more, and a file that still does not match is removed from the cache and
reported.

A model already complete in the cache is verified and returned without
importing huggingface_hub's download machinery or torch: a cached pull is fast.
"""

from __future__ import annotations

import contextvars
import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from genzoo.core import GenzooError
from genzoo.zoo.cache import (
    current_access,
    hub_cache,
    offline,
    offline_reason,
    remove_stale_downloads,
    snapshot_dir,
)
from genzoo.zoo.listing import Listing, fetch_listed, listing
from genzoo.zoo.repo import (
    CARD_FILE,
    CONFIG_FILE,
    EXTRA_FILES,
    IntegrityError,
    RepoConfig,
    VerifiedRepo,
    file_sha256,
    max_download_bytes,
    read_config,
    weights_file,
    weights_path,
)
from genzoo.zoo.source import RepoRef, Roles

_log = logging.getLogger(__name__)


class NotCachedError(GenzooError):
    """The files are not in the cache and cannot be downloaded now."""


@dataclass(frozen=True)
class Pulled:
    """A verified snapshot folder and the files of it that were asked for."""

    ref: RepoRef
    snapshot: Path
    files: tuple[Path, ...]
    roles: tuple[str, ...]  # the components whose weights it holds, verified
    downloaded: bool  # False when everything was already cached
    repo: RepoConfig  # its config.json, parsed once

    @property
    def verified(self) -> VerifiedRepo:
        """What loading builds from: nothing is read or hashed again."""
        weights = {role: weights_path(self.snapshot, role) for role in self.roles}
        pins = self.ref.needed(self.repo.sha256, list(self.roles))
        published = self.ref.config_pin is not None  # config.json matched the registry's pin
        return VerifiedRepo(self.snapshot, self.repo, weights, pins, published)


def pull(ref: RepoRef, roles: Roles = None, extras: Sequence[str] = EXTRA_FILES) -> Pulled:
    """Cache and verify `ref`'s config and weights (all roles, or `roles`), and the `extras`
    it has (by default the card and the previews; loading a model asks only for its card)."""
    if current_access().force_download and offline():
        raise GenzooError(
            f"force_download fetches {ref.name} anew, but {offline_reason()}: the cached copy is "
            "verified on every load anyway; drop force_download, or unset it to download"
        )
    found = None if current_access().force_download else cached(ref, roles)
    if found is not None:
        return found
    check_reachable(ref)
    listed = listing(ref)
    config, repo = _config(ref, listed)
    ref.check_architecture(repo.architecture, config)
    pins = ref.needed(repo.sha256, roles)
    # the weights and the extras at once: a file's hash is taken as the others stream
    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:
        weights = [
            _in_context(pool, _fetch_file, ref, weights_file(role), digest, listed)
            for role, digest in pins.items()
        ]
        optional = [_in_context(pool, _optional, ref, name, listed) for name in extras]
        files = [config, *(job.result() for job in weights)]
        files += [path for job in optional if (path := job.result()) is not None]
    # a killed earlier pull of this repo left partial files whose locks are now free
    remove_stale_downloads_of(config.parent.parent.parent)
    return Pulled(ref, config.parent, tuple(files), tuple(pins), True, repo)


FETCH_WORKERS = 4  # files of one repo fetched at once (a repo holds two to six)
T = TypeVar("T")


def _in_context(pool: ThreadPoolExecutor, work: Callable[..., T], *args: Any) -> Future[T]:
    """`work(*args)` in the pool, seeing this thread's Hub access (a context variable,
    which a pool's threads do not inherit)."""
    return pool.submit(contextvars.copy_context().run, work, *args)


PROBE_SECONDS = 4.0  # a Hub that answers at all answers a TCP connect in well under this
_PROXIES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
_reached: set[tuple[str, int]] = set()


def check_reachable(ref: RepoRef) -> None:
    """Before the first download, ask whether the endpoint can be reached at all: a TCP
    connection, within PROBE_SECONDS. Without it a machine with no network waits out
    huggingface_hub's retries (about 25 s, a dozen lines) before the same answer. Skipped
    offline (nothing is fetched), behind a proxy (the proxy is what is reached), and once
    an endpoint has answered."""
    import socket
    import threading
    from urllib.parse import urlsplit

    from huggingface_hub import constants

    if offline() or any(os.environ.get(name) for name in _PROXIES):
        return
    endpoint = constants.ENDPOINT
    parts = urlsplit(endpoint)
    if not parts.hostname:
        return
    address = (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    if address in _reached:
        return
    failure: list[str] = []

    def connect() -> None:
        try:
            socket.create_connection(address, timeout=PROBE_SECONDS).close()
        except OSError as err:
            failure.append(err.strerror or type(err).__name__)

    probe = threading.Thread(target=connect, daemon=True)  # a name lookup has no timeout
    probe.start()
    probe.join(PROBE_SECONDS + 0.5)
    if probe.is_alive():
        failure.append(f"no answer in {PROBE_SECONDS:.0f} s")
    if failure:
        raise GenzooError(
            f"{ref.name} is not in the Hugging Face cache ({hub_cache()}) and {endpoint} "
            f"cannot be reached ({failure[0]}): pull it where there is network, point "
            "HF_ENDPOINT at a mirror, or bring it from another machine (`genzoo cache export "
            f"DIR` there, `genzoo pull {ref.name} --from DIR` here); HF_HUB_OFFLINE=1 uses "
            "cached models only, without trying the network"
        )
    _reached.add(address)


def remove_stale_downloads_of(repo: Path) -> None:
    """The leftovers of killed downloads in one repo folder of the cache."""
    if any(repo.glob("blobs/*.incomplete")):
        remove_stale_downloads(repo.parent)


def describe(ref: RepoRef) -> Path:
    """The snapshot folder with `ref`'s config.json (verified when pinned) and its card when
    it has one: what `genzoo info` shows, without fetching any weights."""
    snapshot = snapshot_dir(ref.repo_id, ref.revision)
    config = snapshot / CONFIG_FILE if snapshot is not None else None
    if (
        config is not None
        and config.is_file()
        and (snapshot / CARD_FILE).is_file()  # type: ignore[operator]
        and (ref.config_pin is None or file_sha256(config) == ref.config_pin)
    ):
        return config.parent
    check_reachable(ref)
    config, _ = _config(ref)
    _optional(ref, CARD_FILE)
    return config.parent


def cached(ref: RepoRef, roles: Roles) -> Pulled | None:
    """The verified cached snapshot, or None if anything needed is missing or corrupt."""
    snapshot = snapshot_dir(ref.repo_id, ref.revision)
    if snapshot is None or not (snapshot / CONFIG_FILE).is_file():
        return None
    if ref.config_pin is not None and file_sha256(snapshot / CONFIG_FILE) != ref.config_pin:
        return None  # fetched again, like a damaged weights file
    try:
        repo = read_config(snapshot)
    except GenzooError:
        return None  # an unpinned config that no longer parses: fetched again too

    ref.check_architecture(repo.architecture, snapshot / CONFIG_FILE)
    pins = ref.needed(repo.sha256, roles)
    paths = [snapshot / weights_file(role) for role in pins]
    if not all(path.is_file() for path in paths):
        return None
    for path, expected in zip(paths, pins.values(), strict=True):
        if file_sha256(path) != expected:
            return None  # the download path fetches it again and reports what it finds
    extras = [snapshot / name for name in EXTRA_FILES if (snapshot / name).is_file()]
    files = (snapshot / CONFIG_FILE, *paths, *extras)
    return Pulled(ref, snapshot, files, tuple(pins), False, repo)


def _config(ref: RepoRef, files: Listing | None = None) -> tuple[Path, RepoConfig]:
    """config.json, verified against its pin, and parsed (once); an unpinned one is fetched
    once more when the cached copy does not parse."""
    if ref.config_pin is not None:
        path = _fetch_file(ref, CONFIG_FILE, ref.config_pin, files)
        return path, read_config(path.parent)
    path = download_file(ref, CONFIG_FILE, files=files)
    try:
        return path, read_config(path.parent)
    except GenzooError:
        if offline():
            raise
        evict(path)
        path = download_file(ref, CONFIG_FILE, force=True, files=files)
    return path, read_config(path.parent)


def _fetch_file(ref: RepoRef, filename: str, expected: str, files: Listing | None = None) -> Path:
    """Download a pinned file; a hash mismatch is fetched once more, then evicted and reported."""
    path = download_file(ref, filename, files=files)
    actual = file_sha256(path)
    if actual != expected and not offline():
        evict(path)  # a damaged snapshot entry may be a plain file a new download keeps
        path = download_file(ref, filename, force=True, files=files)
        actual = file_sha256(path)
    if actual == expected:
        return path
    evict(path)  # never leave bytes in the cache that are not the pinned ones
    if offline():
        raise IntegrityError(
            f"{path} has sha256 {actual}, expected {expected}: the cached file is corrupt and "
            f"was removed. {offline_reason()}, so it cannot be fetched again now: run "
            f"`genzoo pull {ref.name}` online, or `genzoo pull {ref.name} --from DIR`"
        )
    raise IntegrityError(
        f"{filename} of {ref.repo_id}@{ref.revision} has sha256 {actual}, expected "
        f"{expected}, also after downloading it again; it was removed from the cache. "
        "The server does not hold the pinned file."
    )


def _optional(ref: RepoRef, filename: str, files: Listing | None = None) -> Path | None:
    """A file that loading never needs (the card, a preview): None when it cannot be had.

    The repo and revision exist (config.json came from them), so even a "no such repo"
    answer means the file is absent: some servers (olah) say 401 for a missing file.
    """
    if files is not None and filename not in files:
        return None  # the listing says the repo has no such file: nothing to ask
    try:
        return download_file(ref, filename, files=files)
    except GenzooError:
        return None


# A 500/502/503/504 is often a server's moment, not its answer: the file GET is tried again
# after these pauses (huggingface_hub retries only 408/429 there); a partial download resumes.
TRANSIENT_STATUSES = (500, 502, 503, 504)
RETRY_PAUSES = (0.5, 1.0, 2.0)


def download_file(
    ref: RepoRef, filename: str, force: bool = False, files: Listing | None = None
) -> Path:
    """One file into the cache, straight from the listing or through hf_hub_download; its
    failures become one-line genzoo errors.
    `files` is the repo's `listing`, when the server gave one: the file's size is checked
    against it, and a file it names the blob of is fetched without a HEAD."""
    from huggingface_hub import hf_hub_download

    from genzoo.core.version import __version__

    access = current_access()
    _check_size(ref, filename, files)
    if access.progress is not None and not offline():
        access.progress(filename)
    for pause in (*RETRY_PAUSES, None):
        try:
            listed = fetch_listed(ref, filename, files, force or access.force_download)
            path = listed or hf_hub_download(
                ref.repo_id,
                filename,
                revision=ref.revision,
                library_name="genzoo",
                library_version=__version__,
                force_download=force or access.force_download,
                cache_dir=hub_cache(),
                token=access.token,
                local_files_only=access.local_files_only,
            )
        except Exception as err:
            if pause is not None and (status := _transient(err)):
                _log.warning("%s answered %s; trying again", filename, status)
                time.sleep(pause)
                continue
            problem = _explain(err, ref, filename)
            if problem is None:
                raise
            raise problem from None
        return Path(path)
    raise AssertionError("unreachable: the last try returns or raises")


def _check_size(ref: RepoRef, filename: str, files: Listing | None = None) -> None:
    """Refuse a file the server says is larger than its kind may be, before downloading
    a byte of it: by the repo's listing, else by the file's own metadata. Offline, or when
    the server will not say, hf_hub_download's own errors (and the pins) decide."""
    if offline():
        return
    size = files.size(filename) if files is not None else None
    size = size if size is not None else _remote_size(ref, filename)
    limit = max_download_bytes(filename)
    if size is not None and size > limit:
        raise GenzooError(
            f"{filename} of {ref.repo_id}@{ref.revision} is {size:,} bytes, more than the "
            f"{limit:,} such a file may hold: refused, nothing was downloaded"
        )


def _remote_size(ref: RepoRef, filename: str) -> int | None:
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    try:
        url = hf_hub_url(ref.repo_id, filename, revision=ref.revision)
        return get_hf_file_metadata(url, token=current_access().token).size
    except Exception:  # unreachable, 404, 5xx: the download names it in one line
        return None


def _transient(err: BaseException) -> int | None:
    """The status of a file GET that failed with a transient server error, also when
    huggingface_hub wrapped it; None otherwise (a HEAD: huggingface_hub retried it already)."""
    from huggingface_hub.errors import HfHubHTTPError

    for cause in (err, err.__cause__):
        if isinstance(cause, HfHubHTTPError) and cause.response is not None:
            status, request = cause.response.status_code, cause.response.request
            if status in TRANSIENT_STATUSES and request is not None and request.method == "GET":
                return int(status)
    return None


class _Fatal(GenzooError):
    """A failure that an optional file must not hide either (no repo, no revision)."""


def _explain(err: Exception, ref: RepoRef, filename: str) -> GenzooError | None:
    """The one-line error for a failed download, or None for an exception that is a bug."""
    from huggingface_hub import constants
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    endpoint = constants.ENDPOINT
    if isinstance(err, LocalEntryNotFoundError) and isinstance(err.__cause__, HfHubHTTPError):
        err = err.__cause__  # the server answered, with an error; say which
    if isinstance(err, RepositoryNotFoundError):
        token = " (HF_TOKEN is set)" if os.environ.get("HF_TOKEN") else " (set HF_TOKEN if private)"
        return _Fatal(f"{endpoint} has no repo {ref.repo_id}{token}")
    if isinstance(err, RevisionNotFoundError):
        return _Fatal(f"{ref.repo_id} has no revision {ref.revision!r} on {endpoint}")
    if isinstance(err, EntryNotFoundError) and not isinstance(err, LocalEntryNotFoundError):
        return GenzooError(f"{ref.repo_id}@{ref.revision} on {endpoint} has no {filename}")
    if isinstance(err, HfHubHTTPError):
        status = err.response.status_code if err.response is not None else "an error"
        if status == 404:
            return GenzooError(f"{ref.repo_id}@{ref.revision} on {endpoint} has no {filename}")
        return GenzooError(
            f"{endpoint} answered {status} for {filename} of {ref.repo_id}; try again later"
        )
    if isinstance(err, (OfflineModeIsEnabled, LocalEntryNotFoundError)):
        # huggingface_hub also reports an unreachable server this way when nothing is cached
        reason = offline_reason() if offline() else f"{endpoint} cannot be reached"
        return NotCachedError(_not_cached(ref, filename, reason))
    if isinstance(err, OSError) or type(err).__module__.startswith(("httpx", "httpcore")):
        # a connection lost for good mid-download (huggingface_hub retried and resumed first)
        reason = f"the download from {endpoint} failed ({type(err).__name__}: {err})"
        return NotCachedError(_not_cached(ref, filename, reason))
    return None


def _not_cached(ref: RepoRef, filename: str, reason: str) -> str:
    return (
        f"{filename} of {ref.name} is not in the Hugging Face cache ({hub_cache()}) and {reason}. "
        f"Either download it: `genzoo pull {ref.name}` with network access (unset "
        "HF_HUB_OFFLINE; HF_ENDPOINT may point at a mirror), or bring it from another "
        f"machine: `genzoo cache export DIR` there, then `genzoo pull {ref.name} --from DIR` here"
    )


def evict(path: Path) -> None:
    """Remove a snapshot file and the blob it links to, so no corrupt bytes stay cached.

    Only a blob inside this repo's own `blobs/` is removed: a snapshot entry tampered to
    link elsewhere (a file outside the cache) loses its link, never the file it names.
    """
    blob = path.resolve()
    path.unlink(missing_ok=True)
    blobs = path.parent.parent.parent / "blobs"  # <repo>/snapshots/<commit>/<file>
    if blob != path and blob.parent == blobs.resolve():
        blob.unlink(missing_ok=True)
