"""Datasets read from IDX files the tests write, and short training runs end to end."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import genzoo
from genzoo.cli import make_app
from genzoo.core import GenzooError
from genzoo.data.idx import IdxError, read_idx, write_idx
from genzoo.plugins import installed
from genzoo.plugins.datasets import load_fashion_mnist
from genzoo.train.loop import RunSettings, train
from genzoo.train.provenance import hardware_by_part as _hardware_by_part
from genzoo.train.recipe import fit_to_data, make_recipe
from genzoo.zoo.repo import check_repo

TINY = ["--set", "latent_dim=8", "--set", "base_channels=4"]
TINY_CONFIG: dict[str, dict[str, float]] = {  # every trainer's family, small enough for CI
    "dcgan": {"latent_dim": 8, "base_channels": 4},
    "wgan-gp": {"latent_dim": 8, "base_channels": 4},
    "vae": {"latent_dim": 4, "base_channels": 4, "hidden_dim": 16, "lr": 1e-2},
    "draw": {"steps": 3, "z_dim": 2, "hidden_dim": 16, "lr": 1e-2},
    "lenet5": {"width": 4, "feature_dim": 8},  # its cosine schedule resumes exactly too
    "flow": {"base_channels": 8, "channel_mults": [1, 2], "steps": 2},  # and its EMA
    "pixelrnn": {"state_dim": 4, "hidden_dim": 8},  # and its EMA
    # two halvings, 4 -> 2 -> 1 steps: a resume at step 4 lands on the switch between them
    "flow-distilled": {"base_channels": 8, "channel_mults": [1, 2], "steps": 1, "teacher_steps": 4},
}


def test_idx_round_trip_plain_and_gzipped(tmp_path: Path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    for name in ("a-idx3-ubyte", "a-idx3-ubyte.gz"):
        write_idx(array, tmp_path / name)
        np.testing.assert_array_equal(read_idx(tmp_path / name), array)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: b"\x00\x00\x99\x03" + data[4:], "wrong magic number"),
        (lambda data: data[:-5], "truncated"),
        (lambda data: data[:9], "truncated"),
        (lambda data: b"", "wrong magic number"),
    ],
)
def test_corrupt_idx_files_are_named(tmp_path: Path, damage, message):
    path = tmp_path / "x-idx3-ubyte"
    write_idx(np.zeros((2, 3, 3), dtype=np.uint8), path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(IdxError, match=message):
        read_idx(path)


def test_a_cut_gzip_file_is_a_clean_error(tmp_path: Path):
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x05abcde")[:-6])
    with pytest.raises(IdxError, match="cannot read"):
        read_idx(path)


def test_fashion_mnist_reads_from_data_dir_and_env(idx_dir: Path, monkeypatch):
    data = load_fashion_mnist(idx_dir, "test")
    assert data.images.shape == (64, 1, 12, 12) and data.images.dtype == torch.uint8
    assert data.labels.dtype == torch.long and data.class_names[7] == "sneaker"
    monkeypatch.setenv("GENZOO_DATA", str(idx_dir))
    assert load_fashion_mnist(None, "train").source == idx_dir


def test_a_missing_dataset_says_where_it_looked_and_how_to_get_it(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("GENZOO_DATA", raising=False)
    monkeypatch.setattr("genzoo.plugins.datasets.FASHION_MNIST_SYSTEM", (tmp_path / "none",))
    with pytest.raises(GenzooError, match=r"looked for its four IDX files in .*apt-get install"):
        load_fashion_mnist(tmp_path / "empty", "train")


def test_datasets_command_lists_where_each_was_found(idx_dir: Path):
    result = CliRunner().invoke(
        make_app(installed()), ["datasets", "--data", str(idx_dir), "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["fashion-mnist"]["found"] == str(idx_dir)
    assert set(rows) >= {"fashion-mnist", "mnist", "image-folder"}


def run_training(
    out: Path,
    idx_dir: Path,
    max_steps: int,
    conditional: bool = False,
    architecture: str = "dcgan",
    resume: bool = False,
) -> Path:
    registry = installed().registry
    overrides = {**TINY_CONFIG[architecture], **({"num_classes": 4} if conditional else {})}
    recipe = make_recipe(architecture, registry, "fashion-mnist", overrides)
    data = load_fashion_mnist(idx_dir, "train")
    # the tiny files carry 4 of Fashion-MNIST's 10 class names; a classifier takes them all
    classes = data.class_names[:4] if conditional else data.class_names
    recipe = fit_to_data(recipe, data.image_shape, classes)
    settings = RunSettings(
        out, epochs=1, batch_size=32, seed=0, device="cpu", max_steps=max_steps,
        checkpoint_every=4, sample_every=4, log_every=1, data_dir=idx_dir, progress=False,
    )  # fmt: skip
    return train(recipe, data, settings, resume=resume)


def test_a_short_run_moves_the_losses_and_writes_a_loadable_repo(tmp_path: Path, idx_dir: Path):
    out = run_training(tmp_path / "run", idx_dir, max_steps=8, conditional=True)
    log = [json.loads(line) for line in (out / "training" / "log.jsonl").read_text().splitlines()]
    assert [row["step"] for row in log] == list(range(1, 9))
    assert log[0]["d_loss"] != log[-1]["d_loss"] and log[0]["g_loss"] != log[-1]["g_loss"]
    assert check_repo(out) == []  # ready for genzoo push
    model = genzoo.load(str(out), device="cpu")
    assert model.generator.class_names == ("t-shirt/top", "trouser", "pullover", "dress")
    assert model.generator.sample(4, labels=1, seed=0).shape == (4, 1, 12, 12)
    card = (out / "README.md").read_text()
    assert "- seed: 0" in card and "fashion-mnist, train split, 256 images" in card
    licences = "- licence: mit (these weights); genzoo's code: MIT; the data, fashion-mnist: mit"
    assert licences in card


@pytest.mark.parametrize("architecture", list(TINY_CONFIG))
def test_resume_continues_exactly(tmp_path: Path, idx_dir: Path, architecture: str):
    straight = run_training(tmp_path / "straight", idx_dir, 12, architecture=architecture)
    stopped = tmp_path / "stopped"
    run_training(stopped, idx_dir, 4, architecture=architecture)  # as if stopped after step 4
    run_training(stopped, idx_dir, 12, architecture=architecture, resume=True)
    weights = sorted(path.name for path in straight.glob("*.safetensors"))
    assert weights  # every component, compared byte for byte
    for name in weights:
        assert (stopped / name).read_bytes() == (straight / name).read_bytes()


def test_a_run_resumed_on_another_machine_names_each_machine_in_its_card(
    tmp_path: Path, idx_dir: Path
):
    out = run_training(tmp_path / "run", idx_dir, 4)
    run_file = out / "training" / "run.json"
    run = json.loads(run_file.read_text())
    here = run["hardware"]
    assert here.startswith("cpu: ") and "threads" in here
    run_file.write_text(json.dumps({**run, "hardware": "cpu: Elsewhere, torch 0, 1 threads"}))
    run_training(out, idx_dir, 8, resume=True)
    card = (out / "README.md").read_text()
    moved = f"- hardware: cpu: Elsewhere, torch 0, 1 threads (steps 0-4), then {here} (4-8)\n"
    assert moved in card
    # a run begun before run.json recorded where it ran is told by where it finished
    legacy = {"resumed": [{"step": 4, "command": "genzoo train --resume run"}]}
    assert _hardware_by_part(legacy, here, 8) == here
    same = {"hardware": here, "resumed": [{"step": 4, "hardware": here}]}
    assert _hardware_by_part(same, here, 8) == here


@pytest.mark.parametrize("conditional", [False, True])
def test_wgan_gp_trains_with_a_layer_normalised_critic(tmp_path, idx_dir, conditional):
    out = run_training(tmp_path / "wgan", idx_dir, 10, conditional, architecture="wgan-gp")
    log = [json.loads(line) for line in (out / "training" / "log.jsonl").read_text().splitlines()]
    assert {"wasserstein", "gp", "g_loss"} <= set(log[-1])
    assert log[0]["g_loss"] == 0 and log[-1]["g_loss"] != 0  # generator steps every 5th step
    model = genzoo.load(str(out), device="cpu")
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.discriminator.modules())
    assert check_repo(out) == []


def test_train_cli_trains_then_resumes(tmp_path: Path, idx_dir: Path):
    app, runner = make_app(installed()), CliRunner()
    out = tmp_path / "cli-run"
    args = [
        "train",
        "dcgan",
        "--dataset",
        "fashion-mnist",
        "--data",
        str(idx_dir),
        "--out",
        str(out),
    ]
    result = runner.invoke(
        app, [*args, *TINY, "--max-steps", "3", "--batch-size", "64", "--device", "cpu"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "generator.safetensors").is_file()
    run = json.loads((out / "training" / "run.json").read_text())
    assert run["recipe"]["config"]["latent_dim"] == 8 and run["settings"]["max_steps"] == 3
    assert runner.invoke(app, ["train", "--resume", str(out)]).exit_code == 0  # nothing left
    log = (out / "training" / "log.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["step"] == 3
    extended = runner.invoke(app, ["train", "--resume", str(out), "--max-steps", "5"])
    assert extended.exit_code == 0, extended.output
    log = (out / "training" / "log.jsonl").read_text().splitlines()
    # logged: the first, the last of the first part, the last: continued, not restarted
    assert [json.loads(line)["step"] for line in log] == [1, 3, 5]
    card = (out / "README.md").read_text()
    assert "; then `" in card and "(from step 3)" in card  # the card tells both commands
    bad = runner.invoke(app, ["train", "dcgan", "--dataset", "fashion-mnist", "--set", "lr"])
    assert bad.exit_code == 2 and "use key=value" in bad.output
    unknown = runner.invoke(app, ["train", "dcgan", "--dataset", "fashion-mnist", "--set", "x=1"])
    assert unknown.exit_code == 2 and "not a config key" in unknown.output


def test_data_parallel_training_with_two_gloo_processes(tmp_path: Path, idx_dir: Path):
    torchrun = Path(sys.executable).with_name("torchrun")
    out = tmp_path / "ddp"
    command = [
        str(torchrun), "--nproc-per-node", "2", "-m", "genzoo", "train", "dcgan",
        "--dataset", "fashion-mnist", "--data", str(idx_dir), "--out", str(out), *TINY,
        "--max-steps", "4", "--batch-size", "32", "--device", "cpu",
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("wrote ") == 1  # rank 0 alone writes and reports
    assert check_repo(out) == []
    assert genzoo.load(str(out), device="cpu").generator.sample(2, seed=0).shape == (2, 1, 12, 12)


def test_the_conditional_recipe_trains_and_samples_by_class_name(tmp_path: Path, idx_dir: Path):
    app, runner = make_app(installed()), CliRunner()
    out = tmp_path / "cdcgan"
    args = ["train", "cdcgan-fashion-mnist", "--data", str(idx_dir), "--out", str(out), *TINY]
    result = runner.invoke(
        app, [*args, "--max-steps", "2", "--batch-size", "32", "--device", "cpu"]
    )
    assert result.exit_code == 0, result.output
    grid = tmp_path / "sneakers.png"
    result = runner.invoke(
        app, ["sample", str(out), "--label", "Sneaker", "-n", "4", "-o", str(grid)]
    )
    assert result.exit_code == 0, result.output
    assert genzoo.load(str(out), device="cpu").generator.class_names[7] == "sneaker"


def test_two_time_scales_give_the_discriminator_its_own_rate():
    from genzoo.train.adversarial import AdversarialTrainer

    model = genzoo.build("dcgan", **TINY_CONFIG["dcgan"])
    same = AdversarialTrainer(model, {"lr": 1e-4})
    ttur = AdversarialTrainer(model, {"lr": 1e-4, "d_lr": 4e-4})
    assert same.d_optimizer.param_groups[0]["lr"] == 1e-4
    assert ttur.g_optimizer.param_groups[0]["lr"] == 1e-4
    assert ttur.d_optimizer.param_groups[0]["lr"] == 4e-4


def test_the_classifier_rate_follows_a_cosine_over_the_planned_run():
    from genzoo.train.supervised import SupervisedTrainer

    model = genzoo.build("lenet5", width=4, feature_dim=8)
    cosine, constant = (
        SupervisedTrainer(model, {}),
        SupervisedTrainer(model, {"schedule": "constant"}),
    )
    assert cosine.learning_rate() == 1e-3  # not planned yet: the rate as given
    for trainer in cosine, constant:
        trainer.plan(4)
    images, labels = torch.zeros(2, 1, 28, 28), torch.tensor([0, 1])
    rates = []
    for _ in range(4):
        rates.append(cosine.learning_rate())
        cosine.step(images, labels, torch.Generator().manual_seed(0))
        constant.step(images, labels, torch.Generator().manual_seed(0))
    assert rates == pytest.approx([1e-3, 1e-3 * (2 + 2**0.5) / 4, 5e-4, 1e-3 * (2 - 2**0.5) / 4])
    assert cosine.optimizer.param_groups[0]["lr"] == pytest.approx(rates[-1])
    assert constant.optimizer.param_groups[0]["lr"] == 1e-3
    with pytest.raises(GenzooError, match="schedule must be one of cosine, constant"):
        SupervisedTrainer(model, {"schedule": "linear"})


def test_a_card_shows_commands_without_this_machines_paths(monkeypatch, tmp_path: Path):
    from genzoo.zoo.card import portable

    monkeypatch.chdir(tmp_path)
    command = f"genzoo train x --data /srv/me/idx --out={tmp_path}/runs/a --set 'note=a b'"
    assert portable(command) == "genzoo train x --data .../idx --out=runs/a --set 'note=a b'"
    assert portable("genzoo train 'unbalanced") == "genzoo train 'unbalanced"


def test_two_nodes_on_one_machine_train_are_killed_and_resume(tmp_path: Path, idx_dir: Path):
    """Two torchrun "nodes" (c10d rendezvous on 127.0.0.1, gloo, one process each) train
    data-parallel; both are stopped after a checkpoint and the run resumes on two nodes.
    run.json and the card record the launcher, the world size and the node count."""
    import signal
    import socket
    import time

    torchrun = Path(sys.executable).with_name("torchrun")
    out = tmp_path / "two-nodes"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}

    def nodes(*args: str) -> list[subprocess.Popen[str]]:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        launch = [
            str(torchrun), "--nnodes", "2", "--nproc-per-node", "1", "--rdzv-backend", "c10d",
            "--rdzv-endpoint", f"127.0.0.1:{port}", "--rdzv-id", f"genzoo-{port}",
            "-m", "genzoo", "train", *args,
        ]  # fmt: skip
        return [
            subprocess.Popen(
                launch,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            for _ in range(2)
        ]

    first = nodes(
        "dcgan", "--dataset", "fashion-mnist", "--data", str(idx_dir), "--out", str(out), *TINY,
        "--epochs", "1000", "--batch-size", "32", "--device", "cpu", "--checkpoint-every", "2",
    )  # fmt: skip
    checkpoint = out / "training" / "checkpoint.pt"
    deadline = time.monotonic() + 240
    while not checkpoint.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1.0)
    for node in first:  # as a cluster stops a job: the launcher's whole process group
        os.killpg(node.pid, signal.SIGKILL)
        node.communicate()
    assert checkpoint.exists(), "no checkpoint before the kill"
    stopped = json.loads((out / "training" / "log.jsonl").read_text().splitlines()[-1])["step"]
    second = nodes("--resume", str(out), "--max-steps", str(stopped + 4))
    results = [node.communicate(timeout=300) for node in second]
    assert all(node.returncode == 0 for node in second), results[0][1][-3000:]
    assert sum(stdout.count("wrote ") for stdout, _ in results) == 1  # rank 0 alone reports
    run = json.loads((out / "training" / "run.json").read_text())
    assert run["launch"] == {
        "launcher": "torchrun", "world_size": 2, "nodes": 2, "processes_per_node": 1
    }  # fmt: skip
    card = (out / "README.md").read_text()
    assert "torchrun --nnodes 2 --nproc-per-node 1 -m genzoo train dcgan" in card
    assert "2 processes on 2 node(s) (torchrun, data-parallel)" in card
    assert check_repo(out) == []


def test_init_from_starts_a_run_from_published_weights(tmp_path: Path, idx_dir: Path):
    app, runner = make_app(installed()), CliRunner()
    common = ["train", "dcgan", "--dataset", "fashion-mnist", "--data", str(idx_dir), *TINY]
    first, second = tmp_path / "first", tmp_path / "second"
    short = ["--max-steps", "3", "--batch-size", "64", "--device", "cpu"]
    assert runner.invoke(app, [*common, "--out", str(first), *short]).exit_code == 0
    # at rate 0 the weights stay where they started: those of the first run
    frozen = ["--set", "lr=0.0", "--max-steps", "1", "--batch-size", "64", "--device", "cpu"]
    args = [*common, "--out", str(second), "--init-from", str(first), *frozen]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    before, after = genzoo.load(str(first), device="cpu"), genzoo.load(str(second), device="cpu")
    for role in ("generator", "discriminator"):
        for (key, theirs), mine in zip(
            before[role].named_parameters(), after[role].parameters(), strict=True
        ):
            assert torch.equal(theirs, mine), (role, key)
    run = json.loads((second / "training" / "run.json").read_text())
    assert run["initialised_from"]["sha256"] == before.sha256
    card = (second / "README.md").read_text()
    started = f"first` (discriminator sha256 {before.sha256['discriminator']}, generator sha256"
    assert "- initialised from: `" in card and started in card
    # another config's weights, and --init-from with --resume, are refused in one line
    wider = [*common, "--out", str(tmp_path / "third"), "--init-from", str(first)]
    refused = runner.invoke(app, [*wider, "--set", "latent_dim=16", *short])
    assert refused.exit_code == 2 and "differs from this run's in layers" in refused.output
    both = runner.invoke(app, ["train", "--resume", str(first), "--init-from", str(first)])
    assert both.exit_code == 2 and "give one" in both.output
