"""Metrics on distributions with known answers, and `genzoo evaluate` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from genzoo.cli import make_app
from genzoo.metrics import frechet_distance, inception_score, precision_recall
from genzoo.plugins import installed
from genzoo.zoo.card import card_metadata
from genzoo.zoo.repo import check_repo
from test_train import run_training

FEATURES = torch.randn(4000, 6, generator=torch.Generator().manual_seed(0))


def test_frechet_distance_of_a_set_with_itself_is_zero():
    assert frechet_distance(FEATURES, FEATURES) == pytest.approx(0, abs=1e-6)


def test_frechet_distance_of_a_shift_is_its_squared_length():
    shift = torch.tensor([1.0, -2.0, 0.5, 0, 0, 3.0])
    expected = float(shift.square().sum())  # covariances equal: only the means differ
    assert frechet_distance(FEATURES, FEATURES + shift) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_of_a_scaling_matches_the_gaussian_formula():
    # C_b = 4 C_a: tr(C_a + 4 C_a - 2 * 2 C_a) = tr(C_a)
    cov_trace = float(torch.cov(FEATURES.T.double()).trace())
    assert frechet_distance(FEATURES, 2 * FEATURES) == pytest.approx(
        cov_trace + float((FEATURES.mean(0)).square().sum()), rel=1e-6
    )


def test_two_samples_of_one_gaussian_are_close_and_two_gaussians_are_not():
    other = torch.randn(4000, 6, generator=torch.Generator().manual_seed(1))
    assert frechet_distance(FEATURES, other) < 0.05
    assert frechet_distance(FEATURES, other + 1) == pytest.approx(6, rel=0.05)


def test_inception_score_bounds():
    confident = torch.eye(10).repeat(100, 1) * 100  # every class, each predicted with certainty
    assert inception_score(confident)[0] == pytest.approx(10, rel=1e-6)
    assert inception_score(torch.zeros(1000, 10))[0] == pytest.approx(1, rel=1e-9)


def test_precision_and_recall_of_same_and_disjoint_sets():
    assert precision_recall(FEATURES[:1000], FEATURES[:1000]) == (1.0, 1.0)
    assert precision_recall(FEATURES[:1000], FEATURES[:1000] + 100) == (0.0, 0.0)
    half = torch.cat([FEATURES[:500], FEATURES[500:1000] + 100])  # half the samples are junk
    precision, recall = precision_recall(FEATURES[:1000], half)
    assert precision == 0.5 and recall > 0.8  # the good half still covers the data
    collapsed = FEATURES[:1] + 0.01 * FEATURES[1000:2000]  # mode collapse: one tight blob
    precision, recall = precision_recall(FEATURES[:1000], collapsed)
    assert precision == 1.0 and recall < 0.05


def test_evaluate_a_classifier_and_a_conditional_generator(tmp_path: Path, idx_dir: Path):
    app, runner = make_app(installed()), CliRunner()
    classifier = tmp_path / "lenet"
    args = ["train", "lenet5", "--dataset", "fashion-mnist", "--data", str(idx_dir)]
    args += ["--out", str(classifier), "--epochs", "5", "--batch-size", "32", "--device", "cpu"]
    # a small net; no flips: they would swap the left and right corners that are the classes
    args += ["--set", "width=8", "--set", "feature_dim=16", "--set", "flip=false"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["evaluate", str(classifier), "--data", str(idx_dir), "--json"])
    assert result.exit_code == 0, result.output
    (accuracy,) = json.loads(result.stdout)
    assert accuracy["name"] == "accuracy" and accuracy["value"] > 0.9  # corners are easy
    gan = run_training(tmp_path / "gan", idx_dir, max_steps=4, conditional=True)
    command = ["evaluate", str(gan), "--data", str(idx_dir), "--samples", "200"]
    command += ["--evaluator", str(classifier), "--json"]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    metrics = {m["name"]: m for m in json.loads(result.stdout)}
    assert set(metrics) == {
        "frechet_distance",
        "inception_score",
        "precision",
        "recall",
        "classification_accuracy_score",
    }
    assert "200 samples, seed 0" in metrics["frechet_distance"]["protocol"]
    assert "floor (train vs test)" in metrics["frechet_distance"]["protocol"]
    card = (gan / "README.md").read_text()
    assert "| frechet_distance |" in card and "Not evaluated yet" not in card
    results = card_metadata(card)["model-index"][0]["results"]  # the Hub's eval results
    types = {metric["type"] for result in results for metric in result["metrics"]}
    assert types >= {"frechet_distance", "precision", "classification_accuracy_score"}
    assert check_repo(gan) == []
    (gan / "training" / "run.json").unlink()  # as pulled: only the card names the dataset
    again = runner.invoke(app, [*command, "--no-write"])
    assert again.exit_code == 0, again.output
    (gan / "README.md").unlink()
    refused = runner.invoke(app, [*command, "--no-write"])
    assert refused.exit_code == 2 and "does not say its dataset: pass --dataset" in refused.output
