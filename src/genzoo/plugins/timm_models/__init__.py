"""The timm plugin: any timm architecture as a genzoo Classifier or Encoder.

`timm/<arch>` is a classifier and `timm-features/<arch>` an encoder, for every
<arch> that `timm.list_models()` knows. They are made on demand
(`resolve_architecture`), so listing the catalog never imports timm; only
timm/resnet18, which a published model names, is registered up front. A pattern
that names the namespace (`genzoo list -a 'timm/conv*'`) lists timm's names.
"""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.core.errors import UnknownNameError
from genzoo.plugins.hookspecs import hookimpl

PAPER = "https://arxiv.org/abs/1512.03385"  # He et al. 2016, for resnet18
TIMM = "https://github.com/huggingface/pytorch-image-models"
_MODEL = "genzoo.plugins.timm_models.model"
# namespace -> (role, class, family)
_KINDS = {
    "timm": ("classifier", "TimmClassifier", "classifier"),
    "timm-features": ("encoder", "TimmEncoder", "encoder"),
}


def timm_architecture(namespace: str, model_name: str) -> Architecture:
    role, cls, family = _KINDS[namespace]
    return Architecture(
        name=f"{namespace}/{model_name}",
        family=family,
        components={role: f"{_MODEL}:{cls}"},
        config={"model_name": model_name, "image_shape": [1, 28, 28], "small_stem": True},
        description=f"timm's {model_name} (timm.create_model, random init) as a genzoo "
        f"{cls.removeprefix('Timm')}; ResNet stems adapted to 28x28",
        paper=PAPER if model_name == "resnet18" else TIMM,
        trainer="genzoo.train.supervised:SupervisedTrainer" if role == "classifier" else "",
    )


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(timm_architecture("timm", "resnet18"))


@hookimpl
def resolve_architecture(name: str) -> Architecture | None:
    namespace, _, model_name = name.partition("/")
    if namespace not in _KINDS or not model_name:
        return None
    import timm  # only now: importing timm takes seconds

    if not timm.is_model(model_name):
        raise UnknownNameError("timm architecture", model_name, timm.list_models())
    return timm_architecture(namespace, model_name)


@hookimpl
def list_on_demand(pattern: str) -> list[str]:
    namespace, _, model_pattern = pattern.partition("/")
    if namespace not in _KINDS or not model_pattern:
        return []
    import timm

    return [f"{namespace}/{name}" for name in timm.list_models(model_pattern)]


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    register(
        PretrainedModel(
            name="resnet18-fashion-mnist",
            architecture="timm/resnet18",
            repo_id="genzoo/resnet18-fashion-mnist",
            dataset="fashion-mnist",
            license="mit",
            paper=PAPER,
            description="timm ResNet-18 (3x3 stride-1 stem, then timm's max-pool: the first "
            "stage sees 14x14) classifying fashion-mnist",
            config={**timm_architecture("timm", "resnet18").config, "keep_maxpool": True},
            # Without the max-pool (the first stage at 28x28) an epoch takes ~61 min on one
            # CPU core; with it, ~11.5 min on two. 5 epochs reached 0.921; these 10: 0.932.
            parameters=11_172_810,
            recipe={"epochs": 10, "batch_size": 128, "seed": 0},
            config_sha256="af7c36b6014c8559fc21df23b4ea08bd587ea8668fa3c2ca7e8afdf6e7ec04a9",
            sha256={
                "classifier": "6b33b119d3292a339afae32fddc4353a795a78cdebdb498fece2cb74f5ffff33"
            },
            metrics={"accuracy": 0.932},  # float32; the published float16 weights: 0.9323
        )
    )
    register(
        PretrainedModel(
            name="resnet18-mnist",
            architecture="timm/resnet18",
            repo_id="genzoo/resnet18-mnist",
            dataset="mnist",
            license="mit",
            paper=PAPER,
            description="timm ResNet-18 (the Fashion-MNIST evaluator's stem) classifying mnist; "
            "the evaluator of the MNIST generators",
            config={**timm_architecture("timm", "resnet18").config, "keep_maxpool": True},
            parameters=11_172_810,
            # no flips: a mirrored digit is another digit, or none. 3 epochs, 35 min on one
            # shared CPU core; published in float16 (genzoo push --half), as is Fashion-MNIST's
            recipe={"epochs": 3, "batch_size": 128, "seed": 0, "flip": False},
            config_sha256="ce070933c073efcc087ae2b3e9e0c7219817cbe90607028533f5fbfd457dc15a",
            sha256={
                "classifier": "2c867a911704042f2dde64c437b4dc37bc62ca26e1f60183a8eb3b8ae3141261"
            },
            metrics={"accuracy": 0.9948},  # float32 and the published float16 weights alike
        )
    )
