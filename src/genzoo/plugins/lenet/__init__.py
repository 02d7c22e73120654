"""The LeNet plugin: a small CNN classifier (the datasets' evaluators are resnet18s)."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl

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
    register(
        PretrainedModel(
            name="lenet5-fashion-mnist",
            architecture="lenet5",
            repo_id="genzoo/lenet5-fashion-mnist",
            dataset="fashion-mnist",
            license="mit",
            paper=PAPER,
            description="LeNet-style classifier of Fashion-MNIST (the evaluator of genzoo 0.1; "
            "resnet18-fashion-mnist's features see blur that its features miss)",
            # The published weights: 10 epochs, then extended to 15 with --resume, at a
            # constant rate (pinned: made before the trainer's cosine schedule). That resume
            # re-seeded the dropout masks (checkpoints did not yet keep torch's generator), so
            # the recipe reproduces them closely, not bit for bit.
            recipe={"epochs": 15, "batch_size": 128, "seed": 0, "schedule": "constant"},
            config_sha256="492e6f3d741bac5394f58464d6054c56df2ff1e872328f7dea161f95e5cf7802",
            sha256={
                "classifier": "a9063ed2e94ff563bac603802b6f6674110670ca3f78898e10405c26c2c15de5"
            },
            parameters=496_234,
            metrics={"accuracy": 0.9133},
        )
    )
    register(
        PretrainedModel(
            name="lenet5-mnist",
            architecture="lenet5",
            repo_id="genzoo/lenet5-mnist",
            dataset="mnist",
            license="mit",
            paper=PAPER,
            description="LeNet-style classifier of MNIST digits",
            # no flips: a mirrored digit is another digit, or none; 11.5 min on one shared core
            recipe={"epochs": 10, "batch_size": 128, "seed": 0, "flip": False},
            parameters=496_234,
            config_sha256="6f1671eaf513aafe0b555425321444eb843bfc7ae70989f422f6bdc4587caadf",
            sha256={
                "classifier": "5899d24b38d74f62a352881b17dc208b8796f16663780162381f48a6754e4b9a"
            },
            metrics={"accuracy": 0.9963},
        )
    )
