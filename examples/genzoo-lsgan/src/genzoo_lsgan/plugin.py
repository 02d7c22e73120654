"""Registration only: classes are named as strings, so `genzoo list` imports no torch."""

from __future__ import annotations

from collections.abc import Callable

from genzoo import Architecture, hookimpl

GENZOO_PLUGIN_API = 1  # the version of genzoo's plugin contract this plugin targets


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="lsgan",
            family="gan",
            components={
                "generator": "genzoo_lsgan.model:ResizeConvGenerator",
                "discriminator": "genzoo_lsgan.model:ConvDiscriminator",
            },
            config={"latent_dim": 64, "image_shape": [1, 28, 28], "channels": 64},
            description="Least-squares GAN: resize-convolution generator, strided-conv "
            "discriminator, least-squares losses",
            paper="https://arxiv.org/abs/1611.04076",
            trainer="genzoo_lsgan.trainer:LeastSquaresTrainer",
        )
    )
