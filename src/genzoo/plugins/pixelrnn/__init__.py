"""The PixelRNN plugin: an autoregressive image model of two LSTMs. Registration only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl

PAPER = "https://arxiv.org/abs/1601.06759"  # van den Oord, Kalchbrenner & Kavukcuoglu 2016


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="pixelrnn",
            family="recurrent",
            components={"generator": "genzoo.plugins.pixelrnn.model:PixelRNN"},
            config={
                "image_shape": [1, 28, 28],
                "state_dim": 64,
                "hidden_dim": 128,
                "levels": 256,
                "mixtures": 0,  # > 0: discretised logistics (PixelCNN++) for the softmax
            },
            description="PixelRNN-style autoregressive model: a column LSTM down the rows and "
            "a row LSTM along each, a 256-way softmax per pixel; exact bits/dim, samples "
            "drawn pixel by pixel (genzoo sample --steps-gif shows the rows filling in)",
            paper=PAPER,
            trainer="genzoo.train.autoregressive:LikelihoodTrainer",
        )
    )


def _fashion_mnist(**fields: Any) -> PretrainedModel:
    """A published model of the default configuration trained on fashion-mnist."""
    return PretrainedModel(
        architecture="pixelrnn",
        dataset="fashion-mnist",
        license="mit",
        paper=PAPER,
        parameters=265_088,
        **fields,
    )


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    register(
        _fashion_mnist(
            name="pixelrnn-fashion-mnist",
            repo_id="genzoo/pixelrnn-fashion-mnist",
            description="PixelRNN-style column and row LSTMs, a 256-way softmax per pixel, "
            "trained on fashion-mnist for 15 epochs: exact likelihood, 2.903 bits/dim",
            # 10 more epochs (a fresh cosine schedule) from the 5-epoch weights, 161 min on
            # two CPU threads: FD 19.42 -> 9.85; the card has FD against epochs
            recipe={
                "epochs": 10,
                "batch_size": 64,
                "seed": 0,
                "init_from": "pixelrnn-fashion-mnist-5ep",
            },
            config_sha256="c43d7129f506fa8cdaa46821bc84422d0e398aa4bec6b84cb8d47b6835f7dab4",
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
            description="pixelrnn-fashion-mnist after its first 5 epochs (3.075 bits/dim): "
            "where its recipe starts",
            # 5 epochs, not converged (FD at 2,000 samples: 30.6 after 1 epoch, 26.6 after
            # 2, 19.4 at 10,000 after 5); 14 min an epoch on two CPU threads. Published as
            # pixelrnn-fashion-mnist until that was trained 10 epochs further.
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
