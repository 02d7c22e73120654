"""The DRAW plugin: a recurrent VAE with attention that draws over steps. Registration only."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.plugins.hookspecs import hookimpl

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
                # The paper reads 2x2 glimpses over 64 steps; over 16 steps that starves the
                # encoder (a first run: KL 11 nats, blurry reconstructions), so read 5x5.
                "read_glimpse": 5,
                "write_glimpse": 5,
            },
            description="DRAW: LSTM encoder and decoder with Gaussian read/write attention, "
            "drawing on a canvas over `steps` steps (genzoo sample --steps-gif shows it)",
            paper=PAPER,
            trainer="genzoo.train.recurrent:RecurrentTrainer",
        )
    )


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    register(
        PretrainedModel(
            name="draw-fashion-mnist",
            architecture="draw",
            repo_id="genzoo/draw-fashion-mnist",
            dataset="fashion-mnist",
            license="mit",
            paper=PAPER,
            description="DRAW with attention (16 steps, 5x5 read and write) trained on "
            "fashion-mnist",
            parameters=866_103,
            recipe={"epochs": 5, "batch_size": 128, "seed": 0},
        )
    )
