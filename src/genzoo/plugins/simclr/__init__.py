"""The SimCLR plugin: a self-supervised encoder, the zoo's second, label-free feature space."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl

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


# Trained as an evaluator: the second feature space of its dataset (DatasetEntry's
# label_free_evaluator), where every generator's FD is also reported.
_MODELS: dict[str, dict[str, Any]] = {
    "fashion-mnist": {
        "recipe": {"epochs": 6, "batch_size": 256, "seed": 0},
        "config_sha256": "63e8132f1b67a43735aaf3f8a83d2100a9e7de6841c4db922f630fd2b2014376",
        "sha256": {"encoder": "8dae86e8e7ef69b595b756b7f63a2e45040bec29ab1b3abe310454834aad5f18"},
        "metrics": {"knn_accuracy": 0.7364},
    },
}


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    for dataset, pinned in _MODELS.items():
        register(
            PretrainedModel(
                name=f"simclr-{dataset}",
                architecture="simclr",
                repo_id=f"genzoo/simclr-{dataset}",
                dataset=dataset,
                license="mit",
                paper=PAPER,
                description=f"Self-supervised encoder of {dataset} (SimCLR, no labels): the "
                "label-free feature space generators are also measured in",
                parameters=438_496,
                **pinned,
            )
        )
