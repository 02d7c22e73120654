"""The variational family: ELBO terms, the VAE and DRAW trainers, sampling and evaluation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

import genzoo
from genzoo.cli import make_app
from genzoo.core.conformance import check_model
from genzoo.core.interfaces import DrawingGenerator, LatentDistribution, sampler
from genzoo.core.priors import LatentPrior
from genzoo.plugins import installed
from genzoo.plugins.draw.model import filterbank
from genzoo.plugins.vae import model as vae_model
from genzoo.train.variational import VariationalTrainer, bernoulli_nll, gaussian_kl
from genzoo.zoo.push import publishable_files
from genzoo.zoo.repo import check_repo
from genzoo.zoo.weights import write_repo
from test_train import run_training


def test_gaussian_kl_is_zero_at_the_prior_and_grows_as_the_formula_says():
    zeros = torch.zeros(2, 3)
    assert torch.allclose(gaussian_kl(LatentDistribution(zeros, zeros)), torch.zeros(2))
    shifted = gaussian_kl(LatentDistribution(torch.ones(2, 3), zeros))
    assert torch.allclose(shifted, torch.full((2,), 1.5))  # 0.5 * mean^2 per dimension
    narrow = gaussian_kl(LatentDistribution(zeros, torch.full((2, 3), math.log(0.25))))
    expected = 3 * 0.5 * (0.25 - 1 - math.log(0.25))
    assert torch.allclose(narrow, torch.full((2,), expected))


def test_bernoulli_nll_of_certain_pixels_is_zero_and_of_even_odds_is_log_2():
    images = torch.tensor([[[[-1.0, 1.0]]]])  # one black and one white pixel
    certain = torch.tensor([[[[-30.0, 30.0]]]])
    assert bernoulli_nll(certain, images).item() == pytest.approx(0, abs=1e-9)
    assert bernoulli_nll(torch.zeros(1, 1, 1, 2), images).item() == pytest.approx(2 * math.log(2))


def test_kl_warmup_ramps_beta_up_from_zero_a_resumed_run_carries_on_and_the_rate_can_decay():
    def tiny_trainer(warmup: int, schedule: str = "constant") -> VariationalTrainer:
        config = {"image_shape": (1, 12, 12), "latent_dim": 4, "base_channels": 4}
        hparams = {"kl_warmup": warmup, "schedule": schedule}
        return VariationalTrainer(genzoo.build("vae", **config), hparams)

    trainer, images, labels = tiny_trainer(4), torch.rand(8, 1, 12, 12) * 2 - 1, torch.zeros(8)
    rng, betas = torch.Generator().manual_seed(0), []
    for _ in range(5):
        betas.append(trainer.beta)
        losses = trainer.step(images, labels, rng)
        weighted = losses["reconstruction"] + betas[-1] * losses["kl"]
        assert losses["loss"].item() == pytest.approx(weighted.item())
    assert betas == [0.25, 0.5, 0.75, 1.0, 1.0]
    assert tiny_trainer(0).beta == 1.0  # no warm-up: the bound from the first step
    resumed = tiny_trainer(8)
    resumed.load_state_dict(trainer.state_dict())
    assert resumed.beta == 6 / 8
    cosine = tiny_trainer(0, "cosine")
    cosine.plan(2)
    cosine.step(images, labels, rng)
    cosine.step(images, labels, rng)
    assert cosine.optimizer.param_groups[0]["lr"] == pytest.approx(5e-4)  # halfway down


def test_attention_filters_are_normalised_gaussians_placed_as_the_paper_says():
    # g = 0: the centre, (A + 1) / 2 = 5 in pixel coordinates; log stride 0: the grid spans
    # the image, (A - 1) / (N - 1) = 4 pixels apart; here log(1/4) makes them adjacent
    adjacent = torch.tensor([[0.0, 0.0, 0.0, math.log(0.25), math.log(2.0)]])
    rows, cols, gamma = filterbank(adjacent, glimpse=3, height=9, width=9)
    assert rows.shape == cols.shape == (1, 3, 9) and gamma.item() == pytest.approx(2)
    assert torch.allclose(rows.sum(2), torch.ones(1, 3))
    assert rows[0].argmax(1).tolist() == cols[0].argmax(1).tolist() == [4, 5, 6]
    spread, _, _ = filterbank(torch.zeros(1, 5), glimpse=3, height=9, width=9)
    assert spread[0].argmax(1).tolist() == [1, 5, 8]  # 1, 5, 9: the last falls off the edge


@pytest.mark.parametrize("architecture", ["vae", "draw"])
def test_a_short_run_lowers_the_bound_and_writes_a_sampling_repo(
    tmp_path: Path, idx_dir: Path, architecture: str
):
    out = run_training(tmp_path / architecture, idx_dir, max_steps=8, architecture=architecture)
    log = [json.loads(line) for line in (out / "training" / "log.jsonl").read_text().splitlines()]
    assert {"loss", "reconstruction", "kl"} <= set(log[-1])
    assert log[-1]["loss"] < 0.97 * log[0]["loss"]  # 8 steps of a tiny model: it moves
    assert check_repo(out) == []
    model = genzoo.load(str(out), device="cpu")
    check_model(model)
    grid = tmp_path / "grid.png"
    result = CliRunner().invoke(
        make_app(installed()), ["sample", str(out), "-n", "4", "-o", str(grid)]
    )
    assert result.exit_code == 0, result.output
    with Image.open(grid) as picture:
        assert picture.size[0] > 12


def test_draw_draws_step_by_step_and_the_last_step_is_the_sample(tmp_path: Path, idx_dir: Path):
    out = run_training(tmp_path / "draw", idx_dir, max_steps=2, architecture="draw")
    generator = genzoo.load(str(out), device="cpu").generator
    assert isinstance(generator, DrawingGenerator)
    frames = generator.sample_steps(5, seed=3)
    assert frames.shape == (3, 5, 1, 12, 12)  # steps, images, C, H, W
    assert torch.allclose(frames[-1], generator.sample(5, seed=3), atol=1e-6)
    assert not torch.allclose(frames[0], frames[-1])  # the canvas changes as it is drawn
    images = torch.rand(2, 1, 12, 12) * 2 - 1
    rebuilt = generator.reconstruct(images)
    assert rebuilt.shape == images.shape and torch.equal(rebuilt, generator.reconstruct(images))
    app, runner = make_app(installed()), CliRunner()
    gif = tmp_path / "drawing.gif"
    args = ["sample", str(out), "-n", "4", "-o", str(tmp_path / "g.png"), "--steps-gif", str(gif)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    with Image.open(gif) as animation:
        assert animation.n_frames == 3  # every step...
        durations = []
        for frame in range(3):
            animation.seek(frame)
            durations.append(animation.info["duration"])
    assert durations[-1] > durations[0]  # ...then a pause on the result (Pillow merges it)
    gan = run_training(tmp_path / "gan", idx_dir, max_steps=1)
    refused = runner.invoke(app, ["sample", str(gan), "--steps-gif", str(tmp_path / "x.gif")])
    assert refused.exit_code == 2 and "step by step" in refused.output


def test_evaluate_reports_the_test_set_bound_beside_the_sample_metrics(
    tmp_path: Path, idx_dir: Path
):
    app, runner = make_app(installed()), CliRunner()
    judge = tmp_path / "judge"
    args = ["train", "lenet5", "--dataset", "fashion-mnist", "--data", str(idx_dir), "--out"]
    args += [str(judge), "--max-steps", "2", "--batch-size", "32", "--device", "cpu"]
    assert runner.invoke(app, [*args, "--set", "width=4", "--set", "feature_dim=8"]).exit_code == 0
    vae = run_training(tmp_path / "vae", idx_dir, max_steps=8, architecture="vae")
    command = ["evaluate", str(vae), "--data", str(idx_dir), "--samples", "100"]
    result = runner.invoke(app, [*command, "--evaluator", str(judge), "--json"])
    assert result.exit_code == 0, result.output
    metrics = {m["name"]: m for m in json.loads(result.stdout)}
    assert {"negative_elbo", "reconstruction_nll", "kl", "frechet_distance"} <= set(metrics)
    total = metrics["reconstruction_nll"]["value"] + metrics["kl"]["value"]
    assert metrics["negative_elbo"]["value"] == pytest.approx(total)
    # 144 pixels: the bound lies between certainty (0) and a blind coin (144 log 2) or so
    assert 0 < metrics["negative_elbo"]["value"] < 2 * 144 * math.log(2)
    assert "all 64 test images" in metrics["negative_elbo"]["protocol"]
    figure = vae / "reconstructions.png"  # 4 rows of test images, each above its rebuilds
    with Image.open(figure) as picture:
        assert picture.size[1] > 8 * 12 > picture.size[1] - 8 * 12 // 2
    assert "![reconstructions](reconstructions.png)" in (vae / "README.md").read_text()
    assert check_repo(vae) == [] and "reconstructions.png" in publishable_files(vae)
    again = runner.invoke(app, [*command, "--evaluator", str(judge), "--json", "--no-write"])
    assert json.loads(again.stdout)[0] == json.loads(result.stdout)[0]  # seeded: repeatable


def test_an_objective_may_train_with_extra_losses_that_are_logged_not_counted():
    import genzoo as zoo
    from genzoo.core.interfaces import ELBOTerms
    from genzoo.train.variational import VAEObjective, VariationalTrainer

    class WithPenalty(VAEObjective):
        def forward(self, images, rng=None):
            terms = super().forward(images, rng)
            return terms._replace(extra={"penalty": torch.full_like(terms.kl, 2.0)})

    class PenalisedTrainer(VariationalTrainer):
        @staticmethod
        def objective_of(model):
            return WithPenalty(model.encoder, model.decoder)

    model = zoo.build("vae", latent_dim=4, base_channels=4, hidden_dim=8)
    images = torch.rand(6, 1, 28, 28) * 2 - 1
    plain = VariationalTrainer(model, {}).step(images, torch.zeros(6), torch.Generator())
    assert set(plain) == {"loss", "reconstruction", "kl"}
    losses = PenalisedTrainer(model, {}).step(images, torch.zeros(6), torch.Generator())
    assert losses["penalty"] == 2.0
    assert losses["loss"] == pytest.approx(float(losses["reconstruction"] + losses["kl"] + 2.0))
    assert ELBOTerms(torch.zeros(1), torch.zeros(1)).extra == {}


def test_the_flow_prior_inverts_exactly_and_counts_its_jacobian():
    torch.manual_seed(0)
    prior = LatentPrior(latent_dim=5, hidden_dim=8, layers=3)
    codes = torch.randn(4, 5, dtype=torch.float64)
    prior = prior.double()
    normal = 0.5 * (codes.square() + math.log(2 * math.pi)).sum(1)
    torch.testing.assert_close(prior.negative_log_likelihood(codes), normal)  # starts at N(0, I)
    for parameter in prior.parameters():
        torch.nn.init.normal_(parameter, std=0.5)
    noise, log_det = codes, torch.zeros(4, dtype=torch.float64)
    for step in prior.steps:
        noise, step_log_det = step(noise)
        log_det = log_det + step_log_det
    torch.testing.assert_close(prior(noise), codes)  # sampling is the exact inverse
    for row in range(4):

        def to_noise(z: torch.Tensor) -> torch.Tensor:
            for step in prior.steps:
                z = step(z[None])[0][0]
            return z

        jacobian = torch.autograd.functional.jacobian(to_noise, codes[row])
        torch.testing.assert_close(log_det[row], torch.linalg.slogdet(jacobian).logabsdet)
    expected = 0.5 * (noise.square() + math.log(2 * math.pi)).sum(1) - log_det
    torch.testing.assert_close(prior.negative_log_likelihood(codes), expected)


def test_a_learned_prior_draws_codes_where_they_are_not_from_n_0_i():
    # codes in two clusters, x = -2 or 2, and a narrow y: nothing like N(0, I)
    torch.manual_seed(0)
    rng = torch.Generator().manual_seed(0)

    def codes(n: int) -> torch.Tensor:
        side = torch.randint(0, 2, (n,), generator=rng) * 4.0 - 2.0
        return torch.stack([side, torch.zeros(n)], 1) + torch.randn(n, 2, generator=rng) * 0.3

    prior = LatentPrior(latent_dim=2, hidden_dim=64)
    optimizer = torch.optim.Adam(prior.parameters(), lr=3e-3)
    for _ in range(800):
        loss = prior.negative_log_likelihood(codes(256)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        drawn = prior(torch.randn(4000, 2, generator=rng))
    x, y = drawn.unbind(1)
    assert (x.abs() > 1).float().mean() > 0.8  # in the clusters (N(0, 1): 0.32)
    assert 0.35 < (x > 0).float().mean() < 0.65  # both of them
    assert x.abs().mean().item() == pytest.approx(2, abs=0.25)
    assert y.abs().mean() < 0.5  # narrow (N(0, 1): 0.8)


def test_a_two_stage_vae_trains_its_prior_beside_the_bound_and_samples_through_it(
    tmp_path: Path,
):
    config = {"image_shape": (1, 12, 12), "latent_dim": 4, "base_channels": 4}
    plain = genzoo.build("vae", **config)
    assert plain.decoder.prior_loss(torch.zeros(2, 4)) is None  # the N(0, I) prior
    assert not any("prior" in key for key in plain.state_dict())  # shipped VAEs still load
    model = genzoo.build("vae", prior_hidden_dim=16, **config)
    objective = VariationalTrainer.objective_of(model)
    images = torch.rand(8, 1, 12, 12) * 2 - 1
    terms = objective(images, torch.Generator().manual_seed(0))
    assert set(terms.extra) == {"prior"} and terms.extra["prior"].shape == (8,)
    terms.extra["prior"].sum().backward()
    assert all(p.grad is None for p in model.encoder.parameters())  # it fits the codes as
    assert all(p.grad is None for p in model.decoder.net.parameters())  # they are
    assert all(p.grad is not None for p in model.decoder.prior.parameters())
    trainer = VariationalTrainer(model, {"beta": 0.1})
    logged = trainer.step(images, torch.zeros(8), torch.Generator().manual_seed(0))
    weighted = logged["reconstruction"] + 0.1 * logged["kl"] + logged["prior"]
    assert logged["loss"].item() == pytest.approx(weighted.item())
    write_repo(model, tmp_path / "repo")
    loaded = genzoo.load(str(tmp_path / "repo"), device="cpu")
    check_model(loaded)
    generator = sampler(loaded)
    assert generator is not None
    noise = generator.sample_latent(5, torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = loaded.decoder(loaded.decoder.prior(noise))
        assert torch.equal(generator(noise), expected)
        assert not torch.allclose(generator(noise), loaded.decoder(noise))


def test_draw_with_a_learned_prior_fits_it_to_its_codes_and_samples_through_it(tmp_path: Path):
    config = {"image_shape": (1, 12, 12), "steps": 3, "z_dim": 2, "hidden_dim": 8}
    plain = genzoo.build("draw", **config)
    assert not any("prior" in key for key in plain.state_dict())  # the shipped DRAW still loads
    model = genzoo.build("draw", prior_hidden_dim=16, **config)
    images = torch.rand(8, 1, 12, 12) * 2 - 1
    terms = model.generator.negative_elbo(images, torch.Generator().manual_seed(0))
    assert set(terms.extra) == {"prior"} and terms.extra["prior"].shape == (8,)
    terms.extra["prior"].sum().backward()
    prior_parameters = {id(p) for p in model.generator.prior.parameters()}
    for parameter in model.generator.parameters():  # it fits the codes as they are
        assert (parameter.grad is not None) == (id(parameter) in prior_parameters)
    write_repo(model, tmp_path / "repo")
    loaded = genzoo.load(str(tmp_path / "repo"), device="cpu")
    check_model(loaded)
    generator = loaded.generator
    for parameter in generator.prior.parameters():  # a prior that is not the identity
        torch.nn.init.normal_(parameter, std=0.3)
    noise = generator.sample_latent(5, torch.Generator().manual_seed(1))
    with torch.no_grad():
        codes = generator.prior(noise)
        generator.prior, prior = None, generator.prior  # decode codes as they are
        expected, from_normal = generator.canvases(codes), generator.canvases(noise)
        generator.prior = prior
        torch.testing.assert_close(generator.canvases(noise), expected)
        assert not torch.allclose(expected, from_normal)


def test_the_flow_prior_keeps_its_old_address_for_plugins_that_import_it():
    assert vae_model.LatentPrior is LatentPrior
