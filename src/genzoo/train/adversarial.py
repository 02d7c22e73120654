"""The adversarial objective (Goodfellow et al. 2014), in its non-saturating form.

Discriminator: minimise softplus(-D(x)) + softplus(D(G(z))), i.e. the binary
cross-entropy of real vs generated. Generator: minimise softplus(-D(G(z))),
which keeps gradients alive when D wins early. A generator with classes is
trained conditionally: real images carry their labels, generated ones random
labels, and both networks see them.

Other adversarial objectives (least squares, hinge) subclass AdversarialTrainer
and override `discriminator_loss` and `generator_loss` alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

from genzoo.core.interfaces import Discriminator, Generator
from genzoo.core.model import ZooModel
from genzoo.train.trainer import EMA, Trainer, Wrap, adam, component


class AdversarialTrainer(Trainer):
    defaults: ClassVar[dict[str, Any]] = {
        "lr": 2e-4,  # Radford et al. 2016
        "d_lr": None,  # the discriminator's own rate (two time-scales, Heusel 2017); None: lr
        "beta1": 0.5,
        "beta2": 0.999,
        "ema": 0.999,  # generator weight averaging; 0 turns it off
    }

    def __init__(self, model: ZooModel, hparams: Mapping[str, Any], wrap: Wrap | None = None):
        super().__init__(model, hparams, wrap)
        generator = component(model, "generator", Generator, type(self).__name__)
        discriminator = component(model, "discriminator", Discriminator, type(self).__name__)
        self.generator, self.discriminator = generator, discriminator
        self.g, self.d = self.wrap(generator), self.wrap(discriminator)
        betas = (self.hparams["beta1"], self.hparams["beta2"])
        self.g_optimizer = adam(generator.parameters(), self.hparams["lr"], betas)
        d_lr = self.hparams.get("d_lr") or self.hparams["lr"]  # subclasses may not name it
        self.d_optimizer = adam(discriminator.parameters(), d_lr, betas)
        self.ema = EMA(generator, self.hparams["ema"]) if self.hparams["ema"] else None

    def step(self, images: Tensor, labels: Tensor, rng: torch.Generator) -> dict[str, Tensor]:
        n, device = images.shape[0], images.device
        z = torch.randn(n, self.generator.latent_dim, generator=rng, device=device)
        classes = self.generator.num_classes
        fake_labels = (
            torch.randint(0, classes, (n,), generator=rng, device=device) if classes else None
        )
        real_labels = labels if classes else None

        fake = self.g(z, fake_labels)
        d_loss = self.discriminator_loss(
            self.d(images, real_labels), self.d(fake.detach(), fake_labels)
        )
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optimizer.step()

        with self.judging():
            g_loss = self.generator_loss(self.d(fake, fake_labels))
        self.g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_optimizer.step()
        if self.ema is not None:
            self.ema.update(self.generator)
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}

    @contextmanager
    def judging(self) -> Iterator[None]:
        """The discriminator scores for the generator's step: its weights need no gradients
        there (the next discriminator step starts from zero), so they are not tracked,
        which saves a third of that backward pass. Not under DistributedDataParallel,
        whose gradient hooks expect every parameter at every backward pass."""
        if self.d is not self.discriminator:
            yield
            return
        weights = [p for p in self.discriminator.parameters() if p.requires_grad]
        for weight in weights:
            weight.requires_grad_(False)
        try:
            yield
        finally:
            for weight in weights:
                weight.requires_grad_(True)

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        """Binary cross-entropy of real (label 1) vs generated (label 0), from raw scores."""
        return F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()

    def generator_loss(self, fake_scores: Tensor) -> Tensor:
        """Non-saturating: -log D(G(z)), strong gradients while D still wins."""
        return F.softplus(-fake_scores).mean()

    def state_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(),
            "g_optimizer": self.g_optimizer.state_dict(),
            "d_optimizer": self.d_optimizer.state_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else None,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])

    def result(self) -> ZooModel:
        """The model with the averaged generator, when averaging is on."""
        if self.ema is None:
            return self.model
        components = dict(self.model.items())
        components["generator"] = self.ema.average
        return ZooModel(self.model.name, self.model.architecture, self.model.config, components)
