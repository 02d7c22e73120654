"""The DRAW plugin: a recurrent VAE with attention that draws over steps. Registration only."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl
from genzoo.plugins.tables import published_models

PAPER = "https://arxiv.org/abs/1502.04623"  # Gregor et al. 2015


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="draw",
            family="recurrent",
            components={"generator": "genzoo.plugins.draw.model:DRAW"},
            config={
                "image_shape": [1, 28, 28],
                "steps": 16,
                "z_dim": 10,
                "hidden_dim": 256,
                # 16 steps instead of the paper's 64 need larger glimpses than its 2x2 read
                # and 5x5 write: 5x5 read, and the paper's SVHN write (docs/results.md)
                "read_glimpse": 5,
                "write_glimpse": 12,
            },
            description="DRAW: LSTM encoder and decoder with Gaussian read/write attention, "
            "drawing on a canvas over `steps` steps (genzoo sample --steps-gif shows it); "
            "--set prior_hidden_dim=512 learns a flow prior over its codes",
            paper=PAPER,
            trainer="genzoo.train.recurrent:RecurrentTrainer",
        )
    )


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    from . import published  # the table, imported when the registry is built

    for model in published_models(published.DEFAULTS, published.MODELS):
        register(model)
