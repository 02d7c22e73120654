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
from genzoo.plugins.tables import published_models

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
    from . import published  # the table, imported when the registry is built

    for model in published_models(published.DEFAULTS, published.MODELS):
        register(model)
