"""The PixelRNN plugin: an autoregressive image model of two LSTMs. Registration only."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl
from genzoo.plugins.tables import published_models

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


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    from . import published  # the table, imported when the registry is built

    for model in published_models(published.DEFAULTS, published.MODELS):
        register(model)
