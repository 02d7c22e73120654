"""The WGAN-GP plugin: DCGAN's networks with a layer-normalised critic, trained on the
Wasserstein objective with gradient penalty. Registration only."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl
from genzoo.plugins.tables import published_models

PAPER = "https://arxiv.org/abs/1704.00028"  # Gulrajani et al. 2017
_DCGAN = "genzoo.plugins.dcgan.model"


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="wgan-gp",
            family="gan",
            components={
                "generator": f"{_DCGAN}:DCGANGenerator",
                "discriminator": f"{_DCGAN}:DCGANDiscriminator",
            },
            config={
                "latent_dim": 100,
                "image_shape": [1, 28, 28],
                "base_channels": 64,
                "num_classes": 0,
                "norm": "layer",
            },
            description="Wasserstein GAN with gradient penalty: DCGAN generator, "
            "layer-normalised critic, 5 critic steps per generator step by default (n_critic); "
            "--set gp_every=4 makes the penalty lazy",
            paper=PAPER,
            trainer="genzoo.train.wasserstein:WassersteinGPTrainer",
        )
    )


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    from . import published  # the table, imported when the registry is built

    for model in published_models(published.DEFAULTS, published.MODELS):
        register(model)
