"""The flow-matching objective (Lipman et al. 2023; rectified flow, Liu et al. 2023).

For an image x1, noise x0 ~ N(0, I) and a time t ~ U(0, 1), the point
x_t = (1 - t) x0 + t x1 moves with velocity x1 - x0; the network regresses it:

    loss = || v(x_t, t, y) - (x1 - x0) ||^2      (mean over pixels)

Class-conditional models see "no label" (index `num_classes`) in place of the
label with probability `label_dropout`, which is what classifier-free guidance
samples with. The published weights are an exponential moving average (`ema_decay`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genzoo.core import BadInputError
from genzoo.core.model import ZooModel
from genzoo.train.trainer import EMA, LearningRate, SingleOptimizerTrainer, Wrap, adam

__all__ = ["FlowMatchingTrainer"]


class _Objective(nn.Module):
    """The loss as a module, so that DistributedDataParallel can wrap it."""

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.generator: Any = generator  # a plugin's generator with velocity(x, t, labels)

    def forward(self, images: Tensor, noise: Tensor, t: Tensor, labels: Tensor | None) -> Tensor:
        times = t[:, None, None, None]
        points = (1 - times) * noise + times * images  # (N, C, H, W) on the straight path
        predicted = self.generator.velocity(points, t, labels)
        return F.mse_loss(predicted.float(), (images - noise).float())


class FlowMatchingTrainer(SingleOptimizerTrainer):
    """Adam on the flow-matching loss of a generator with `velocity(x, t, labels)`."""

    defaults: ClassVar[dict[str, Any]] = {
        "lr": 1e-3,
        "ema_decay": 0.999,
        "label_dropout": 0.1,  # conditional models: how often the label is hidden
        "grad_clip": 1.0,  # max gradient norm; 0 turns clipping off
        "schedule": "cosine",  # or "constant"; cosine decays the rate to 0 over the run
    }

    def __init__(self, model: ZooModel, hparams: Mapping[str, Any], wrap: Wrap | None = None):
        super().__init__(model, hparams, wrap)
        generator = model["generator"]
        if not hasattr(generator, "velocity"):
            raise BadInputError(
                f"{model.architecture}'s generator has no velocity(x, t, labels): "
                "it cannot be trained by flow matching"
            )
        if not 0 <= float(self.hparams["label_dropout"]) < 1:
            raise BadInputError(
                f"label_dropout must lie in [0, 1), got {self.hparams['label_dropout']}"
            )
        self.objective = self.wrap(_Objective(generator))
        self.optimizer = adam(generator.parameters(), self.hparams["lr"])
        self.schedule = LearningRate(self.hparams["schedule"], self.hparams["lr"])
        self.ema = EMA(generator, float(self.hparams["ema_decay"]))

    def step(self, images: Tensor, labels: Tensor, rng: torch.Generator) -> dict[str, Tensor]:
        generator: Any = self.model["generator"]
        generator.train()
        n, device = images.shape[0], images.device
        noise = torch.randn(images.shape, generator=rng, device=device, dtype=images.dtype)
        t = torch.rand(n, generator=rng, device=device, dtype=images.dtype)
        conditioning = None
        if generator.num_classes:
            hidden = torch.rand(n, generator=rng, device=device) < self.hparams["label_dropout"]
            conditioning = torch.where(hidden, generator.num_classes, labels)
        loss = self.objective(images, noise, t, conditioning)
        self.update(loss, self.hparams["grad_clip"])
        self.ema.update(generator)
        return {"loss": loss.detach()}

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "ema": self.ema.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.ema.load_state_dict(state["ema"])

    def result(self) -> ZooModel:
        """The model with the averaged weights, which sample far better than the last step's."""
        return self.model.replaced(generator=self.ema.average)
