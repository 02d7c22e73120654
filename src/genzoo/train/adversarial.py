"""The adversarial objective (Goodfellow et al. 2014), non-saturating or hinge.

Non-saturating: the discriminator minimises softplus(-D(x)) + softplus(D(G(z))),
the binary cross-entropy of real vs generated; the generator softplus(-D(G(z))),
which keeps gradients alive when D wins early. Hinge (Lim & Ye 2017; Miyato et
al. 2018): D minimises relu(1 - D(x)) + relu(1 + D(G(z))), so it stops pushing
scores it already gets right; G minimises -D(G(z)). A generator with classes is
trained conditionally: real images carry their labels, generated ones random
labels, and both networks see them. With `augment`, D sees reals and fakes
through the same differentiable transforms (`genzoo.train.augment`). With `r1`
(gamma > 0), D also pays gamma/2 E||grad D(x)||^2 on real images (Mescheder et
al. 2018): a discriminator kept flat on the data cannot grow so sharp that its
gradients stop guiding the generator, and training converges locally.

Other adversarial objectives (least squares) subclass AdversarialTrainer
and override `discriminator_loss` and `generator_loss` alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

from genzoo.core import BadInputError
from genzoo.core.interfaces import Discriminator, Generator
from genzoo.core.model import ZooModel
from genzoo.train.augment import augment, policy
from genzoo.train.trainer import EMA, LearningRate, Trainer, Wrap, adam, component

__all__ = ["LOSSES", "AdversarialTrainer"]

LOSSES = ("non-saturating", "hinge")


class AdversarialTrainer(Trainer):
    defaults: ClassVar[dict[str, Any]] = {
        "lr": 2e-4,  # Radford et al. 2016
        "d_lr": None,  # the discriminator's own rate (two time-scales, Heusel 2017); None: lr
        "beta1": 0.5,
        "beta2": 0.999,
        "ema": 0.999,  # generator weight averaging; 0 turns it off
        "loss": "non-saturating",  # or "hinge"
        "augment": "",  # DiffAugment transforms for D, e.g. "translation,cutout"
        "r1": 0.0,  # gamma of the R1 penalty on real images; 0 turns it off
        # lazy regularisation (Karras et al. 2020): the penalty every k steps, k times as
        # strong, for a k-th of its cost (a double backward through D)
        "r1_every": 1,
        # "cosine": both rates fall to 0 over the planned run (or a --max-time budget)
        "schedule": "constant",
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
        kind = self.hparams.get("schedule", "constant")  # subclasses may not name it
        self.schedules = (LearningRate(kind, self.hparams["lr"]), LearningRate(kind, d_lr))
        self.steps_taken = 0
        self.loss = self.hparams.get("loss", "non-saturating")  # subclasses may not name it
        if self.loss not in LOSSES:
            raise BadInputError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        self.transforms = policy(self.hparams.get("augment", ""))
        self.r1 = float(self.hparams.get("r1", 0.0))
        if self.r1 < 0:
            raise BadInputError(f"r1 must be >= 0, got {self.r1}")
        self.r1_every = self.hparams.get("r1_every", 1)
        if (
            not isinstance(self.r1_every, int)
            or isinstance(self.r1_every, bool)
            or self.r1_every < 1
        ):
            raise BadInputError(f"r1_every must be a whole number >= 1, got {self.r1_every!r}")

    def step(self, images: Tensor, labels: Tensor, rng: torch.Generator) -> dict[str, Tensor]:
        n, device = images.shape[0], images.device
        z = torch.randn(n, self.generator.latent_dim, generator=rng, device=device)
        classes = self.generator.num_classes
        fake_labels = (
            torch.randint(0, classes, (n,), generator=rng, device=device) if classes else None
        )
        real_labels = labels if classes else None

        fake = self.g(z, fake_labels)
        real = self.seen(images, rng)
        penalised = bool(self.r1) and self.steps_taken % self.r1_every == 0
        if penalised:
            real = real.detach().requires_grad_(True)
        real_scores = self.d(real, real_labels)
        d_loss = self.discriminator_loss(
            real_scores, self.d(self.seen(fake.detach(), rng), fake_labels)
        )
        if penalised:
            strength = self.r1 / 2 * self.r1_every
            d_loss = d_loss + strength * self.gradient_penalty(real_scores, real)
        g_rate, d_rate = self.schedules
        g_rate.apply(self.g_optimizer, self.steps_taken)
        d_rate.apply(self.d_optimizer, self.steps_taken)
        self.steps_taken += 1
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optimizer.step()

        with self.judging():
            g_loss = self.generator_loss(self.d(self.seen(fake, rng), fake_labels))
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

    @staticmethod
    def gradient_penalty(scores: Tensor, images: Tensor) -> Tensor:
        """E ||grad of the scores w.r.t. the images||^2, kept in the graph for D's step."""
        (grad,) = torch.autograd.grad(scores.sum(), images, create_graph=True)
        return grad.square().flatten(1).sum(dim=1).mean()

    def seen(self, images: Tensor, rng: torch.Generator) -> Tensor:
        """The images as the discriminator sees them: through the augment policy, if any."""
        return augment(images, self.transforms, rng) if self.transforms else images

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        """From raw scores: binary cross-entropy of real (label 1) vs generated (label 0),
        or the hinge, which is zero for scores beyond the margin."""
        if self.loss == "hinge":
            return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()
        return F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()

    def generator_loss(self, fake_scores: Tensor) -> Tensor:
        """Non-saturating: -log D(G(z)), strong gradients while D still wins; hinge: -D(G(z))."""
        if self.loss == "hinge":
            return -fake_scores.mean()
        return F.softplus(-fake_scores).mean()

    def state_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(),
            "g_optimizer": self.g_optimizer.state_dict(),
            "d_optimizer": self.d_optimizer.state_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else None,
            "steps_taken": self.steps_taken,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])
        self.steps_taken = int(state.get("steps_taken", 0))  # checkpoints of genzoo < 0.2
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])

    def plan(self, total_steps: int) -> None:
        for schedule in self.schedules:
            schedule.total_steps = total_steps

    def result(self) -> ZooModel:
        """The model with the averaged generator, when averaging is on."""
        if self.ema is None:
            return self.model
        return self.model.replaced(generator=self.ema.average)
