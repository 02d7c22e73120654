"""Exact maximum likelihood, on genzoo's trainer contract (docs/plugins.md).

Pixels are 256 grey levels: each image is dequantized with uniform noise of one level's
width (drawn from the run's `rng`, so --resume is exact) before its log density is taken,
which makes the negative log-likelihood a bound on the discrete data's. It is logged in
bits per dimension, the field's unit for likelihood models of images.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from torch import Tensor

from genzoo import Generator
from genzoo.core.model import ZooModel
from genzoo.train.trainer import LearningRate, SingleOptimizerTrainer, Wrap, adam, component

LEVEL = 2 / 255  # one grey level in [-1, 1]


class MaximumLikelihoodTrainer(SingleOptimizerTrainer):
    defaults: ClassVar[dict[str, Any]] = {"lr": 1e-3, "grad_clip": 100.0, "schedule": "cosine"}

    def __init__(self, model: ZooModel, hparams: Mapping[str, Any], wrap: Wrap | None = None):
        super().__init__(model, hparams, wrap)
        self.flow = component(model, "generator", Generator, type(self).__name__)
        if not hasattr(self.flow, "log_prob"):
            from genzoo.core import GenzooError

            raise GenzooError(f"{type(self).__name__} needs a generator with log_prob(images)")
        self.optimizer = adam(model.parameters(), self.hparams["lr"])
        self.schedule = LearningRate(self.hparams["schedule"], self.hparams["lr"])

    def step(self, images: Tensor, labels: Tensor, rng: torch.Generator) -> dict[str, Tensor]:
        self.model.train()
        noise = torch.rand(images.shape, generator=rng, device=images.device)
        dequantized = (images + (noise - 0.5) * LEVEL).clamp(-1, 1)
        nll = -self.flow.log_prob(dequantized).mean()  # nats per image
        self.update(nll, self.hparams["grad_clip"])
        dims = images[0].numel()
        # the density of [-1, 1] images, moved to [0, 256) pixels: log2(127.5) bits per dim
        bits = nll.detach() / (dims * math.log(2)) + math.log2(127.5)
        return {"nll": nll.detach(), "bits_per_dim": bits}
