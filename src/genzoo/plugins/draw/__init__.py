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
                # The paper reads 2x2 and writes 5x5 glimpses over 64 steps. Over 16 steps
                # that starves both ends (KL 11 nats, blurry reconstructions): read 5x5, and
                # write 12x12 (the paper's SVHN size): 265 vs 276 nats after 300 steps, and
                # at 10 epochs test -ELBO 241.7 nats, FD 7.45 (5x5 writes, 5 epochs: 251.9, 12.0).
                "read_glimpse": 5,
                "write_glimpse": 12,
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
            description="DRAW with attention (16 steps, 5x5 read, 12x12 write) trained on "
            "fashion-mnist",
            parameters=896_686,
            recipe={"epochs": 10, "batch_size": 128, "seed": 0},  # the baseline's epochs
        )
    )
