"""Metrics on distributions with known answers, and `genzoo evaluate` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from genzoo.cli import make_app
from genzoo.metrics import (
    density_coverage,
    frechet_bootstrap,
    frechet_distance,
    frechet_interval,
    inception_score,
    kernel_distance,
    precision_recall,
)
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


def test_frechet_distance_agrees_with_scipy():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    a = torch.randn(500, 8, generator=torch.Generator().manual_seed(2)) @ torch.randn(8, 8)
    b = FEATURES[:700, :].repeat(1, 2)[:, :8] * 1.5 + 0.3
    mean_a, mean_b = a.double().mean(0).numpy(), b.double().mean(0).numpy()
    cov_a, cov_b = (torch.cov(x.T.double()).numpy() for x in (a, b))
    root = scipy_linalg.sqrtm(cov_a @ cov_b).real
    expected = ((mean_a - mean_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root)
    assert frechet_distance(a, b) == pytest.approx(float(expected), rel=1e-6)


def test_kernel_distance_is_the_unbiased_mmd_and_near_zero_for_one_distribution():
    a, b = FEATURES[:300], FEATURES[1000:1300] + 0.5
    mean, spread = kernel_distance(a, b, subsets=1, subset_size=300)
    # the textbook estimate, written out pair by pair on a few points
    x, y = a.double().numpy(), b.double().numpy()
    k = lambda p, q: (p @ q.T / x.shape[1] + 1) ** 3  # noqa: E731
    m = len(x)
    kxx, kyy = k(x, x), k(y, y)
    expected = (
        (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
        + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        - 2 * k(x, y).mean()
    )
    assert mean == pytest.approx(float(expected), rel=1e-9) and spread == 0
    same, _ = kernel_distance(FEATURES[:2000], FEATURES[2000:4000])
    shifted, _ = kernel_distance(FEATURES[:2000], FEATURES[2000:4000] + 0.5)
    assert abs(same) < 0.01 < shifted


def test_the_bootstrap_finds_the_upward_bias_of_a_small_sample():
    """Two sets of one distribution: the true distance is 0, yet FD at 300 samples is not;
    the bootstrap's bias accounts for most of it, and the interval is stable by seed."""
    same = torch.randn(600, 6, generator=torch.Generator().manual_seed(7))
    found = frechet_bootstrap(same[:300], same[300:])
    assert found.estimate > 0.01 and found.bias > 0  # duplicates only make it larger
    unbiased, (low, _) = found.unbiased()
    assert unbiased < found.estimate / 2 and low <= 0.005  # the true 0 is in reach
    other_seed = frechet_bootstrap(same[:300], same[300:], seed=1).interval()
    width = found.interval()[1] - found.interval()[0]
    assert abs(other_seed[1] - found.interval()[1]) < 0.1 * width


def test_the_frechet_interval_holds_the_distance_and_narrows_with_more_samples():
    other = torch.randn(4000, 6, generator=torch.Generator().manual_seed(5)) + 0.3
    wide = frechet_interval(FEATURES[:400], other[:400])
    narrow = frechet_interval(FEATURES, other)
    assert wide[0] <= frechet_distance(FEATURES[:400], other[:400]) <= wide[1]
    assert narrow[1] - narrow[0] < wide[1] - wide[0]
    assert narrow[0] < 6 * 0.09 < narrow[1]  # the true distance: |shift|^2 = 6 * 0.3^2


def test_density_and_coverage_of_same_disjoint_and_collapsed_sets():
    real = FEATURES[:1000]
    density, coverage = density_coverage(real, FEATURES[1000:2000])
    assert 0.8 < density < 1.2 and coverage > 0.9  # one distribution: about 1, and covered
    assert density_coverage(real, real + 100) == (0.0, 0.0)
    collapsed = FEATURES[:1] + 0.01 * FEATURES[1000:2000]
    assert density_coverage(real, collapsed)[1] < 0.05  # one tight blob covers almost nothing


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
        "kernel_distance",
        "inception_score",
        "precision",
        "recall",
        "density",
        "coverage",
        "classification_accuracy_score",
    }
    # 200 samples: too few for an interval that holds (MIN_INTERVAL_SAMPLES), and it says so
    assert metrics["frechet_distance"]["interval"] is None
    assert "no interval below 1,000 samples" in metrics["frechet_distance"]["protocol"]
    assert "200 samples, seed 0" in metrics["frechet_distance"]["protocol"]
    assert "floor (train vs test)" in metrics["frechet_distance"]["protocol"]
    card = (gan / "README.md").read_text()
    assert "| frechet_distance |" in card and "Not evaluated yet" not in card
    results = card_metadata(card)["model-index"][0]["results"]  # the Hub's eval results
    types = {metric["type"] for result in results for metric in result["metrics"]}
    assert types >= {"frechet_distance", "precision", "classification_accuracy_score"}
    # names that say what each is and on which features; the protocol in args
    for metric in (m for r in results for m in r["metrics"]):
        assert metric["args"]["protocol"] and " on " in metric["name"], metric
    assert {r["task"]["type"] for r in results} == {"class-conditional-image-generation"}
    assert {r["dataset"]["type"] for r in results} == {"zalando-datasets/fashion_mnist"}
    assert check_repo(gan) == []
    (gan / "training" / "run.json").unlink()  # as pulled: only the card names the dataset
    again = runner.invoke(app, [*command, "--no-write"])
    assert again.exit_code == 0, again.output
    (gan / "README.md").unlink()
    refused = runner.invoke(app, [*command, "--no-write"])
    assert refused.exit_code == 2 and "does not say its dataset: pass --dataset" in refused.output


def test_neighbourhoods_in_two_passes_equal_the_definitions():
    """Precision/recall (k=3) and density/coverage (k=5) from the shared-radii computation
    `genzoo evaluate` uses, against the definitions written out on full distance matrices."""
    from genzoo.metrics.distances import knn_radii, neighbourhoods

    gen = torch.Generator().manual_seed(0)
    real = torch.randn(300, 8, generator=gen, dtype=torch.float64)
    fake = torch.randn(200, 8, generator=gen, dtype=torch.float64) * 1.3 + 0.2
    rr, ff, fr = torch.cdist(real, real), torch.cdist(fake, fake), torch.cdist(fake, real)
    r3, r5 = rr.sort(1).values[:, 3], rr.sort(1).values[:, 5]
    f3 = ff.sort(1).values[:, 3]
    expected = (
        float((fr <= r3[None]).any(1).double().mean()),
        float((fr <= f3[:, None]).any(0).double().mean()),
        int((fr <= r5[None]).sum()) / (5 * len(fake)),
        float((fr <= r5[None]).any(0).double().mean()),
    )
    found = neighbourhoods(real, fake, 3, 5, knn_radii(real, (3, 5)), chunk=64)
    assert tuple(found) == pytest.approx(expected, abs=1e-12)
    assert tuple(neighbourhoods(real, fake)) == pytest.approx(expected, abs=1e-12)
