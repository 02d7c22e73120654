"""examples/genzoo-lsgan, a real external plugin installed with pip (the README's install
command does it), driven through the CLI: list, info, train, push to a test Hub, pull
back from a mirror, sample; and its own tests, which use genzoo's conformance kit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from hub_servers import Mirror, UploadServer, stop

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "genzoo-lsgan"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    try:
        metadata.distribution("genzoo-lsgan")
    except metadata.PackageNotFoundError:
        pytest.fail("examples/genzoo-lsgan is not installed: pip install -e examples/genzoo-lsgan")
    yield {
        **os.environ,
        "GENZOO_LOAD_PLUGINS": "genzoo-lsgan",
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    }


def genzoo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "genzoo", *args], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, f"genzoo {' '.join(args)}: {result.stderr[-2000:]}"
    return result


def test_the_example_plugin_lists_trains_publishes_and_samples(
    env: dict[str, str], idx_dir: Path, tmp_path: Path
):
    plugins = json.loads(genzoo(env, "plugins", "--json").stdout)
    lsgan = next(p for p in plugins if p["name"] == "lsgan")
    assert (lsgan["distribution"], lsgan["api"], lsgan["errors"]) == ("genzoo-lsgan", 1, [])
    listed = json.loads(genzoo(env, "list", "--architectures", "--json").stdout)
    row = next(row for row in listed if row["name"] == "lsgan")
    assert (row["plugin"], row["distribution"]) == ("lsgan", "genzoo-lsgan")
    assert "lsgan (genzoo-lsgan)" in genzoo(env, "list", "-a").stdout
    assert "LeastSquaresTrainer" in genzoo(env, "info", "lsgan").stdout

    run = tmp_path / "run"
    genzoo(env, "train", "lsgan", "--dataset", "fashion-mnist", "--data", str(idx_dir),
           "--out", str(run), "--max-steps", "3", "--batch-size", "32", "--device", "cpu",
           "--set", "channels=8", "--set", "latent_dim=8")  # fmt: skip
    # The repo says which package provides its architecture, and its card says to install it.
    config = json.loads((run / "config.json").read_text())
    version = metadata.version("genzoo-lsgan")
    assert config["provided_by"] == {"distribution": "genzoo-lsgan", "version": version}
    card = (run / "README.md").read_text()
    assert "pip install genzoo genzoo-lsgan" in card
    assert "pipeline_tag: unconditional-image-generation" in card
    assert "- zalando-datasets/fashion_mnist" in card and str(tmp_path) not in card
    without = subprocess.run(
        [sys.executable, "-m", "genzoo", "sample", str(run), "-o", str(tmp_path / "x.png")],
        env={**env, "GENZOO_LOAD_PLUGINS": ""}, capture_output=True, text=True,
    )  # fmt: skip
    assert without.returncode == 1
    assert without.stderr.strip() == (
        f"error: run needs the architecture 'lsgan', provided by the package genzoo-lsgan "
        f"{version}: pip install genzoo-lsgan"
    )
    offline = subprocess.run(
        [sys.executable, "-m", "genzoo", "push", str(run), "--repo", "me/lsgan-blobs"],
        env={**env, "HF_TOKEN": "hf_fixture", "HF_HUB_OFFLINE": "1"}, capture_output=True,
        text=True,
    )  # fmt: skip
    assert offline.returncode == 1 and "HF_HUB_OFFLINE is set" in offline.stderr
    assert len(offline.stderr.strip().splitlines()) == 1  # one line, no traceback
    push_pull_sample(env, run, "me/lsgan-blobs", tmp_path)


def push_pull_sample(env: dict[str, str], run: Path, repo: str, tmp_path: Path) -> dict[str, bytes]:
    """Push `run` to the upload fixture as `repo`, serve what arrived from olah, pull it
    and sample from it offline, as a plugin's user would; returns the files sent."""
    upload = UploadServer()
    try:
        pushing = {**env, "HF_ENDPOINT": upload.endpoint, "HF_TOKEN": "hf_fixture"}
        genzoo({**pushing, "HF_HUB_OFFLINE": "0"}, "push", str(run), "--repo", repo)
        sent = upload.files[repo]
    finally:
        stop(upload.server)
    received = tmp_path / "received"
    received.mkdir()
    for name, data in sent.items():
        (received / name).write_bytes(data)
    mirror = Mirror(tmp_path / "olah")
    try:
        mirror.publish(received, repo)
        pulling = {**env, "HF_ENDPOINT": mirror.endpoint, "HF_HUB_OFFLINE": "0"}
        genzoo(pulling, "pull", f"hf-hub:{repo}")
        grid = tmp_path / "grid.png"
        genzoo({**pulling, "HF_HUB_OFFLINE": "1"}, "sample", f"hf-hub:{repo}", "-n", "4",
               "-o", str(grid))  # fmt: skip
        assert grid.stat().st_size > 0
    finally:
        mirror.close()
    return sent


