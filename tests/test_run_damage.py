"""A run folder damaged by a crash, a diverged run: one line each, nothing corrupt published."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from genzoo.core import GenzooError
from genzoo.train.adversarial import AdversarialTrainer
from genzoo.train.loop import CHECKPOINT, TRAINING_DIR
from test_train import run_training


def test_a_torn_log_line_does_not_stop_a_resume(tmp_path: Path, idx_dir: Path):
    out = run_training(tmp_path / "run", idx_dir, 4)
    log = out / TRAINING_DIR / "log.jsonl"
    log.write_text(log.read_text() + '{"step": 5, "epo')  # the crash tore the last line
    run_training(out, idx_dir, 8, resume=True)
    assert (out / "generator.safetensors").is_file()
    steps = [json.loads(line)["step"] for line in log.read_text().splitlines()]
    assert steps == list(range(1, 9))  # the torn line dropped, every line whole


def test_a_damaged_checkpoint_is_named_not_resumed(tmp_path: Path, idx_dir: Path):
    out = run_training(tmp_path / "run", idx_dir, 4)
    checkpoint = out / TRAINING_DIR / CHECKPOINT
    data = bytearray(checkpoint.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit
    checkpoint.write_bytes(bytes(data))
    with pytest.raises(GenzooError, match="does not match its checksum"):
        run_training(out, idx_dir, 8, resume=True)
    checkpoint.write_bytes(bytes(data[:100]))  # truncated, checksum file gone too
    (out / TRAINING_DIR / "checkpoint.sha256").unlink()
    with pytest.raises(GenzooError, match="cannot be read"):
        run_training(out, idx_dir, 8, resume=True)


def test_a_damaged_run_record_is_named(tmp_path: Path, idx_dir: Path):
    from typer.testing import CliRunner

    from genzoo.cli import make_app
    from genzoo.plugins import installed

    out = run_training(tmp_path / "run", idx_dir, 4)
    (out / TRAINING_DIR / "run.json").write_text('{"recipe": "dcgan"}')
    (out / "config.json").unlink()  # as if still training: sample reads the checkpoint
    app = make_app(installed())
    for command in (["train", "--resume", str(out)], ["sample", str(out), "-n", "1"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 1, result.output
        assert "run.json is damaged: it names no recipe or settings" in result.stderr


def test_a_diverged_run_stops_without_publishing(
    tmp_path: Path, idx_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    step = AdversarialTrainer.step

    def diverging(self, images, labels, rng):
        losses = step(self, images, labels, rng)
        return {**losses, "g_loss": torch.tensor(float("nan"))}

    monkeypatch.setattr(AdversarialTrainer, "step", diverging)
    with pytest.raises(GenzooError, match="step 1: g_loss is not finite"):
        run_training(tmp_path / "run", idx_dir, 4)
    assert not (tmp_path / "run" / "generator.safetensors").exists()
    assert not (tmp_path / "run" / TRAINING_DIR / CHECKPOINT).exists()


def test_a_resumed_run_removes_the_temporaries_a_killed_write_left(tmp_path: Path, idx_dir: Path):
    out = run_training(tmp_path / "run", idx_dir, 4)
    leftover = out / TRAINING_DIR / ".checkpoint.pt.1234.abcd1234.tmp"
    leftover.write_bytes(b"half a checkpoint")
    run_training(out, idx_dir, 8, resume=True)
    assert not leftover.exists()


def test_cache_clean_removes_partial_downloads_no_process_is_writing(tmp_path: Path):
    """A killed pull's `.incomplete` file goes at once (its lock is free); one whose lock a
    download holds stays, however old."""
    import os
    import subprocess
    import sys
    import time

    from typer.testing import CliRunner

    from genzoo.cli import make_app
    from genzoo.plugins import installed
    from genzoo.zoo.cache import hub_cache

    blobs = hub_cache() / "models--me--gan" / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    left, busy = blobs / "aa.1234abcd.incomplete", blobs / "bb.incomplete"
    left.write_bytes(b"x" * 10)
    busy.write_bytes(b"y")
    hours_ago = time.time() - 7200
    os.utime(busy, (hours_ago, hours_ago))
    lock = hub_cache() / ".locks" / "models--me--gan" / "bb.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(  # another process downloading bb, as hf_hub_download would
        [sys.executable, "-c", f"import filelock, time; held = filelock.FileLock({str(lock)!r}); "
         "held.acquire(); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        app, runner = make_app(installed()), CliRunner()
        assert "1 stale partial download(s)" in runner.invoke(app, ["cache", "ls"]).stderr
        result = runner.invoke(app, ["cache", "clean"])
        assert result.exit_code == 0 and "removed 1 partial download(s)" in result.stdout
        assert not left.exists() and busy.exists()  # a download under way keeps its file
    finally:
        holder.kill()
        holder.communicate()
    result = CliRunner().invoke(make_app(installed()), ["cache", "clean"])
    assert "removed 1 partial download(s)" in result.stdout and not busy.exists()


def _train_cli(*args: str):
    from typer.testing import CliRunner

    from genzoo.cli import make_app
    from genzoo.plugins import installed

    command = ["train", "dcgan", "--dataset", "fashion-mnist", "--set", "base_channels=4", *args]
    return CliRunner().invoke(make_app(installed()), command)


def test_a_new_run_into_a_folder_holding_one_is_refused_and_loses_nothing(
    tmp_path: Path, idx_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    import genzoo.plugins.datasets as datasets
    from genzoo.core import BadInputError

    out = run_training(tmp_path / "run", idx_dir, 4)
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}

    def never(*_args, **_kwargs):
        raise AssertionError("the dataset loaded before the folder was checked")

    with monkeypatch.context() as patch:
        patch.setattr(datasets, "load_fashion_mnist", never)
        result = _train_cli("--out", str(out), "--device", "cpu")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {out} holds an earlier run: continue it with --resume {out}, or give this "
        "one another --out (or remove that folder)"
    )
    with pytest.raises(BadInputError, match="holds an earlier run"):
        run_training(out, idx_dir, 4)  # the library's train() too
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--device", "meta"], 2, "error: device 'meta' cannot run genzoo"),
        (["--device", "mps"], 1, "error: --device mps was asked for"),
        (["--device", "cuda:7"], 1, "error: --device cuda"),
    ],
)
def test_an_unusable_output_or_device_is_one_line_before_the_dataset_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], code: int, message: str
):
    import genzoo.plugins.datasets as datasets

    if args[1] == "mps" and torch.backends.mps.is_available():
        pytest.skip("this machine has MPS")
    if args[1].startswith("cuda") and torch.cuda.device_count() > 7:
        pytest.skip("this machine has 8 CUDA devices")

    def never(*_args, **_kwargs):
        raise AssertionError("the dataset loaded before the run's settings were checked")

    monkeypatch.setattr(datasets, "load_fashion_mnist", never)
    result = _train_cli("--out", str(tmp_path / "run"), *args)
    assert (result.exit_code, result.stderr.strip().splitlines()[0][: len(message)]) == (
        code,
        message,
    ), result.output
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    result = _train_cli("--out", str(not_a_folder / "run"), "--device", "cpu")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: cannot write the run to {not_a_folder / 'run'}: " + (
        "Not a directory"
    )


def test_a_full_disk_while_training_is_one_line(
    tmp_path: Path, idx_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    import errno

    import genzoo.train.loop as loop

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "run"))

    monkeypatch.setattr(loop.torch, "save", full)  # the first checkpoint write
    result = _train_cli("--data", str(idx_dir), "--out", str(tmp_path / "run"), "--max-steps", "2",
                        "--checkpoint-every", "1", "--batch-size", "8")  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: No space left on device: {tmp_path / 'run'}"
    )
    assert "Traceback" not in result.stderr
    assert not list((tmp_path / "run" / TRAINING_DIR).glob(".*.tmp"))  # no half checkpoint


def test_progress_in_a_pipe_is_whole_lines(tmp_path: Path, idx_dir: Path):
    result = _train_cli("--data", str(idx_dir), "--out", str(tmp_path / "run"), "--max-steps", "3",
                        "--batch-size", "8")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("step 1/3 (33%) d_loss ") and lines[0].endswith(" left")
    assert lines[-1].startswith("step 3/3 (100%) d_loss ") and "img/s, 0:00 left" in lines[-1]


def test_a_resumed_run_drops_what_the_earlier_weights_made(tmp_path: Path, idx_dir: Path):
    out = run_training(tmp_path / "run", idx_dir, 4)
    stale = [out / "reconstructions.png", out / TRAINING_DIR / "metrics.json"]
    for path in stale:
        path.write_text("from the weights of step 4")
    run_training(out, idx_dir, 8, resume=True)
    assert not any(path.exists() for path in stale)


def test_a_recipe_can_fix_max_steps(tmp_path: Path, idx_dir: Path, plugin_dists):
    from typer.testing import CliRunner

    from genzoo.cli import make_app
    from genzoo.plugins import load_plugins

    plugin_dists.add("genzoo-short", {"short_recipe": """
        from genzoo import PretrainedModel, hookimpl
        @hookimpl
        def register_models(register):
            register(PretrainedModel(
                name="tiny-gan-fashion-mnist", architecture="dcgan", repo_id="me/tiny-gan",
                dataset="fashion-mnist", config={"latent_dim": 8, "base_channels": 4},
                recipe={"max_steps": 3, "batch_size": 8, "seed": 1}))
    """})  # fmt: skip
    app = make_app(load_plugins(allow="short_recipe"))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "tiny-gan-fashion-mnist", "--data", str(idx_dir),
                                      "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    log = (out / TRAINING_DIR / "log.jsonl").read_text().splitlines()
    steps = [json.loads(line)["step"] for line in log]
    assert steps[-1] == 3
    assert "schedule: 3 steps of batch 8" in (out / "README.md").read_text()


@pytest.mark.parametrize("crash_at", [1, 2])
def test_a_kill_between_checkpoint_and_checksum_leaves_a_resumable_run(
    tmp_path: Path, idx_dir: Path, monkeypatch: pytest.MonkeyPatch, crash_at: int
):
    """The checkpoint and its checksum change in three atomic writes; a kill after any one
    of them (here: an exception at the checksum's first or second write of step 8) still
    resumes, and to the same weights as a run that was never stopped."""
    from genzoo.train import run_folder

    straight = run_training(tmp_path / "straight", idx_dir, 12)
    out = run_training(tmp_path / "run", idx_dir, 4)
    write, calls = run_folder._write_digests, []

    def killed(recorded: Path, digests: list[str]) -> None:
        calls.append(digests)
        if len(calls) == crash_at:
            raise KeyboardInterrupt  # as a kill, it skips every handler that catches Exception
        write(recorded, digests)

    monkeypatch.setattr(run_folder, "_write_digests", killed)
    with pytest.raises(KeyboardInterrupt):
        run_training(out, idx_dir, 8, resume=True)
    monkeypatch.setattr(run_folder, "_write_digests", write)
    run_training(out, idx_dir, 12, resume=True)
    for name in ("generator.safetensors", "discriminator.safetensors"):
        assert (out / name).read_bytes() == (straight / name).read_bytes()


def test_a_full_disk_during_a_checkpoint_is_one_line_and_keeps_the_last_one(
    tmp_path: Path, idx_dir: Path
):
    """On a real, small file system (tmpfs): torch's writer fails with a RuntimeError."""
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        out = run_training(disk / "run", idx_dir, 4)
        checkpoint = out / TRAINING_DIR / CHECKPOINT
        before = checkpoint.read_bytes()
        free = os.statvfs(disk)
        filler = disk / "filler"
        room = free.f_bavail * free.f_frsize - len(before) // 2  # half a checkpoint fits
        filler.write_bytes(b"\0" * max(room, 0))
        with pytest.raises(GenzooError, match="the previous checkpoint is kept") as caught:
            run_training(out, idx_dir, 8, resume=True)
        assert "\n" not in str(caught.value)
        assert checkpoint.read_bytes() == before
        filler.unlink()
        run_training(out, idx_dir, 8, resume=True)  # room again: it goes on from step 4
        assert (out / "generator.safetensors").is_file()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_second_writer_on_a_run_folder_is_refused_in_one_line(tmp_path: Path, idx_dir: Path):
    import subprocess
    import sys
    import time

    out = run_training(tmp_path / "run", idx_dir, 4)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    resume = [sys.executable, "-m", "genzoo", "train", "--resume", str(out)]
    first = subprocess.Popen(
        [*resume, "--max-steps", "100000", "--epochs", "100000"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        log = out / TRAINING_DIR / "log.jsonl"
        steps = len(log.read_text().splitlines())
        deadline = time.monotonic() + 120
        while len(log.read_text().splitlines()) <= steps and time.monotonic() < deadline:
            time.sleep(0.2)  # until the first one trains
        second = subprocess.run(
            [*resume, "--max-steps", "8"], env=env, capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 1, second.stderr
        assert "another genzoo train is writing to" in second.stderr
        assert "Traceback" not in second.stderr and first.poll() is None
    finally:
        first.kill()
        first.wait()
