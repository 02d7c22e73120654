"""The WGAN-GP plugin: DCGAN's networks with a layer-normalised critic, trained on the
Wasserstein objective with gradient penalty. Registration only."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl

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
    register(
        PretrainedModel(
            name="wgan-gp-fashion-mnist",
            architecture="wgan-gp",
            repo_id="genzoo/wgan-gp-fashion-mnist",
            dataset="fashion-mnist",
            license="mit",
            paper=PAPER,
            description="WGAN-GP trained on fashion-mnist (28x28 grayscale)",
            parameters=898_370,
            # 10 epochs, as the plain-loop baseline; the generator needs updates more than
            # the critic needs steps: 1 critic step, small batches, a lazy penalty
            recipe={"epochs": 10, "batch_size": 16, "seed": 0, "n_critic": 1, "gp_every": 4},
            config_sha256="9b1800afb94ce760b847b13a7244ec15334b87c276884ea72318a04af64ab469",
            sha256={
                "generator": "a0d15940e991b788c9b45477228ed8e5f5264b349fe2e047491ef7e9664723b4",
                "discriminator": "f58f7791be744a219e28427931839ed5a0723bbd4bb8f26418963f514530afaf",
            },
            metrics={  # genzoo evaluate (resnet18-fashion-mnist features), 10,000 samples, seed 0
                "frechet_distance": 7.862,
                "kernel_distance": 0.0134,
                "inception_score": 4.435,
                "precision": 0.7235,
                "recall": 0.4541,
                "density": 0.699,
                "coverage": 0.4601,
            },
        )
    )
