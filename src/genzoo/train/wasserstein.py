"""The Wasserstein objective with gradient penalty (Gulrajani et al. 2017).

Critic: minimise D(G(z)) - D(x) + lambda (||grad D(x_hat)|| - 1)^2 on random
interpolates x_hat of real and generated images; the generator is updated once
every `n_critic` steps: minimise -D(G(z)). The paper's Adam settings
(lr 1e-4, betas 0 and 0.9). The critic must not use batch norm (the penalty is
per sample): architectures pair this trainer with a layer-normalised critic.

The penalty's double backward is the costliest part of a critic step. With
`gp_every` k > 1 it is computed on one critic step in k, weighted k times, so its
expected pull is unchanged: the lazy regularisation of StyleGAN2 (Karras et al.
2020, section 4), which buys more steps in the same time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from torch import Tensor

from genzoo.core import BadInputError
from genzoo.core.model import ZooModel
from genzoo.train.adversarial import AdversarialTrainer
from genzoo.train.trainer import Wrap

__all__ = ["WassersteinGPTrainer"]


class WassersteinGPTrainer(AdversarialTrainer):
    defaults: ClassVar[dict[str, Any]] = {
        "lr": 1e-4,
        "d_lr": None,  # None: lr
        "beta1": 0.0,
        "beta2": 0.9,
        "n_critic": 5,
        "gp_weight": 10.0,
        "gp_every": 1,  # lazy penalty: on one critic step in gp_every, weighted gp_every times
        "ema": 0.999,
    }

    def __init__(self, model: ZooModel, hparams: Mapping[str, Any], wrap: Wrap | None = None):
        super().__init__(model, hparams, wrap)
        self.critic_steps = 0
        self.g_loss = torch.zeros(())
        self.penalty = torch.zeros(())  # the last one computed, for the log
        self.gp_every = self.hparams.get("gp_every", 1)
        if not isinstance(self.gp_every, int) or self.gp_every < 1:
            raise BadInputError(f"gp_every must be a whole number >= 1, got {self.gp_every!r}")

    def step(self, images: Tensor, labels: Tensor, rng: torch.Generator) -> dict[str, Tensor]:
        n, device, classes = images.shape[0], images.device, self.generator.num_classes
        # The critic compares real and generated images of the same labels, so that each
        # interpolate lies between two images of one class.
        y = labels if classes else None
        z = torch.randn(n, self.generator.latent_dim, generator=rng, device=device)
        with torch.no_grad():
            fake = self.g(z, y)
        wasserstein = self.d(images, y).mean() - self.d(fake, y).mean()
        d_loss = -wasserstein
        if self.critic_steps % self.gp_every == 0:
            alpha = torch.rand(n, 1, 1, 1, generator=rng, device=device)
            mixed = (alpha * images + (1 - alpha) * fake).requires_grad_(True)
            (grad,) = torch.autograd.grad(self.d(mixed, y).sum(), mixed, create_graph=True)
            penalty = (grad.flatten(1).norm(dim=1) - 1).square().mean()
            d_loss = d_loss + self.hparams["gp_weight"] * self.gp_every * penalty
            self.penalty = penalty.detach()
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optimizer.step()

        self.critic_steps += 1
        if self.critic_steps % self.hparams["n_critic"] == 0:
            z = torch.randn(n, self.generator.latent_dim, generator=rng, device=device)
            y = torch.randint(0, classes, (n,), generator=rng, device=device) if classes else None
            with self.judging():
                g_loss = -self.d(self.g(z, y), y).mean()
            self.g_optimizer.zero_grad(set_to_none=True)
            g_loss.backward()
            self.g_optimizer.step()
            if self.ema is not None:
                self.ema.update(self.generator)
            self.g_loss = g_loss.detach()
        return {"wasserstein": wasserstein.detach(), "gp": self.penalty, "g_loss": self.g_loss}

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "critic_steps": self.critic_steps,
            "g_loss": self.g_loss,
            "penalty": self.penalty,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.critic_steps = int(state["critic_steps"])
        self.g_loss = state["g_loss"]
        self.penalty = state.get("penalty", torch.zeros(()))  # checkpoints of 0.1 (no gp_every)
