"""The knobs the GAN recipes use: hinge loss, spectral normalisation, DiffAugment, a lazy
gradient penalty."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch

import genzoo
from genzoo.core import BadInputError
from genzoo.train.adversarial import AdversarialTrainer
from genzoo.train.augment import cutout, policy, translation
from genzoo.train.wasserstein import WassersteinGPTrainer
from genzoo.zoo.weights import write_repo

SMALL = {"latent_dim": 8, "base_channels": 4}


def rng(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_translation_shifts_whole_images_and_fills_with_zeros():
    images = torch.arange(1.0, 1 + 2 * 8 * 8).view(2, 1, 8, 8)
    moved = translation(images, rng())
    assert moved.shape == images.shape
    for before, after in zip(images, moved, strict=True):
        # the kept pixels are a shifted block of the original: one (dy, dx) per image
        kept = after[after != 0]
        found = [
            (dy, dx)
            for dy in range(-1, 2)
            for dx in range(-1, 2)
            if torch.equal(torch.roll(before, (-dy, -dx), (1, 2))[after != 0], kept)
        ]
        assert len(found) == 1
    assert torch.equal(translation(images, rng(3)), translation(images, rng(3)))  # seeded


def test_cutout_greys_one_square_of_half_the_size():
    images = torch.ones(64, 1, 28, 28)
    cut = cutout(images, rng())
    zeros = (cut == 0).sum(dim=(1, 2, 3))
    assert zeros.max() == 14 * 14  # an interior square; at the border it is clipped
    assert (zeros > 0).all() and (zeros < 14 * 14).any()


def test_augmentation_passes_gradients_to_the_generator():
    fake = torch.randn(4, 1, 28, 28, requires_grad=True)
    translation(cutout(fake, rng()), rng()).sum().backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0


def test_an_unknown_transform_or_loss_is_one_line():
    with pytest.raises(BadInputError, match="augment: unknown transform flip; choose from"):
        policy("translation, flip")
    model = genzoo.build("dcgan", **SMALL)
    with pytest.raises(BadInputError, match="loss must be one of non-saturating, hinge"):
        AdversarialTrainer(model, {"loss": "wasserstein"})


def test_the_hinge_loss_is_zero_beyond_the_margin_and_linear_for_the_generator():
    trainer = AdversarialTrainer(genzoo.build("dcgan", **SMALL), {"loss": "hinge"})
    sure, unsure = torch.tensor([2.0, 1.5]), torch.tensor([0.0, 0.5])
    assert trainer.discriminator_loss(sure, -sure) == 0
    assert trainer.discriminator_loss(unsure, unsure) == pytest.approx(0.75 + 1.25)
    assert trainer.generator_loss(unsure) == pytest.approx(-0.25)
    plain = AdversarialTrainer(genzoo.build("dcgan", **SMALL), {})
    assert plain.discriminator_loss(sure, -sure) > 0  # softplus never reaches zero


def test_spectral_norm_bounds_each_layer_and_survives_a_repo(tmp_path: Path):
    model = genzoo.build("dcgan", norm="spectral", minibatch_std=True, **SMALL)
    discriminator = model.discriminator
    norms = [m for m in discriminator.modules() if hasattr(m, "parametrizations")]
    assert len(norms) == 3  # two convolutions and the score
    images = torch.randn(16, 1, 28, 28)
    discriminator.train()
    for _ in range(30):  # each training forward refines the power iteration
        discriminator(images)
    for module in norms:
        sigma = float(torch.linalg.matrix_norm(module.weight.detach().flatten(1), ord=2))
        assert sigma == pytest.approx(1.0, abs=0.05)
    trainer = AdversarialTrainer(model, {"loss": "hinge", "augment": "translation,cutout"})
    losses = [trainer.step(images, torch.zeros(16, dtype=torch.long), rng()) for _ in range(2)]
    assert all(torch.isfinite(v).all() for step in losses for v in step.values())
    write_repo(model, tmp_path / "repo")
    loaded = genzoo.load(str(tmp_path / "repo"), device="cpu")
    model.eval()
    assert torch.equal(loaded.discriminator(images), model.discriminator(images))


def test_a_lazy_gradient_penalty_runs_one_step_in_k_weighted_k_times():
    with pytest.raises(BadInputError, match="gp_every must be a whole number >= 1, got 0"):
        WassersteinGPTrainer(genzoo.build("wgan-gp", **SMALL), {"gp_every": 0})
    torch.manual_seed(0)
    model = genzoo.build("wgan-gp", **SMALL)
    lazy = WassersteinGPTrainer(model, {"n_critic": 1, "gp_every": 2, "gp_weight": 10.0})
    eager = WassersteinGPTrainer(copy.deepcopy(model), {"n_critic": 1, "gp_weight": 20.0})
    images, labels = torch.rand(8, 1, 28, 28) * 2 - 1, torch.zeros(8, dtype=torch.long)
    # the first critic step carries the penalty: weighted 2 x 10, it is the eager 20's step
    first = lazy.step(images, labels, rng())
    torch.testing.assert_close(first, eager.step(images, labels, rng()))
    for ours, theirs in zip(lazy.model.parameters(), eager.model.parameters(), strict=True):
        torch.testing.assert_close(ours, theirs)
    # then one step in two: the log carries the last penalty computed until the next one
    penalties = [first["gp"]] + [lazy.step(images, labels, rng(s))["gp"] for s in range(1, 5)]
    assert penalties[1] == penalties[0] and penalties[3] == penalties[2]
    assert penalties[2] != penalties[1] and penalties[4] != penalties[3]


def test_a_lazy_r1_penalty_runs_one_step_in_k_weighted_k_times():
    with pytest.raises(BadInputError, match="r1_every must be a whole number >= 1, got 0"):
        AdversarialTrainer(genzoo.build("dcgan", **SMALL), {"r1": 1.0, "r1_every": 0})
    torch.manual_seed(0)
    model = genzoo.build("dcgan", **SMALL)
    lazy = AdversarialTrainer(model, {"r1": 1.0, "r1_every": 2, "ema": 0})
    eager = AdversarialTrainer(copy.deepcopy(model), {"r1": 2.0, "ema": 0})
    images, labels = torch.rand(8, 1, 28, 28) * 2 - 1, torch.zeros(8, dtype=torch.long)
    # the first step carries the penalty, weighted 2 x 1: it is the eager 2's step
    torch.testing.assert_close(lazy.step(images, labels, rng()), eager.step(images, labels, rng()))
    # then one step in two computes it (a double backward through D) at all
    computed = []
    penalty = AdversarialTrainer.gradient_penalty
    lazy.gradient_penalty = lambda *args: computed.append(lazy.steps_taken) or penalty(*args)
    for seed in range(1, 5):
        lazy.step(images, labels, rng(seed))
    assert computed == [2, 4]


def test_the_r1_penalty_is_the_squared_gradient_on_real_images():
    weights = torch.randn(1, 4, 4)
    images = torch.randn(3, 1, 4, 4, requires_grad=True)
    scores = (images * weights).flatten(1).sum(dim=1)  # linear: the gradient is the weights
    penalty = AdversarialTrainer.gradient_penalty(scores, images)
    assert penalty.item() == pytest.approx(weights.square().sum().item(), rel=1e-5)
    with pytest.raises(BadInputError, match=r"r1 must be >= 0, got -1\.0"):
        AdversarialTrainer(genzoo.build("dcgan", **SMALL), {"r1": -1.0})


def test_r1_keeps_the_discriminator_flat_on_the_data():
    torch.manual_seed(0)
    model = genzoo.build("dcgan", **SMALL)
    images, labels = torch.rand(16, 1, 28, 28) * 2 - 1, torch.zeros(16, dtype=torch.long)

    def sharpness(r1: float) -> float:
        trainer = AdversarialTrainer(copy.deepcopy(model), {"r1": r1, "lr": 1e-3})
        for step in range(20):
            trainer.step(images, labels, rng(step))
        real = images.clone().requires_grad_(True)
        return trainer.gradient_penalty(trainer.discriminator(real), real).item()

    assert sharpness(10.0) < 0.5 * sharpness(0.0)
