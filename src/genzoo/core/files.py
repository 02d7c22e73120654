"""Reading and writing files in folders genzoo does not own: bounded, never through a link.

A run folder, a repo folder, the data folder and the cache are the user's (or anyone's)
folders: a name in them may be a symbolic link planted to carry a write elsewhere
(`README.md -> ../notes.txt`, `evaluations.jsonl -> /etc/passwd`), or a FIFO or a
device that would block or never end a read. So every read here is of a regular file
and bounded before it starts, and every write either replaces a regular file whole
(`atomic_path`: a temporary sibling renamed over it) or appends to one opened without
following links; a link or a special file in the way is refused in one line.
Standard library only: every layer may use it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

from genzoo.core.errors import GenzooError

__all__ = [
    "append_line",
    "atomic_path",
    "read_bounded",
    "read_text_bounded",
    "regular_file",
    "replaceable",
    "write_text",
]


def regular_file(path: Path) -> os.stat_result:
    """`path`'s status if it is a regular file (after links); a FIFO, a device such as
    /dev/zero or a folder would block or never end a read, so each is refused in one line."""
    try:
        status = path.stat()
    except OSError as err:
        raise GenzooError(f"{path} is missing or unreadable ({err.strerror or err})") from None
    if not stat.S_ISREG(status.st_mode):
        raise GenzooError(f"{path} is not a regular file; genzoo reads only regular files")
    return status


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, checked before reading."""
    size = regular_file(path).st_size
    if size > limit:
        raise GenzooError(f"{path} is {size:,} bytes; a genzoo {path.name} is at most {limit:,}")
    with path.open("rb") as stream:  # a file grown since the stat is cut at the limit
        return stream.read(min(size, limit) + 1)[:limit]


def read_text_bounded(path: Path, limit: int) -> str:
    """`read_bounded` decoded as UTF-8 (undecodable bytes replaced: a record, not code)."""
    return read_bounded(path, limit).decode("utf-8", "replace")


def replaceable(path: Path, *, link_ok: bool = False) -> None:
    """Refuse to write `path` when something other than a regular file holds its name: a
    link (the write would land on its target, or replace the user's link), a folder, a FIFO
    or a device. `link_ok`: a link may be replaced (the cache's snapshot entries, which
    are links by design)."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        return
    except OSError as err:
        raise GenzooError(f"cannot write {path}: {err.strerror or err}") from None
    if stat.S_ISLNK(status.st_mode) and link_ok:
        return
    if stat.S_ISLNK(status.st_mode):
        raise GenzooError(
            f"{path} is a symbolic link; genzoo does not write through links (remove it, or "
            "replace it with the file itself)"
        )
    if not stat.S_ISREG(status.st_mode):
        raise GenzooError(f"{path} is not a regular file; genzoo writes only regular files")


@contextlib.contextmanager
def atomic_path(path: Path, *, link_ok: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling to write; it replaces `path` only once fully written.

    The name is unique per writer, so concurrent writers never share a half-written file;
    a link or a special file at `path` is refused before anything is written.
    """
    replaceable(path, link_ok=link_ok)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        replaceable(path, link_ok=link_ok)  # planted while the file was being written
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    """`path` holds `text`, written whole or not at all, never through a link."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def append_line(path: Path, line: str, limit: int) -> None:
    """Append `line` (a newline is added) to the log at `path`, creating it; the log must
    be a regular file (opened without following a link, and without blocking on a FIFO)
    of fewer than `limit` bytes: a record, not a sink for anything written at it."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise GenzooError(
                f"{path} is a symbolic link; genzoo does not write through links"
            ) from None
        raise GenzooError(f"cannot write {path}: {err.strerror or err}") from None
    with os.fdopen(fd, "a", encoding="utf-8") as stream:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise GenzooError(f"{path} is not a regular file; genzoo writes only regular files")
        if status.st_size >= limit:
            raise GenzooError(
                f"{path} is {status.st_size:,} bytes, past the {limit:,} a genzoo log holds: "
                "move it aside to keep recording"
            )
        stream.write(line.rstrip("\n") + "\n")
