"""The DCGAN plugin: registration only; the model code lives in `.model` and loads lazily."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl
from genzoo.plugins.tables import published_models

PAPER = "https://arxiv.org/abs/1511.06434"  # Radford, Metz & Chintala 2016
_MODEL = "genzoo.plugins.dcgan.model"
_CONFIG_28 = {"latent_dim": 100, "image_shape": [1, 28, 28], "base_channels": 64, "num_classes": 0}


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="dcgan",
            family="gan",
            components={
                "generator": f"{_MODEL}:DCGANGenerator",
                "discriminator": f"{_MODEL}:DCGANDiscriminator",
            },
            config=_CONFIG_28,
            description="Deep convolutional GAN: transposed-conv generator, strided-conv "
            "discriminator, batch norm; any square image size, optional class labels",
            paper=PAPER,
            trainer="genzoo.train.adversarial:AdversarialTrainer",
        )
    )


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    from . import published  # the table, imported when the registry is built

    for model in published_models(published.DEFAULTS, published.MODELS, _CONFIG_28):
        register(model)
