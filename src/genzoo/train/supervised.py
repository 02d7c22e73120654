"""Supervised classification: cross-entropy on labelled images, AdamW, light augmentation.

The learning rate follows a cosine from `lr` down to 0 over the run (`LearningRate`):
on a budget of a few epochs the last, small steps are worth about a point of
accuracy over a constant rate. `schedule=constant` keeps it fixed.

Augmentation is a random shift of up to 2 pixels (padding by edge replication)
and, when `flip` is set, a horizontal flip: cheap, on the device, and drawn from
the loop's generator, so runs stay reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

from genzoo.core.interfaces import Classifier
from genzoo.core.model import ZooModel
from genzoo.train.trainer import LearningRate, SingleOptimizerTrainer, Wrap, adam, component

__all__ = ["SupervisedTrainer"]


class SupervisedTrainer(SingleOptimizerTrainer):
    defaults: ClassVar[dict[str, Any]] = {
        "lr": 1e-3,
        "weight_decay": 1e-4,
        "label_smoothing": 0.05,
        "shift": 2,  # pixels of random translation; 0 turns it off
        "flip": True,  # horizontal flips (right for clothes, wrong for digits)
        "schedule": "cosine",  # or "constant"
    }

    def __init__(self, model: ZooModel, hparams: Mapping[str, Any], wrap: Wrap | None = None):
        super().__init__(model, hparams, wrap)
        classifier = component(model, "classifier", Classifier, "SupervisedTrainer")
        self.schedule = LearningRate(self.hparams["schedule"], self.hparams["lr"])
        self.classifier = classifier
        self.net = self.wrap(classifier)
        self.optimizer = adam(
            classifier.parameters(),
            self.hparams["lr"],
            weight_decay=self.hparams["weight_decay"],
            decoupled=True,
        )

    def learning_rate(self) -> float:
        """The rate of the next step."""
        return self.schedule.at(self.steps_taken)

    def step(self, images: Tensor, labels: Tensor, rng: torch.Generator) -> dict[str, Tensor]:
        self.classifier.train()
        images = self._augment(images, rng)
        logits = self.net(images)
        loss = F.cross_entropy(logits, labels, label_smoothing=self.hparams["label_smoothing"])
        self.update(loss)
        accuracy = (logits.argmax(1) == labels).float().mean()
        return {"loss": loss.detach(), "accuracy": accuracy.detach()}

    def _augment(self, images: Tensor, rng: torch.Generator) -> Tensor:
        n, shift = images.shape[0], int(self.hparams["shift"])
        if self.hparams["flip"]:
            flip = torch.rand(n, generator=rng, device=images.device) < 0.5
            images = torch.where(flip[:, None, None, None], images.flip(3), images)
        if shift:
            padded = F.pad(images, (shift,) * 4, mode="replicate")
            dy, dx = torch.randint(0, 2 * shift + 1, (2,), generator=rng, device=images.device)
            height, width = images.shape[2:]
            images = padded[:, :, int(dy) : int(dy) + height, int(dx) : int(dx) + width]
        return images
