"""The least-squares objective (Mao et al. 2017, the a=0, b=c=1 coding).

Discriminator: 0.5 (D(x) - 1)^2 + 0.5 D(G(z))^2; generator: 0.5 (D(G(z)) - 1)^2.
Everything else (optimizers, EMA, checkpoints, DDP) is genzoo's adversarial trainer.
"""

from __future__ import annotations

from torch import Tensor

from genzoo.train.adversarial import AdversarialTrainer


class LeastSquaresTrainer(AdversarialTrainer):
    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return 0.5 * ((real_scores - 1).square().mean() + fake_scores.square().mean())

    def generator_loss(self, fake_scores: Tensor) -> Tensor:
        return 0.5 * (fake_scores - 1).square().mean()
