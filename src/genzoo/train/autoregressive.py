"""The exact likelihood of an autoregressive model (PixelRNN, van den Oord et al. 2016).

    loss = -log p(x) / (H W C log 2)      bits per dimension, mean over the batch

p is the model's product of per-pixel softmaxes over the 256 grey levels, each given
the pixels before it, so the loss is the likelihood itself, not a bound. It is
reported in bits per dimension, the field's unit (`genzoo evaluate` measures it on
the test split). The published weights are an exponential moving average (Polyak
averaging, as PixelCNN++ publishes), and the rate decays on a cosine by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from genzoo.core.interfaces import AutoregressiveGenerator
from genzoo.core.likelihood import bits_per_dim
from genzoo.core.model import ZooModel
from genzoo.train.trainer import EMA, LearningRate, SingleOptimizerTrainer, Wrap, adam, component

__all__ = ["LikelihoodTrainer"]


class _Objective(nn.Module):
    """The loss as a module, so that DistributedDataParallel can wrap it."""

    def __init__(self, generator: AutoregressiveGenerator) -> None:
        super().__init__()
        self.generator = generator

    def forward(self, images: Tensor) -> Tensor:
        nll = self.generator.negative_log_likelihood(images)
        return bits_per_dim(nll, self.generator.image_shape).mean()


class LikelihoodTrainer(SingleOptimizerTrainer):
    """Adam on the bits per dimension of an AutoregressiveGenerator."""

    ema: EMA  # always kept: the published generator is the average
    defaults: ClassVar[dict[str, Any]] = {
        "lr": 1e-3,
        "ema_decay": 0.999,
        "grad_clip": 1.0,  # LSTMs like their gradients clipped; 0 turns clipping off
        "schedule": "cosine",  # or "constant"
    }

    def __init__(self, model: ZooModel, hparams: Mapping[str, Any], wrap: Wrap | None = None):
        super().__init__(model, hparams, wrap)
        generator = component(model, "generator", AutoregressiveGenerator, "LikelihoodTrainer")
        self.objective = self.wrap(_Objective(generator))
        self.optimizer = adam(generator.parameters(), self.hparams["lr"])
        self.schedule = LearningRate(self.hparams["schedule"], self.hparams["lr"])
        self.ema = EMA(generator, float(self.hparams["ema_decay"]))

    def step(self, images: Tensor, labels: Tensor, rng: torch.Generator) -> dict[str, Tensor]:
        generator = self.model["generator"]
        generator.train()
        loss = self.objective(images)
        self.update(loss, self.hparams["grad_clip"])
        self.ema.update(generator)
        return {"bits_per_dim": loss.detach()}
