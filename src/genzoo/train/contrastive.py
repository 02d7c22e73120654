"""Contrastive self-supervision (SimCLR, Chen et al. 2020): two random views of each image
in a batch, and the NT-Xent loss that makes each view pick its twin out of the 2N - 1
others by the cosine similarity of their projections.

The views are random resized crops (scale `min_crop`..1, aspect 3/4..4/3, bilinear),
shifted, and mirrored when `flip` is set: what two photographs of one garment differ
by. SimCLR's colour jitter and blur are left out on purpose: these features serve as an
evaluator, and a space taught to ignore blur or noise could not see them in samples.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

from genzoo.core.interfaces import Encoder
from genzoo.core.model import ZooModel
from genzoo.train.trainer import LearningRate, SingleOptimizerTrainer, Wrap, adam, component

__all__ = ["ContrastiveTrainer", "nt_xent", "random_views"]


class ContrastiveTrainer(SingleOptimizerTrainer):
    defaults: ClassVar[dict[str, Any]] = {
        "lr": 2e-3,
        "weight_decay": 1e-4,
        "temperature": 0.2,  # NT-Xent's; SimCLR's small-batch setting
        "min_crop": 0.5,  # the smallest crop, as a fraction of the image area
        "flip": True,  # mirrored views (right for clothes, wrong for digits)
        "schedule": "cosine",
    }

    def __init__(self, model: ZooModel, hparams: Mapping[str, Any], wrap: Wrap | None = None):
        super().__init__(model, hparams, wrap)
        encoder = component(model, "encoder", Encoder, "ContrastiveTrainer")
        if not callable(getattr(encoder, "project", None)):
            raise ValueError(f"{type(encoder).__name__} has no projection head (project)")
        self.encoder = encoder
        self.net = self.wrap(encoder)
        self.schedule = LearningRate(self.hparams["schedule"], self.hparams["lr"])
        self.optimizer = adam(
            encoder.parameters(),
            self.hparams["lr"],
            weight_decay=self.hparams["weight_decay"],
            decoupled=True,
        )

    def learning_rate(self) -> float:
        return self.schedule.at(self.steps_taken)

    def step(self, images: Tensor, labels: Tensor, rng: torch.Generator) -> dict[str, Tensor]:
        self.encoder.train()
        n = images.shape[0]
        views = torch.cat(
            [
                random_views(images, rng, self.hparams["min_crop"], self.hparams["flip"])
                for _ in range(2)
            ]
        )  # fmt: skip  (2N, C, H, W): view a of every image, then view b
        projected = self.encoder.project(self.net(views))
        loss, accuracy = nt_xent(projected[:n], projected[n:], self.hparams["temperature"])
        self.update(loss)
        return {"loss": loss.detach(), "accuracy": accuracy.detach()}


def random_views(images: Tensor, rng: torch.Generator, min_crop: float, flip: bool) -> Tensor:
    """(N, C, H, W) -> one random resized crop of each, resampled to H x W (bilinear;
    outside the image is the background, -1), mirrored at random when `flip`."""
    n, device = images.shape[0], images.device

    def uniform(low: float, high: float) -> Tensor:
        return low + (high - low) * torch.rand(n, generator=rng, device=device)

    area = uniform(min_crop, 1.0)
    log_aspect = uniform(math.log(3 / 4), math.log(4 / 3))
    scale_x = (area * log_aspect.exp()).sqrt().clamp(max=1.0)
    scale_y = (area / log_aspect.exp()).sqrt().clamp(max=1.0)
    shift_x = (1 - scale_x) * uniform(-1.0, 1.0)
    shift_y = (1 - scale_y) * uniform(-1.0, 1.0)
    if flip:
        mirror = torch.rand(n, generator=rng, device=device) < 0.5
        scale_x = torch.where(mirror, -scale_x, scale_x)
    theta = torch.zeros(n, 2, 3, device=device)
    theta[:, 0, 0], theta[:, 0, 2] = scale_x, shift_x
    theta[:, 1, 1], theta[:, 1, 2] = scale_y, shift_y
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    # sampled around -1 (the background) so that padding is background, not grey
    return F.grid_sample(images + 1, grid, align_corners=False) - 1


def nt_xent(a: Tensor, b: Tensor, temperature: float) -> tuple[Tensor, Tensor]:
    """SimCLR's normalised-temperature cross entropy of (N, D) projections of paired views;
    and how often a view's nearest neighbour is its twin (a sanity figure to log)."""
    z = F.normalize(torch.cat([a, b]), dim=1)  # (2N, D)
    n = a.shape[0]
    logits = z @ z.T / temperature  # (2N, 2N)
    logits.fill_diagonal_(float("-inf"))  # a view is not its own twin
    twins = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    loss = F.cross_entropy(logits, twins)
    accuracy = (logits.argmax(1) == twins).float().mean()
    return loss, accuracy
