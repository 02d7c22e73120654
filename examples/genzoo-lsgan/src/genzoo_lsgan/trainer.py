"""The least-squares objective (Mao et al. 2017, the a=0, b=c=1 coding).

Discriminator: 0.5 (D(x) - 1)^2 + 0.5 D(G(z))^2; generator: 0.5 (D(G(z)) - 1)^2.
Everything else (optimizers, EMA, checkpoints, DDP) is genzoo's adversarial trainer.
"""

from __future__ import annotations

from typing import Any, ClassVar

from torch import Tensor

from genzoo.train.adversarial import AdversarialTrainer


class LeastSquaresTrainer(AdversarialTrainer):
    # every adversarial setting but `loss`: this objective is the loss
    defaults: ClassVar[dict[str, Any]] = {
        k: v for k, v in AdversarialTrainer.defaults.items() if k != "loss"
    }

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return 0.5 * ((real_scores - 1).square().mean() + fake_scores.square().mean())

    def generator_loss(self, fake_scores: Tensor) -> Tensor:
        return 0.5 * (fake_scores - 1).square().mean()