def test_the_example_plugins_own_tests_pass(env: dict[str, str]):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
        env=env, capture_output=True, text=True, cwd=EXAMPLE, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]


REALNVP = Path(__file__).resolve().parents[1] / "examples" / "genzoo-realnvp"


def test_a_plugin_of_a_new_family_written_from_the_docs_goes_through_the_whole_zoo(
    env: dict[str, str], idx_dir: Path, tmp_path: Path
):
    """examples/genzoo-realnvp, a normalizing flow with its own trainer: list, train,
    evaluate, push, pull, sample, as its author would, and its own tests."""
    try:
        version = metadata.version("genzoo-realnvp")
    except metadata.PackageNotFoundError:
        pytest.fail(
            "examples/genzoo-realnvp is not installed: pip install -e examples/genzoo-realnvp"
        )
    env = {**env, "GENZOO_LOAD_PLUGINS": "genzoo-realnvp"}
    listed = json.loads(genzoo(env, "list", "--architectures", "--family", "normalizing-flow",
                               "--json").stdout)  # fmt: skip
    assert [(row["name"], row["distribution"]) for row in listed] == [("realnvp", "genzoo-realnvp")]
    evaluator = tmp_path / "lenet"
    genzoo(env, "train", "lenet5", "--dataset", "fashion-mnist", "--data", str(idx_dir),
           "--out", str(evaluator), "--epochs", "2", "--batch-size", "32", "--device", "cpu",
           "--set", "width=8", "--set", "feature_dim=16", "--set", "flip=false")  # fmt: skip
    run = tmp_path / "run"
    genzoo(env, "train", "realnvp", "--dataset", "fashion-mnist", "--data", str(idx_dir),
           "--out", str(run), "--max-steps", "6", "--batch-size", "32", "--device", "cpu",
           "--set", "hidden_dim=16", "--set", "couplings=2")  # fmt: skip
    log = [json.loads(line) for line in (run / "training" / "log.jsonl").read_text().splitlines()]
    assert {"nll", "bits_per_dim"} <= set(log[-1])
    config = json.loads((run / "config.json").read_text())
    assert config["provided_by"] == {"distribution": "genzoo-realnvp", "version": version}
    metrics = json.loads(genzoo(env, "evaluate", str(run), "--data", str(idx_dir), "--samples",
                                "200", "--evaluator", str(evaluator), "--json").stdout)  # fmt: skip
    assert {m["name"] for m in metrics} >= {"frechet_distance", "kernel_distance", "precision"}
    assert "frechet_distance" in (run / "README.md").read_text()
    sent = push_pull_sample(env, run, "me/realnvp", tmp_path)
    assert b"pip install genzoo genzoo-realnvp" in sent["README.md"]
    own = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(REALNVP / "tests")],
        env=env, capture_output=True, text=True, cwd=REALNVP, timeout=600,
    )  # fmt: skip
    assert own.returncode == 0, own.stdout[-3000:]
