"""The recurrent variational objective of DRAW (Gregor et al. 2015).

The bound is the VAE's (see `genzoo.train.variational`) with one KL term per
drawing step; the model computes both terms itself, because its encoder reads
the decoder's state at every step. LSTMs like their gradients clipped.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor

from genzoo.core.interfaces import DrawingGenerator, ELBOTerms
from genzoo.core.likelihood import ELBOObjective
from genzoo.core.model import ZooModel
from genzoo.train.trainer import component
from genzoo.train.variational import ELBOTrainer

__all__ = ["DrawingObjective", "RecurrentTrainer"]


class DrawingObjective(ELBOObjective):
    def __init__(self, generator: DrawingGenerator) -> None:
        super().__init__()
        self.generator = generator

    def forward(self, images: Tensor, generator: torch.Generator | None = None) -> ELBOTerms:
        return self.generator.negative_elbo(images, generator)

    def reconstruct(self, images: Tensor) -> Tensor:
        return self.generator.reconstruct(images)


class RecurrentTrainer(ELBOTrainer):
    """For models whose generator is a DrawingGenerator."""

    defaults: ClassVar[dict[str, Any]] = {**ELBOTrainer.defaults, "grad_clip": 10.0}

    @staticmethod
    def objective_of(model: ZooModel) -> ELBOObjective:
        return DrawingObjective(component(model, "generator", DrawingGenerator, "RecurrentTrainer"))
