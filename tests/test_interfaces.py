"""The component interfaces, the conformance checks, and building architectures."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import genzoo
from genzoo import (
    BadInputError,
    Classifier,
    ConformanceError,
    Decoder,
    Discriminator,
    Encoder,
    Generator,
    GenzooError,
    LatentDistribution,
)
from genzoo.core import Architecture
from genzoo.core.conformance import check_component, check_model
from genzoo.core.model import build as build_components


class ToyGenerator(Generator):
    """A linear generator whose output can be made to break the contract."""

    def __init__(self, shape=(1, 4, 4), scale: float = 1.0, noisy: bool = False) -> None:
        super().__init__()
        self.latent_dim, self.image_shape = 3, (1, 4, 4)
        self.out_shape, self.scale, self.noisy = shape, scale, noisy
        self.linear = nn.Linear(3, math.prod(shape))

    def forward(self, z, labels=None):
        x = torch.tanh(self.linear(z)) * self.scale
        if self.noisy:
            x = x * torch.rand(()) * 0.5  # ignores the seed: not deterministic
        return x.view(len(z), *self.out_shape)


class ToyDiscriminator(Discriminator):
    def __init__(self, keepdim: bool = False) -> None:
        super().__init__()
        self.image_shape, self.keepdim = (1, 4, 4), keepdim
        self.linear = nn.Linear(16, 1)

    def forward(self, images, labels=None):
        score = self.linear(images.flatten(1))
        return score if self.keepdim else score.squeeze(1)


class ToyEncoder(Encoder):
    def __init__(self, variational: bool = True, latent_dim: int = 2) -> None:
        super().__init__()
        self.latent_dim, self.image_shape, self.variational = 2, (1, 4, 4), variational
        self.linear = nn.Linear(16, 2 * latent_dim)

    def forward(self, images):
        mean, log_var = self.linear(images.flatten(1)).chunk(2, dim=1)
        return LatentDistribution(mean, log_var) if self.variational else mean


class ToyDecoder(Decoder):
    def __init__(self) -> None:
        super().__init__()
        self.latent_dim, self.image_shape = 2, (1, 4, 4)
        self.linear = nn.Linear(2, 16)

    def forward(self, z):
        return torch.tanh(self.linear(z)).view(len(z), 1, 4, 4)


class ToyClassifier(Classifier):
    def __init__(self, class_names=("cat", "dog")) -> None:
        super().__init__()
        self.class_names, self.image_shape = tuple(class_names), (1, 4, 4)
        self.body, self.head = nn.Linear(16, 5), nn.Linear(5, 2)

    def features(self, images):
        return torch.relu(self.body(images.flatten(1)))

    def forward(self, images):
        return self.head(self.features(images))


@pytest.mark.parametrize(
    ("role", "module"),
    [
        ("generator", ToyGenerator()),
        ("discriminator", ToyDiscriminator()),
        ("encoder", ToyEncoder()),
        ("encoder", ToyEncoder(variational=False)),
        ("decoder", ToyDecoder()),
        ("classifier", ToyClassifier()),
    ],
)
def test_conforming_components_pass(role, module):
    check_component(role, module)


@pytest.mark.parametrize(
    ("role", "module", "message"),
    [
        (
            "generator",
            ToyGenerator(shape=(1, 8, 2)),
            r"returned shape \(3, 1, 8, 2\); expected \(3, 1, 4, 4\)",
        ),
        ("generator", ToyGenerator(scale=3.0), "images must lie in \\[-1, 1\\]"),
        ("generator", ToyGenerator(noisy=True), "not deterministic for a fixed seed"),
        (
            "discriminator",
            ToyDiscriminator(keepdim=True),
            r"returned shape \(3, 1\); expected \(3,\)",
        ),
        ("encoder", ToyEncoder(latent_dim=3), r"encoder\(images\) mean returned shape \(3, 3\)"),
        ("classifier", ToyClassifier(class_names=("a", "b", "c")), r"expected \(3, 3\)"),
        ("classifier", ToyClassifier(class_names=()), "class_names must be a non-empty"),
        ("decoder", ToyGenerator(), "the decoder must subclass genzoo.Decoder"),
    ],
)
def test_broken_components_fail_the_conformance_check(role, module, message):
    with pytest.raises(ConformanceError, match=message):
        check_component(role, module)


def test_check_restores_training_mode():
    generator = ToyGenerator().train()
    check_component("generator", generator)
    assert generator.training


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"image_shape": (3, 32, 32)},
        {"image_shape": (1, 64, 64), "base_channels": 8},
        {"num_classes": 10},
        {"image_shape": [3, 48, 48], "latent_dim": 16, "num_classes": 3},
        {"minibatch_std": True},
        {"minibatch_std": True, "num_classes": 10},
    ],
)
def test_dcgan_builds_and_conforms(config):
    model = genzoo.build("dcgan", **config)
    check_model(model)
    assert set(model) == {"generator", "discriminator"}
    assert model.generator.image_shape == tuple(config.get("image_shape", (1, 28, 28)))


def test_minibatch_std_shows_the_discriminator_its_batch_spread():
    from genzoo.plugins.dcgan.model import MinibatchStd

    same = torch.ones(4, 3, 2, 2)
    varied = torch.randn(4, 3, 2, 2, generator=torch.Generator().manual_seed(0))
    assert MinibatchStd()(same)[:, 3].abs().max() < 1e-3  # identical images: no spread
    spread = MinibatchStd()(varied)
    assert spread.shape == (4, 4, 2, 2) and torch.equal(spread[:, :3], varied)
    expected = varied.std(dim=0, unbiased=False).mean()
    assert torch.allclose(spread[:, 3], expected.expand(4, 2, 2), atol=1e-4)


def test_every_registered_model_builds_with_its_declared_parameter_count():
    for name in genzoo.list_models():
        model = genzoo.build(name)
        check_model(model)
        declared = genzoo.registry().model(name).parameters
        assert declared == sum(p.numel() for p in model.parameters()), name


def test_sampling_is_seeded_and_validates_its_arguments():
    generator = genzoo.build("dcgan", num_classes=10, base_channels=8).generator
    assert torch.equal(generator.sample(4, seed=1), generator.sample(4, seed=1))
    assert not torch.equal(generator.sample(4, seed=1), generator.sample(4, seed=2))
    assert generator.sample(0).shape == (0, 1, 28, 28)
    same_label = generator.sample(3, labels=7, seed=0)
    assert torch.equal(same_label, generator.sample(3, labels=[7, 7, 7], seed=0))
    with pytest.raises(BadInputError, match="n must be a whole number >= 0"):
        generator.sample(-3)
    with pytest.raises(BadInputError, match="batch_size must be a whole number >= 1, got 0"):
        generator.sample(3, batch_size=0)
    with pytest.raises(BadInputError, match=r"labels must lie in \[0, 9\]"):
        generator.sample(2, labels=[0, 10])
    with pytest.raises(BadInputError, match="got 2 labels for 3 images"):
        generator.sample(3, labels=[1, 2])
    unconditional = genzoo.build("dcgan", base_channels=8).generator
    with pytest.raises(BadInputError, match="unconditional"):
        unconditional.sample(2, labels=[1, 2])


def test_latent_distribution_sample_is_reparameterised():
    mean, log_var = torch.zeros(4, 2, requires_grad=True), torch.zeros(4, 2)
    z = LatentDistribution(mean, log_var).sample(torch.Generator().manual_seed(0))
    z.sum().backward()
    assert z.shape == (4, 2) and mean.grad is not None


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (
            lambda: genzoo.build("dcgan", latnt_dim=3),
            BadInputError,
            r"config keys \['latnt_dim'\] are accepted by no component of 'dcgan'",
        ),
        (lambda: genzoo.build("dcgan", image_shape=(1, 28, 30)), BadInputError, "square images"),
        (lambda: genzoo.build("dcgan", image_shape=(1, 7, 7)), BadInputError, "cannot be reached"),
        (
            lambda: build_components(genzoo.registry().architecture("dcgan"), roles=["encoder"]),
            BadInputError,
            "has no encoder; it has generator, discriminator",
        ),
        (
            lambda: build_components(
                Architecture(name="x", family="gan", components={"generator": "torch.nn:Linear"})
            ),
            GenzooError,
            "torch.nn:Linear is not a subclass of genzoo.Generator",
        ),
        (
            lambda: build_components(
                Architecture(name="x", family="gan", components={"generator": "nope.mod:G"})
            ),
            GenzooError,
            "cannot import 'nope.mod'",
        ),
        (
            lambda: build_components(
                Architecture(name="x", family="gan", components={"generator": "torch:Nope"})
            ),
            GenzooError,
            "'torch' has no attribute 'Nope'",
        ),
    ],
)
def test_build_errors_say_what_is_wrong(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_build_only_some_roles():
    model = build_components(genzoo.registry().architecture("dcgan"), roles=["generator"])
    assert list(model) == ["generator"]
    assert model.name == "dcgan" and model.config["latent_dim"] == 100
