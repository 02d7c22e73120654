"""The flow-matching plugin: a U-Net velocity field sampled by an ODE solver. Registration only."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl
from genzoo.plugins.tables import published_models

PAPER = "https://arxiv.org/abs/2210.02747"  # Lipman et al. 2023, Flow Matching
DISTILLATION = "https://arxiv.org/abs/2202.00512"  # Salimans & Ho 2022, Progressive Distillation
_CONFIG = {
    "image_shape": [1, 28, 28],
    "base_channels": 32,
    "channel_mults": [1, 2, 2],
    "attention": True,
    "num_classes": 0,
    # 10 Heun steps (19 network calls) against 20 Euler ones: closer to the exact ODE
    # solution, whose objects 20 Euler steps draw ~3% too dark (docs/results.md)
    "steps": 10,
    "solver": "heun",
}


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="flow",
            family="flow",
            components={"generator": "genzoo.plugins.flow.model:FlowGenerator"},
            config=_CONFIG,
            description="Flow matching / rectified flow: a small U-Net (time embedding, "
            "residual blocks, attention at the lowest resolution) integrated from noise by "
            "Euler or Heun steps; class-conditional with classifier-free guidance",
            paper=PAPER,
            trainer="genzoo.train.flow:FlowMatchingTrainer",
        )
    )
    register(
        Architecture(
            name="flow-distilled",
            family="flow",
            components={"generator": "genzoo.plugins.flow.model:FlowGenerator"},
            config={**_CONFIG, "steps": 4, "solver": "euler"},  # distilled for Euler's steps
            description="A flow distilled to few Euler steps (4 by default): progressive "
            "distillation of a trained flow (genzoo train flow-distilled --init-from FLOW), "
            "each halving a student whose one step lands where two of its teacher's do",
            paper=DISTILLATION,
            trainer="genzoo.train.flow:DistillationTrainer",
        )
    )


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    from . import published  # the table, imported when the registry is built

    for model in published_models(published.DEFAULTS, published.MODELS, _CONFIG):
        register(model)
