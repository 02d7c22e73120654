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
            # published weights (hub/genzoo/vae-fashion-mnist): this recipe on the CPU
            config_sha256="09f6ee6e0dbcf3e0a90978090e3b88e92799708dc92312c8486c7c745abcb3aa",
            sha256={
                "encoder": "cbf1ef43b2072a96e62fe6f91565c0d3919a8d8c7fbf9328e0fdca5bf088d3cf",
                "decoder": "241e54e2b90a7c9f5332a01f2f76e8364ecaa5507953dd78e875c195c1e2fca5",
            },
            # genzoo evaluate: test-set bound in nats/image; the rest on 10,000 samples, seed 0
            metrics={
                "negative_elbo": 239.2,
                "reconstruction_nll": 223.3,
                "kl": 15.88,
                "frechet_distance": 18.03,
                "kernel_distance": 0.04701,
                "inception_score": 3.835,
                "precision": 0.6011,
                "recall": 0.1404,
                "density": 0.4892,
                "coverage": 0.2844,
            },
        )
    )
