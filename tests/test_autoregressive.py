"""The autoregressive family (PixelRNN): causality, an exact likelihood, sampling and evaluation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

import genzoo
from genzoo.cli import make_app
from genzoo.core import BadInputError
from genzoo.core.conformance import check_model
from genzoo.core.interfaces import AutoregressiveGenerator
from genzoo.core.likelihood import bits_per_dim
from genzoo.data.images import to_float
from genzoo.plugins import installed
from genzoo.plugins.datasets import load_fashion_mnist
from genzoo.plugins.pixelrnn.model import LevelSoftmax, LogisticMixture, from_levels, to_levels
from test_train import run_training


def tiny(**config: object) -> AutoregressiveGenerator:
    torch.manual_seed(0)
    return genzoo.build("pixelrnn", state_dim=4, hidden_dim=8, **config).generator


MIXTURES = pytest.mark.parametrize("mixtures", [0, 2], ids=["softmax", "logistic-mixture"])


@MIXTURES
def test_each_pixel_depends_on_every_pixel_before_it_and_on_none_after(mixtures: int):
    generator = tiny(image_shape=(1, 6, 5), mixtures=mixtures)
    images = (torch.rand(1, 1, 6, 5) * 2 - 1).requires_grad_(True)
    parameters = generator.pixel_parameters(images)
    for row, column in [(0, 0), (0, 4), (2, 1), (5, 4)]:
        pixel = parameters[0, row, column].sum()
        (grad,) = torch.autograd.grad(pixel, images, retain_graph=True)
        seen = grad[0, 0].flatten() != 0
        index = row * 5 + column
        assert not seen[index:].any(), (row, column)  # nor itself: that would be cheating
        assert seen[:index].all(), (row, column)  # the whole row to its left and all rows above


@MIXTURES
@pytest.mark.parametrize("levels", [2, 3])
def test_the_likelihood_is_a_normalised_distribution_over_grey_levels(mixtures: int, levels: int):
    """Over every possible 2 x 2 image, the probabilities sum to 1."""
    generator = tiny(image_shape=(1, 2, 2), levels=levels, mixtures=mixtures)
    every = torch.cartesian_prod(*[torch.arange(levels)] * 4)
    images = from_levels(every, levels).view(-1, 1, 2, 2)
    with torch.no_grad():
        probabilities = (-generator.negative_log_likelihood(images)).exp()
    assert probabilities.sum().item() == pytest.approx(1.0, abs=1e-5)


def test_a_logistic_mixtures_levels_share_a_smooth_density():
    """One logistic centred on grey: its middle levels' masses are the density's integrals
    over their bins, and they sum to 1 with the tails."""
    mixture = LogisticMixture(256, 1)
    parameters = torch.tensor([0.0, 0.0, math.log(0.05)])  # weight, mean 0, scale 0.05
    levels = torch.arange(256)
    log_p = mixture.log_prob(parameters.expand(256, 3), levels)
    assert log_p.exp().sum().item() == pytest.approx(1.0, abs=1e-5)
    centre = from_levels(torch.tensor(128), 256).item()
    edges = torch.tensor([centre - 1 / 255, centre + 1 / 255]) / 0.05
    assert log_p[128].exp().item() == pytest.approx(float(torch.sigmoid(edges).diff()), rel=1e-4)
    cdf = mixture.cdf(parameters)
    assert torch.allclose(cdf, log_p.exp().cumsum(0)[:-1], atol=1e-5)


@MIXTURES
def test_sampling_inverts_each_pixels_distribution_so_that_codes_give_the_image(mixtures: int):
    """A code of -inf picks each pixel's lowest level, +inf its highest: the sampler reads the
    code as a quantile. Same code, same image; and the image is a grey level per pixel."""
    generator = tiny(image_shape=(1, 4, 3), mixtures=mixtures).eval()
    with torch.no_grad():
        low = generator(torch.full((1, 12), -1e4))
        high = generator(torch.full((1, 12), 1e4))
        z = torch.randn(3, 12)
        drawn = generator(z)
        assert torch.equal(drawn, generator(z))
    assert (low == -1).all() and (high == 1).all()
    assert torch.equal(from_levels(to_levels(drawn, 256), 256), drawn)


@MIXTURES
def test_sampling_follows_the_models_own_distribution(mixtures: int):
    """The frequencies of the first pixel's levels over many draws match its likelihood."""
    generator = tiny(image_shape=(1, 1, 2), levels=4, mixtures=mixtures).eval()
    with torch.no_grad():
        first = generator(torch.randn(20_000, 2, generator=torch.Generator().manual_seed(1)))
        parameters = generator.pixel_parameters(torch.zeros(1, 1, 1, 2))[0, 0, 0]
        expected = generator.pixel.log_prob(parameters.expand(4, -1), torch.arange(4)).exp()
    counts = torch.bincount(to_levels(first[:, 0, 0, 0], 4), minlength=4).double() / 20_000
    assert torch.allclose(counts.float(), expected, atol=0.015)


