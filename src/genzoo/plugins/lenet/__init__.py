"""The LeNet plugin: a small CNN classifier (the datasets' evaluators are resnet18s)."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl
from genzoo.plugins.tables import published_models

PAPER = "http://yann.lecun.com/exdb/publis/pdf/lecun-01a.pdf"  # LeCun et al. 1998


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="lenet5",
            family="classifier",
            components={"classifier": "genzoo.plugins.lenet.model:LeNet5"},
            config={"image_shape": [1, 28, 28], "width": 32, "feature_dim": 128},
            description="LeNet-style CNN: two conv+pool stages (batch norm), two dense layers; "
            "its 128-d penultimate features were genzoo's first evaluator's",
            paper=PAPER,
            trainer="genzoo.train.supervised:SupervisedTrainer",
            training={"lr": 2e-3, "weight_decay": 5e-4},
        )
    )


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    from . import published  # the table, imported when the registry is built

    for model in published_models(published.DEFAULTS, published.MODELS):
        register(model)
