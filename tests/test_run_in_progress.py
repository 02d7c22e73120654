"""`genzoo evaluate` and `genzoo sample` of a run still training: its last checkpoint,
with the weights it would publish now (the average, where its trainer keeps one)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

import genzoo
from genzoo.cli import make_app
from genzoo.data.images import to_float
from genzoo.plugins import installed
from genzoo.plugins.datasets import load_fashion_mnist
from genzoo.train.autoregressive import LikelihoodTrainer
from genzoo.train.loop import CHECKPOINT, TRAINING_DIR, in_progress
from genzoo.zoo.card import _progress_rows
from test_train import TINY_CONFIG, run_training


def train_until_interrupted(out: Path, idx_dir: Path, steps: int, resume: bool = False) -> Path:
    """Train PixelRNN toward 8 steps (an epoch of the tiny data; a checkpoint every 4) and
    stop it as Ctrl-C would, before its `steps`-th step of this part."""
    step, calls = LikelihoodTrainer.step, []

    def interrupted(self, images, labels, rng):
        calls.append(1)
        if len(calls) == steps:
            raise KeyboardInterrupt
        return step(self, images, labels, rng)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LikelihoodTrainer, "step", interrupted)
        with pytest.raises(KeyboardInterrupt):
            run_training(out, idx_dir, max_steps=8, architecture="pixelrnn", resume=resume)
    return out


@pytest.fixture
def stopped_run(tmp_path: Path, idx_dir: Path) -> Path:
    """A PixelRNN run stopped at step 6, its checkpoint at step 4."""
    return train_until_interrupted(tmp_path / "run", idx_dir, 6)


@pytest.fixture
def judge(tmp_path: Path, idx_dir: Path) -> Path:
    args = ["train", "lenet5", "--dataset", "fashion-mnist", "--data", str(idx_dir), "--out"]
    args += [str(tmp_path / "judge"), "--max-steps", "2", "--batch-size", "32", "--device", "cpu"]
    args += ["--set", "width=4", "--set", "feature_dim=8"]
    result = CliRunner().invoke(make_app(installed()), args)
    assert result.exit_code == 0, result.output
    return tmp_path / "judge"


def _average_of_checkpoint(run: Path) -> torch.nn.Module:
    """The run's weight average as its checkpoint holds it, read without genzoo's reader."""
    state = torch.load(run / TRAINING_DIR / CHECKPOINT, weights_only=True)
    generator = genzoo.build("pixelrnn", **TINY_CONFIG["pixelrnn"], image_shape=(1, 12, 12))
    generator = generator.generator
    generator.load_state_dict(state["trainer"]["ema"]["average"])
    assert state["position"]["step"] == 4
    return generator.eval()


def test_evaluate_measures_the_checkpoint_average_records_it_and_the_card_tables_it(
    stopped_run: Path, judge: Path, idx_dir: Path
):
    assert not (stopped_run / "config.json").exists()  # nothing published yet
    app, runner = make_app(installed()), CliRunner()
    command = ["evaluate", str(stopped_run), "--data", str(idx_dir), "--samples", "100"]
    result = runner.invoke(app, [*command, "--evaluator", str(judge), "--json"])
    assert result.exit_code == 0, result.output
    assert "still training: its checkpoint at step 4" in result.stderr
    metrics = {m["name"]: m["value"] for m in json.loads(result.stdout)}
    test = to_float(load_fashion_mnist(idx_dir, "test").images)
    with torch.no_grad():
        nats = _average_of_checkpoint(stopped_run).negative_log_likelihood(test)
    assert metrics["negative_log_likelihood"] == pytest.approx(nats.double().mean().item(), 1e-5)

    record = stopped_run / TRAINING_DIR / "evaluations.jsonl"
    (line,) = [json.loads(text) for text in record.read_text().splitlines()]
    train_images = len(load_fashion_mnist(idx_dir, "train"))
    assert line["step"] == 4 and line["epochs"] == round(4 * 32 / train_images, 2)
    assert line["samples"] == 100 and line["seed"] == 0 and line["sampling"] == {}
    assert line["dataset"] == "fashion-mnist" and "judge" in line["features"]
    assert line["metrics"]["frechet_distance"] == metrics["frechet_distance"]
    again = runner.invoke(app, [*command, "--evaluator", str(judge), "--seed", "1"])
    assert again.exit_code == 0, again.output
    assert f"recorded in {record}" in again.stdout
    assert [json.loads(t)["seed"] for t in record.read_text().splitlines()] == [0, 1]
    quiet = runner.invoke(app, [*command, "--evaluator", str(judge), "--no-write"])
    assert quiet.exit_code == 0 and len(record.read_text().splitlines()) == 2
    assert not (stopped_run / "README.md").exists()  # a run in progress has no card yet

    # finished, the card tables the evaluations; a torn line, a string for a number skipped
    with record.open("a") as file:
        file.write('{"step": 8, "epochs": 0.1, "samples": 100, "seed": 0, "metrics": {"freche\n')
        file.write(json.dumps({**line, "metrics": {"frechet_distance": "12"}}) + "\n")
    run_training(stopped_run, idx_dir, max_steps=12, architecture="pixelrnn", resume=True)
    card = (stopped_run / "README.md").read_text()
    section = card[card.index("## While it trained") : card.index("## Evaluation")]
    rows = [row for row in section.splitlines() if row.startswith("| 4 |")]
    assert len(rows) == 2 and "| 100, 0 |" in rows[0] and "| 100, 1 |" in rows[1]
    assert f"{metrics['bits_per_dim']:.3f} |" in rows[0]
    assert f"on {line['features']}, against fashion-mnist's test split." in section
    assert len([row for row in section.splitlines() if row.startswith("| ")]) == 2 + 2


def test_sample_draws_from_the_checkpoint_average(stopped_run: Path, tmp_path: Path):
    app, runner = make_app(installed()), CliRunner()
    grid = tmp_path / "grid.png"
    result = runner.invoke(app, ["sample", str(stopped_run), "-n", "4", "-o", str(grid)])
    assert result.exit_code == 0, result.output
    assert "checkpoint at step 4" in result.stderr
    with torch.no_grad():  # the average's own images, seed for seed
        expected = genzoo.grid(_average_of_checkpoint(stopped_run).sample(4, seed=0))
    assert np.array_equal(np.asarray(Image.open(grid)), np.asarray(expected))
    # what reads repos only says what the folder is and what does read it
    for command in (["info", str(stopped_run)], ["push", str(stopped_run), "--repo", "a/b"]):
        result = runner.invoke(app, [*command, "--dry-run"] if "push" in command else command)
        assert result.exit_code == 1 and "is a run still training" in result.stderr


def test_a_registered_name_is_the_model_even_beside_a_run_folder_of_that_name(
    stopped_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    stopped_run.rename(tmp_path / "dcgan-mnist")
    monkeypatch.chdir(tmp_path)
    app, runner = make_app(installed()), CliRunner()
    registered = runner.invoke(app, ["sample", "dcgan-mnist", "-n", "1"])
    assert registered.exit_code == 1 and "still training" not in registered.output  # offline
    folder = runner.invoke(app, ["sample", "./dcgan-mnist", "-n", "1"])
    assert folder.exit_code == 0 and "still training" in folder.stderr


def test_a_finished_run_resumed_to_train_further_is_in_progress_again(
    tmp_path: Path, idx_dir: Path
):
    out = run_training(tmp_path / "run", idx_dir, max_steps=2, architecture="pixelrnn")
    assert not in_progress(out)
    train_until_interrupted(out, idx_dir, 4, resume=True)  # steps 3-5 of 8: checkpoint 4
    assert in_progress(out)  # its repo files are step 2's, its checkpoint step 4's
    app, runner = make_app(installed()), CliRunner()
    result = runner.invoke(app, ["sample", str(out), "-n", "1", "-o", str(tmp_path / "g.png")])
    assert result.exit_code == 0 and "checkpoint at step 4" in result.stderr
    run_training(out, idx_dir, max_steps=8, architecture="pixelrnn", resume=True)
    assert not in_progress(out)


def test_a_damaged_checkpoint_is_one_line(stopped_run: Path, idx_dir: Path):
    checkpoint = stopped_run / TRAINING_DIR / CHECKPOINT
    data = bytearray(checkpoint.read_bytes())
    data[len(data) // 2] ^= 0x01
    checkpoint.write_bytes(bytes(data))
    result = CliRunner().invoke(make_app(installed()), ["sample", str(stopped_run), "-n", "1"])
    assert result.exit_code == 1
    assert "does not match its checksum" in result.stderr and "Traceback" not in result.output


def test_the_card_names_what_each_row_was_measured_on_when_they_differ():
    row = {"step": 500, "epochs": 0.5, "samples": 2000, "seed": 1, "dataset": "fashion-mnist"}
    rows = [
        {**row, "features": "a features", "metrics": {"frechet_distance": 9.0}},
        {**row, "features": "b features", "metrics": {"frechet_distance": 7.0}, "step": 900},
        {**row, "features": "b features", "metrics": {"frechet_distance": 6.0}, "step": 950,
         "sampling": {"steps": 10}, "intervals": {"frechet_distance": [5.5, 6.5]}},
    ]  # fmt: skip
    table = [line for line in _progress_rows(rows) if line.startswith("| ")]
    assert table[0] == "| step | epochs | samples, seed | FD [95% CI] | measured on |"
    assert table[2] == "| 500 | 0.5 | 2,000, 1 | 9 | a features, fashion-mnist |"
    assert (
        table[4]
        == "| 950 | 0.5 | 2,000, 1, steps 10 | 6.00 [5.50, 6.50] | b features, fashion-mnist |"
    )


def test_python_loads_and_evaluates_a_run_still_training_as_the_cli_does(
    stopped_run: Path, judge: Path, idx_dir: Path
):
    """One seam from a name to a model: genzoo.load opens what genzoo sample opens, and
    genzoo.evaluate gives the figures genzoo evaluate prints."""
    model = genzoo.load(stopped_run, device="cpu")
    expected = _average_of_checkpoint(stopped_run).sample(3, seed=0)
    assert torch.equal(model.generator.sample(3, seed=0), expected)
    assert hasattr(model, "save_pretrained")  # the published kind, as for a finished repo
    result = genzoo.evaluate(
        stopped_run, data_dir=idx_dir, samples=100, evaluator=str(judge), device="cpu"
    )
    assert result.step == 4 and result.dataset == "fashion-mnist" and "judge" in result.features
    command = ["evaluate", str(stopped_run), "--data", str(idx_dir), "--samples", "100"]
    command += ["--evaluator", str(judge), "--json", "--no-write"]
    printed = CliRunner().invoke(make_app(installed()), command)
    assert printed.exit_code == 0, printed.output
    assert {m["name"]: m["value"] for m in json.loads(printed.stdout)} == result.values()
    assert not (stopped_run / TRAINING_DIR / "evaluations.jsonl").exists()  # nothing written


def test_a_second_label_free_feature_space_measures_the_same_samples(
    finished: Path, judge: Path, idx_dir: Path, tmp_path: Path
):
    """FD in a self-supervised encoder's space beside the classifier's, on the same draw."""
    args = ["train", "simclr", "--dataset", "fashion-mnist", "--data", str(idx_dir), "--out"]
    args += [str(tmp_path / "ssl"), "--max-steps", "2", "--batch-size", "32", "--device", "cpu"]
    args += ["--set", "width=4", "--set", "feature_dim=8", "--set", "image_shape=[1,12,12]"]
    result = CliRunner().invoke(make_app(installed()), args)
    assert result.exit_code == 0, result.output
    both = genzoo.evaluate(finished, data_dir=idx_dir, samples=1000, evaluator=str(judge),
                           label_free=str(tmp_path / "ssl"), device="cpu")  # fmt: skip
    second = both.metric("frechet_distance_label_free")
    assert "ssl features (encoder sha256" in second.protocol  # 64 test images: no interval
    alone = genzoo.evaluate(finished, data_dir=idx_dir, samples=1000, evaluator=str(judge),
                            label_free=False, device="cpu")  # fmt: skip
    assert alone["frechet_distance"] == both["frechet_distance"]  # the same samples
    assert "frechet_distance_label_free" not in alone.values()
    encoder = genzoo.evaluate(tmp_path / "ssl", data_dir=idx_dir, device="cpu")
    assert list(encoder.values()) == ["knn_accuracy"] and 0.25 < encoder["knn_accuracy"] <= 1
    card = CliRunner().invoke(make_app(installed()), ["evaluate", str(tmp_path / "ssl"),
                                                      "--data", str(idx_dir)])  # fmt: skip
    assert card.exit_code == 0, card.output
    assert "pipeline_tag: image-feature-extraction" in (tmp_path / "ssl" / "README.md").read_text()


@pytest.fixture
def finished(tmp_path: Path, idx_dir: Path) -> Path:
    return run_training(tmp_path / "done", idx_dir, max_steps=2)


def test_init_from_a_run_still_training_starts_from_its_checkpoint(
    stopped_run: Path, tmp_path: Path, idx_dir: Path
):
    """`train --init-from` opens names as `genzoo.load` does: a run still training gives
    the model of its last checkpoint."""
    sets = [f"--set={key}={value}" for key, value in TINY_CONFIG["pixelrnn"].items()]
    out = tmp_path / "further"
    args = ["train", "pixelrnn", "--dataset", "fashion-mnist", "--data", str(idx_dir), *sets,
            "--set", "lr=0.0", "--max-steps", "1", "--batch-size", "32", "--device", "cpu",
            "--out", str(out), "--init-from", str(stopped_run)]  # fmt: skip
    result = CliRunner().invoke(make_app(installed()), args)
    assert result.exit_code == 0, result.output
    started = genzoo.load(str(stopped_run), device="cpu")  # its checkpoint's model
    trained = genzoo.load(str(out), device="cpu")
    for (key, theirs), mine in zip(
        started.generator.state_dict().items(), trained.generator.state_dict().values(), strict=True
    ):
        assert torch.equal(theirs, mine), key
