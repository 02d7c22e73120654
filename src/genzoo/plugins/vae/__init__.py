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


_FLOW_PRIOR_CONFIG = {
    "latent_dim": 32,
    "image_shape": [1, 28, 28],
    "base_channels": 64,
    "hidden_dim": 512,
    "prior_hidden_dim": 512,
}
_RECIPE = {"epochs": 10, "batch_size": 128, "seed": 0, "beta": 0.1, "schedule": "cosine"}


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
            description="Convolutional VAE (beta 0.1, 32-d latent, flow prior) trained on "
            "fashion-mnist",
            parameters=9_045_697,
            config=_FLOW_PRIOR_CONFIG,
            # beta 0.1 for sharp codes, a flow prior to sample them (module docstring)
            recipe=_RECIPE,
            # published weights (hub/genzoo/vae-fashion-mnist): this recipe on the CPU
            config_sha256="c11734ed16fbeafd28291e89832047ec417dad292715e9a043f781de37707043",
            sha256={
                "encoder": "c1510d954dff1cc7a526a5797cfc171e8164ff852ee52251957bfd2de9ba9a45",
                "decoder": "dbd9c6a81441b8f558c8bc23b32c4cfb7bcd72670bd25d88db9f8690cce20604",
            },
            # genzoo evaluate: test-set bound (against N(0, I), at beta 1) in nats/image; the
            # rest on 10,000 samples through the flow prior, seed 0
            metrics={
                "negative_elbo": 266.8,
                "reconstruction_nll": 207.4,
                "kl": 59.35,
                "frechet_distance": 7.868,
                "kernel_distance": 0.01989,
                "inception_score": 4.977,
                "precision": 0.7633,
                "recall": 0.3455,
                "density": 0.7677,
                "coverage": 0.5735,
            },
        )
    )
    register(
        PretrainedModel(
            name="vae-mnist",
            architecture="vae",
            repo_id="genzoo/vae-mnist",
            dataset="mnist",
            license="mit",
            paper=PAPER,
            description="Convolutional VAE (beta 0.1, 32-d latent, flow prior) trained on mnist",
            parameters=9_045_697,
            config=_FLOW_PRIOR_CONFIG,
            recipe=_RECIPE,  # vae-fashion-mnist's; 21.5 min on one shared CPU core
            config_sha256="05aaaacbeaf9db9ae20142b7b2547cf2bd8cd92a37b356569ef5f9b12b5b3dc6",
            sha256={
                "encoder": "9e0f2c9dcbadd7d8450314cbeeb8921c93ce69e261bfa63be864e9fdd1e4a7a9",
                "decoder": "04f66e9a7f917905aedc52991e8bd262153213ccaaf8e8e1ff98254a44d5f81c",
            },
            # genzoo evaluate: the test bound (against N(0, I)) in nats/image; the rest on
            # 10,000 samples through the flow prior, seed 0, resnet18-mnist features
            metrics={
                "negative_elbo": 125.8,
                "reconstruction_nll": 56.18,
                "kl": 69.63,
                "frechet_distance": 2.65,
                "kernel_distance": 0.0066,
                "inception_score": 5.82,
                "precision": 0.7603,
                "recall": 0.7409,
                "density": 0.7304,
                "coverage": 0.8171,
            },
        )
    )
