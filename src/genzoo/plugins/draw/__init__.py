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
            # 10 epochs, as the plain-loop baseline; the KL weight ramps up from 0 over
            # the first half of the run (docs/results.md)
            recipe={"epochs": 10, "batch_size": 64, "seed": 0, "kl_warmup": 4690},
            config_sha256="d74e4e144ac8fb542062a082f0d047716d4bd1c371389c0b76c1570f686d2344",
            sha256={
                "generator": "c6cc5c06b8231af9c20ea31f4742f9f7b5d55856e8033366525d61c36bb262bc",
            },
            metrics={  # genzoo evaluate (resnet18-fashion-mnist features), 10,000 samples, seed 0
                "negative_elbo": 239.1,
                "reconstruction_nll": 224.7,
                "kl": 14.48,
                "frechet_distance": 21.88,
                "kernel_distance": 0.06294,
                "inception_score": 4.503,
                "precision": 0.6939,
                "recall": 0.0309,
                "density": 0.5635,
                "coverage": 0.2186,
            },
        )
    )
