"""The VAE plugin: a convolutional variational autoencoder. Registration only."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl

PAPER = "https://arxiv.org/abs/1312.6114"  # Kingma & Welling 2014
_MODEL = "genzoo.plugins.vae.model"


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="vae",
            family="vae",
            components={"encoder": f"{_MODEL}:ConvEncoder", "decoder": f"{_MODEL}:ConvDecoder"},
            config={
                "latent_dim": 32,
                "image_shape": [1, 28, 28],
                "base_channels": 32,
                "hidden_dim": 256,
            },
            description="Convolutional VAE: strided-conv encoder to a Gaussian posterior, "
            "transposed-conv Bernoulli decoder; beta configurable (--set beta=4)",
            paper=PAPER,
            trainer="genzoo.train.variational:VariationalTrainer",
        )
    )


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    register(
        PretrainedModel(
            name="vae-fashion-mnist",
            architecture="vae",
            repo_id="genzoo/vae-fashion-mnist",
            dataset="fashion-mnist",
            license="mit",
            paper=PAPER,
            description="Convolutional VAE (beta 1, 32-d latent) trained on fashion-mnist",
            parameters=1_700_609,
            recipe={"epochs": 10, "batch_size": 128, "seed": 0},
        )
    )