@MIXTURES
def test_a_temperature_below_one_sharpens_each_pixels_distribution(mixtures: int):
    """At temperature 1 the sampler is the model's own; below it, each pixel's distribution
    concentrates on its likeliest levels (a softmax: lower entropy, the same mode; one
    logistic: a narrower spread, the same centre). The same codes still give the same
    images, and a temperature that is no positive number is refused in one line."""
    generator = tiny(image_shape=(1, 2, 3), mixtures=mixtures).eval()
    z = torch.randn(4, 6, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        own = generator.sample(4, seed=3)
        assert torch.equal(generator.sample(4, seed=3, temperature=1.0), own)
        cold = generator(z, temperature=0.5)
        assert torch.equal(cold, generator(z, temperature=0.5))
        assert not torch.equal(cold, generator(z))
    for bad in (0, -0.5, float("nan"), True, "cold"):
        with pytest.raises(BadInputError, match="temperature must be a number > 0"):
            generator.sample(1, temperature=bad)


def test_temperature_narrows_a_softmax_and_a_logistic_alike():
    def probabilities(pixel: torch.nn.Module, parameters: torch.Tensor, t: float) -> torch.Tensor:
        cdf = pixel.cdf(parameters, t)
        return torch.cat([cdf, torch.ones(1)]).diff(prepend=torch.zeros(1))

    softmax = LevelSoftmax(256)
    logits = torch.randn(256, generator=torch.Generator().manual_seed(0))
    own, sharper = probabilities(softmax, logits, 1.0), probabilities(softmax, logits, 0.5)

    def entropy(p: torch.Tensor) -> float:
        return float(-(p * p.clamp(min=1e-30).log()).sum())

    assert sharper.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert entropy(sharper) < entropy(own) - 0.5 and sharper.argmax() == own.argmax()
    assert torch.allclose(sharper, torch.softmax(logits / 0.5, 0), atol=1e-6)

    logistic = LogisticMixture(256, 1)
    parameters = torch.tensor([0.0, 0.2, math.log(0.1)])  # one logistic at 0.2, scale 0.1
    values = from_levels(torch.arange(256), 256)

    def spread(p: torch.Tensor) -> tuple[float, float]:
        mean = float((p * values).sum())
        return mean, float((p * (values - mean) ** 2).sum()) ** 0.5

    (centre, width), (cold_centre, cold_width) = [
        spread(probabilities(logistic, parameters, t)) for t in (1.0, 0.5)
    ]
    assert centre == pytest.approx(0.2, abs=0.01) and cold_centre == pytest.approx(0.2, abs=0.01)
    assert cold_width == pytest.approx(width / 2, rel=0.02)


def test_rows_fill_in_one_by_one_and_the_last_frame_is_the_sample():
    generator = tiny(image_shape=(1, 4, 3))
    frames = generator.sample_steps(2, seed=5)
    assert frames.shape == (4, 2, 1, 4, 3)
    assert torch.equal(frames[-1], generator.sample(2, seed=5))
    assert (frames[0][:, :, 1:] == 0).all()  # rows not yet drawn are grey


def test_bad_configurations_are_refused_in_one_line():
    with pytest.raises(BadInputError, match="1 channel"):
        tiny(image_shape=(3, 8, 8))
    with pytest.raises(BadInputError, match="even"):
        genzoo.build("pixelrnn", state_dim=5)


def test_training_lowers_the_bits_per_dim_and_evaluate_reports_them(tmp_path: Path, idx_dir: Path):
    out = run_training(tmp_path / "run", idx_dir, max_steps=8, architecture="pixelrnn")
    log = [json.loads(line) for line in (out / "training" / "log.jsonl").read_text().splitlines()]
    assert log[-1]["bits_per_dim"] < log[0]["bits_per_dim"]
    model = genzoo.load(str(out), device="cpu")
    check_model(model)
    app, runner = make_app(installed()), CliRunner()
    judge = tmp_path / "judge"
    args = ["train", "lenet5", "--dataset", "fashion-mnist", "--data", str(idx_dir), "--out"]
    args += [str(judge), "--max-steps", "2", "--batch-size", "32", "--device", "cpu"]
    assert runner.invoke(app, [*args, "--set", "width=4", "--set", "feature_dim=8"]).exit_code == 0
    command = ["evaluate", str(out), "--data", str(idx_dir), "--samples", "100", "--json"]
    result = runner.invoke(app, [*command, "--evaluator", str(judge), "--no-write"])
    assert result.exit_code == 0, result.output
    metrics = {m["name"]: m for m in json.loads(result.stdout)}
    assert {"bits_per_dim", "negative_log_likelihood", "frechet_distance"} <= set(metrics)
    test = to_float(load_fashion_mnist(idx_dir, "test").images)
    with torch.no_grad():
        nats = model.generator.negative_log_likelihood(test).double().mean().item()
    assert metrics["negative_log_likelihood"]["value"] == pytest.approx(nats, rel=1e-5)
    assert metrics["bits_per_dim"]["value"] == pytest.approx(nats / (144 * math.log(2)), rel=1e-5)
    assert "all 64 test images" in metrics["bits_per_dim"]["protocol"]
    grid = tmp_path / "g.png"
    assert runner.invoke(app, ["sample", str(out), "-n", "2", "-o", str(grid)]).exit_code == 0
    # a sampling temperature reaches the sampler and the protocol names it
    result = runner.invoke(app, [*command, "--evaluator", str(judge), "--no-write",
                                 "--temperature", "0.8"])  # fmt: skip
    assert result.exit_code == 0, result.output
    metrics = {m["name"]: m for m in json.loads(result.stdout)}
    assert "temperature 0.8" in metrics["frechet_distance"]["protocol"]
    refused = runner.invoke(app, ["sample", str(out), "-o", str(grid), "--temperature", "0"])
    assert refused.exit_code == 2 and "temperature must be a number > 0" in refused.output


def test_bits_per_dim_divides_nats_by_the_pixels_and_log_2():
    assert bits_per_dim(torch.tensor(784 * math.log(2)), (1, 28, 28)).item() == pytest.approx(1)


def test_the_golden_probe_of_an_autoregressive_generator_is_its_likelihood():
    """Its samples are a chain of discrete choices (one rounding apart, every later pixel
    differs); the likelihood of fixed images is a smooth function of the weights."""
    from genzoo.zoo.golden import deviation, probe

    generator = tiny(image_shape=(1, 4, 3))
    recorded = probe(generator)
    images = torch.rand(4, 1, 4, 3, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        nats = generator.negative_log_likelihood(images)
    assert recorded[:4] == pytest.approx(nats.tolist(), abs=1e-5)
    assert deviation(generator, recorded) == 0.0
    with torch.no_grad():
        generator.head[-1].bias[128] += 5.0  # grey made likelier: another likelihood
    assert deviation(generator, recorded) > 1e-3
