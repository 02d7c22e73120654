"""The VAE plugin: a convolutional variational autoencoder. Registration only."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl
from genzoo.plugins.tables import published_models

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
                "prior_hidden_dim": 0,  # > 0: a learned prior, the two-stage VAE's second stage
            },
            description="Convolutional VAE: strided-conv encoder to a Gaussian posterior, "
            "transposed-conv Bernoulli decoder; beta configurable (--set beta=4); "
            "--set prior_hidden_dim=512 learns its prior (two-stage VAE)",
            paper=PAPER,
            trainer="genzoo.train.variational:VariationalTrainer",
        )
    )


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    from . import published  # the table, imported when the registry is built

    for model in published_models(published.DEFAULTS, published.MODELS):
        register(model)
