"""The DCGAN plugin: registration only; the model code lives in `.model` and loads lazily."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.data.classes import FASHION_MNIST_CLASSES
from genzoo.plugins.hookspecs import hookimpl

PAPER = "https://arxiv.org/abs/1511.06434"  # Radford, Metz & Chintala 2016
_MODEL = "genzoo.plugins.dcgan.model"
_CONFIG_28 = {"latent_dim": 100, "image_shape": [1, 28, 28], "base_channels": 64, "num_classes": 0}


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="dcgan",
            family="gan",
            components={
                "generator": f"{_MODEL}:DCGANGenerator",
                "discriminator": f"{_MODEL}:DCGANDiscriminator",
            },
            config=_CONFIG_28,
            description="Deep convolutional GAN: transposed-conv generator, strided-conv "
            "discriminator, batch norm; any square image size, optional class labels",
            paper=PAPER,
            trainer="genzoo.train.adversarial:AdversarialTrainer",
        )
    )


# The published weights, trained by the recipe below on the CPU (hub/genzoo/<name>/README.md).
# MNIST cannot be obtained on the machines that build the zoo: dcgan-mnist has no weights;
# `genzoo train dcgan-mnist --data DIR` makes them from MNIST IDX files you have.
_SHA256: dict[str, dict[str, str]] = {
    "fashion-mnist": {
        "generator": "7a584556859fbab4c3747886f1fb014353edf2187a77a8a02138ed5ff75dab3b",
        "discriminator": "677c37e413c3a9876c0a2bfafc8fcd1d42896e6e136c8a6ac6af1e4ad3eb52a7",
    },
}
_CONFIG_SHA256 = {  # config.json, pinned like the weights: it holds class names, probes
    "fashion-mnist": "10959df83d5853dda6d4b210905fe94c07f13726305a69e4d772c4af269feb42",
}
# genzoo evaluate (resnet18-fashion-mnist features), 10,000 samples, seed 0
_METRICS: dict[str, dict[str, float]] = {
    "fashion-mnist": {
        "frechet_distance": 8.815,
        "kernel_distance": 0.01445,
        "inception_score": 4.203,
        "precision": 0.6712,
        "recall": 0.4996,
        "density": 0.6074,
        "coverage": 0.4166,
    },
}


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    for dataset in ("mnist", "fashion-mnist"):
        register(
            PretrainedModel(
                name=f"dcgan-{dataset}",
                architecture="dcgan",
                repo_id=f"genzoo/dcgan-{dataset}",
                config=_CONFIG_28,
                dataset=dataset,
                license="mit",
                paper=PAPER,
                description=f"DCGAN trained on {dataset} (28x28 grayscale)",
                parameters=898_370,
                # Batch 64: twice the updates of batch 128 in the baseline's 10 epochs
                # (FD 6.32 -> 4.92 on fashion-mnist).
                recipe={"epochs": 10, "batch_size": 64, "seed": 0},
                sha256=_SHA256.get(dataset, {}),
                config_sha256=_CONFIG_SHA256.get(dataset, ""),
                metrics=_METRICS.get(dataset, {}),
            )
        )
    register(
        PretrainedModel(
            name="cdcgan-fashion-mnist",
            architecture="dcgan",
            repo_id="genzoo/cdcgan-fashion-mnist",
            config={**_CONFIG_28, "num_classes": 10, "class_names": list(FASHION_MNIST_CLASSES)},
            dataset="fashion-mnist",
            license="mit",
            paper=PAPER,
            description="class-conditional DCGAN on fashion-mnist: sample by class name "
            "(genzoo sample cdcgan-fashion-mnist --label sneaker)",
            parameters=1_023_810,
            recipe={"epochs": 10, "batch_size": 128, "seed": 0},
            config_sha256="1f44ecdd0bf9c466e9583ef39cc1a4075219db484b859e190c26bfec4d56c9b4",
            sha256={
                "generator": "1f3ff15cdaa11630d05bf150b39d7ae4780b1ee197c0b492acccb8660cab2834",
                "discriminator": "bf2783baf1173bf9c8e850db8fdfd63605e69e638cabec2b62016ec50d2de1db",
            },
            # genzoo evaluate (resnet18 features), 10,000 samples (1,000 per class), seed 0
            metrics={
                "frechet_distance": 3.291,
                "kernel_distance": 0.004575,
                "inception_score": 6.086,
                "precision": 0.7753,
                "recall": 0.4448,
                "density": 0.8346,
                "coverage": 0.6201,
                "classification_accuracy_score": 0.9057,
            },
        )
    )
