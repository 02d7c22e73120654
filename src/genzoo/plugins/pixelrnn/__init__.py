"""The PixelRNN plugin: an autoregressive image model of two LSTMs. Registration only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl

PAPER = "https://arxiv.org/abs/1601.06759"  # van den Oord, Kalchbrenner & Kavukcuoglu 2016
_REFERENCE_CONFIG = {
    "image_shape": [1, 28, 28],
    "state_dim": 64,
    "hidden_dim": 128,
    "levels": 256,
    "mixtures": 0,  # > 0: discretised logistics (PixelCNN++) for the softmax
}


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="pixelrnn",
            family="recurrent",
            components={"generator": "genzoo.plugins.pixelrnn.model:PixelRNN"},
            config=_REFERENCE_CONFIG,
            description="PixelRNN-style autoregressive model: a column LSTM down the rows and "
            "a row LSTM along each, a 256-way softmax per pixel; exact bits/dim, samples "
            "drawn pixel by pixel (genzoo sample --steps-gif shows the rows filling in)",
            paper=PAPER,
            trainer="genzoo.train.autoregressive:LikelihoodTrainer",
        )
    )


def _fashion_mnist(**fields: Any) -> PretrainedModel:
    """A published model trained on fashion-mnist (the reference configuration unless
    `config` says otherwise)."""
    fields.setdefault("parameters", 265_088)
    return PretrainedModel(
        architecture="pixelrnn", dataset="fashion-mnist", license="mit", paper=PAPER, **fields
    )


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    register(
        _fashion_mnist(
            name="pixelrnn-fashion-mnist",
            repo_id="genzoo/pixelrnn-fashion-mnist",
            config={**_REFERENCE_CONFIG, "state_dim": 96, "hidden_dim": 192},
            parameters=569_536,
            description="PixelRNN-style column and row LSTMs (96 and 192 units), a 256-way "
            "softmax per pixel, trained on fashion-mnist for 10 epochs: exact likelihood, "
            "2.879 bits/dim",
            recipe={"epochs": 10, "batch_size": 64, "seed": 0},
            config_sha256="33c9093eed004cf519c1273fe5399552264228bc16bf1cfee1ed941367378f9c",
            sha256={
                "generator": "75dbae4d8a298113fa35a0cc335e23af807e9ef972eac3fb17fa3d456e31771b",
            },
            metrics={  # genzoo evaluate (resnet18-fashion-mnist features), 10,000 samples, seed 0
                "bits_per_dim": 2.879,
                "negative_log_likelihood": 1564.0,
                "frechet_distance": 7.48,
                "kernel_distance": 0.01270,
                "inception_score": 4.678,
                "precision": 0.7303,
                "recall": 0.7152,
                "density": 0.6586,
                "coverage": 0.4669,
            },
        )
    )
    register(
        _fashion_mnist(
            name="pixelrnn-fashion-mnist-small",
            repo_id="genzoo/pixelrnn-fashion-mnist-small",
            description="PixelRNN-style column and row LSTMs of the reference size (64 and "
            "128 units), trained on fashion-mnist for 15 epochs: 2.903 bits/dim",
            # 10 more epochs (a fresh cosine schedule) from the 5-epoch weights
            recipe={
                "epochs": 10,
                "batch_size": 64,
                "seed": 0,
                "init_from": "pixelrnn-fashion-mnist-5ep",
            },
            config_sha256="528cf1209d32ab008b5d9b68d652d573d14af5616e96d20402a3da45b1d06746",
            sha256={
                "generator": "9422afa0534ee236cfcc0dfa99fe3f7edf504e6f1c7f529cceccf69cf9eea918",
            },
            metrics={  # genzoo evaluate (resnet18-fashion-mnist features), 10,000 samples, seed 0
                "bits_per_dim": 2.903,
                "negative_log_likelihood": 1578.0,
                "frechet_distance": 9.85,
                "kernel_distance": 0.01690,
                "inception_score": 4.339,
                "precision": 0.7160,
                "recall": 0.6885,
                "density": 0.6287,
                "coverage": 0.3945,
            },
        )
    )
    register(
        _fashion_mnist(
            name="pixelrnn-fashion-mnist-5ep",
            repo_id="genzoo/pixelrnn-fashion-mnist-5ep",
            description="pixelrnn-fashion-mnist-small after its first 5 epochs (3.075 "
            "bits/dim): where its recipe starts",
            # 5 epochs, not converged (FD at 2,000 samples: 30.6 after 1 epoch, 26.6 after
            # 2, 19.4 at 10,000 after 5); 14 min an epoch on two CPU threads. Published as
            # pixelrnn-fashion-mnist until trained 10 epochs further (now -small).
            recipe={"epochs": 5, "batch_size": 64, "seed": 0},
            config_sha256="9b03b1553119f54aa699e1429db083e21aaefb2d5b7ba58bcf8d7d7f9c63fc97",
            sha256={
                "generator": "9964d774dc45a75d5776c00494acdf03492cf6d50a1e63e2429eab9530fc1986",
            },
            metrics={  # genzoo evaluate (resnet18-fashion-mnist features), 10,000 samples, seed 0
                "bits_per_dim": 3.075,
                "negative_log_likelihood": 1671.0,
                "frechet_distance": 19.42,
                "kernel_distance": 0.04111,
                "inception_score": 3.340,
                "precision": 0.6823,
                "recall": 0.5108,
                "density": 0.5537,
                "coverage": 0.1931,
            },
        )
    )
