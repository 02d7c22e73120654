"""The SimCLR plugin: a self-supervised encoder, the zoo's second, label-free feature space."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl
from genzoo.plugins.tables import published_models

PAPER = "https://arxiv.org/abs/2002.05709"  # Chen et al. 2020, SimCLR


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="simclr",
            family="encoder",
            components={"encoder": "genzoo.plugins.simclr.model:SimCLREncoder"},
            config={"image_shape": [1, 28, 28], "width": 32, "feature_dim": 256},
            description="Self-supervised residual CNN (SimCLR: two crops of an image "
            "against the batch); its 256-d features are genzoo's label-free feature space",
            paper=PAPER,
            trainer="genzoo.train.contrastive:ContrastiveTrainer",
            training={"lr": 2e-3, "temperature": 0.2},
        )
    )


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    from . import published  # the table, imported when the registry is built

    for model in published_models(published.DEFAULTS, published.MODELS):
        register(model)
