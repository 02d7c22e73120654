"""The DCGAN plugin: registration only; the model code lives in `.model` and loads lazily."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl

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
    # No sha256 pins yet: the weights are published by the pretrained-zoo work.
    for dataset in ("mnist", "fashion-mnist"):
        register(
            PretrainedModel(
                name=f"dcgan-{dataset}",
                architecture="dcgan",
                repo_id=f"genzoo/dcgan-{dataset}",
                config=_CONFIG_28,
                dataset=dataset,
                license="mit",
                paper=PAPER,
                description=f"DCGAN trained on {dataset} (28x28 grayscale)",
                parameters=898_370,
                recipe={"epochs": 20, "batch_size": 128, "seed": 0},
            )
        )
