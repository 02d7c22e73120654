"""The variational objective: the negative evidence lower bound (Kingma & Welling 2014).

    loss = E_q[-log p(x | z)] + beta * KL(q(z | x) || N(0, I))      per image, in nats

p is a Bernoulli over pixel intensities (x + 1) / 2; on grey levels this is a
cross-entropy rather than a normalised density, the usual protocol for MNIST-like
data, and the one every ELBO genzoo reports uses. beta = 1 is the bound itself;
beta > 1 trades reconstruction for a smoother latent space (Higgins et al. 2017).
`kl_warmup` ramps beta up linearly from 0 over that many steps (Bowman et al. 2016;
Sønderby et al. 2016): the decoder learns to use the code before the KL term can
switch it off, which keeps more of the latent in use. `schedule=cosine` decays the
learning rate to 0 over the run.

A decoder with a learned prior (`Decoder.prior_loss`) trains it beside the bound on
the encoder's posterior means, detached. A beta below 1 then buys sharp
reconstructions (the posterior narrows) without the usual price, codes far from
N(0, I), since sampling draws from the learned prior: the idea of the two-stage VAE
(Dai & Wipf 2019), both stages in one run. The bound reported stays the one
against N(0, I).

`ELBOTrainer` is shared with the recurrent (DRAW) trainer: a subclass only says
how a model computes its two terms (`objective`), and `genzoo evaluate` measures
the test-set bound with that same objective.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from torch import Tensor

from genzoo.core import GenzooError, Registry
from genzoo.core.interfaces import BernoulliDecoder, ELBOTerms, Encoder, LatentDistribution
from genzoo.core.lazy import resolve
from genzoo.core.likelihood import ELBOObjective, bernoulli_nll, gaussian_kl
from genzoo.core.model import ZooModel
from genzoo.train.trainer import LearningRate, SingleOptimizerTrainer, Wrap, adam, component

__all__ = [
    "ELBOObjective",
    "ELBOTrainer",
    "VAEObjective",
    "VariationalTrainer",
    "bernoulli_nll",
    "gaussian_kl",
    "objective_for",
]


class ELBOTrainer(SingleOptimizerTrainer):
    """Adam on the beta-weighted negative ELBO of `objective(model)`."""

    defaults: ClassVar[dict[str, Any]] = {
        "lr": 1e-3,
        "beta": 1.0,
        "kl_warmup": 0,  # steps over which beta ramps up from 0; 0 starts at beta
        "grad_clip": 0.0,  # max gradient norm; 0 turns clipping off
        "schedule": "constant",  # or "cosine": the rate decays to 0 over the run
    }

    def __init__(self, model: ZooModel, hparams: Mapping[str, Any], wrap: Wrap | None = None):
        super().__init__(model, hparams, wrap)
        self.objective = self.wrap(self.objective_of(model))
        self.optimizer = adam(model.parameters(), self.hparams["lr"])
        self.schedule = LearningRate(self.hparams["schedule"], self.hparams["lr"])

    @property
    def beta(self) -> float:
        """The KL weight of the next step: `beta`, scaled down during the warm-up."""
        warmup = self.hparams["kl_warmup"]
        ramp = min(1.0, (self.steps_taken + 1) / warmup) if warmup else 1.0
        return self.hparams["beta"] * ramp

    @staticmethod
    @abc.abstractmethod
    def objective_of(model: ZooModel) -> ELBOObjective:
        """The model's bound: what this trainer minimises and `genzoo evaluate` reports."""

    def step(self, images: Tensor, labels: Tensor, rng: torch.Generator) -> dict[str, Tensor]:
        self.model.train()
        terms: ELBOTerms = self.objective(images, rng)
        reconstruction, kl = terms.reconstruction.mean(), terms.kl.mean()
        extra = {name: term.mean() for name, term in terms.extra.items()}
        loss = reconstruction + self.beta * kl
        for term in extra.values():
            loss = loss + term
        self.update(loss, self.hparams["grad_clip"])
        logged = {"loss": loss, "reconstruction": reconstruction, "kl": kl, **extra}
        return {name: value.detach() for name, value in logged.items()}


def objective_for(model: ZooModel, registry: Registry) -> ELBOObjective | None:
    """The model's variational objective, when its architecture trains on an ELBO."""
    architecture = registry.architectures.get(model.architecture)
    trainer = resolve(architecture.trainer) if architecture and architecture.trainer else None
    if isinstance(trainer, type) and issubclass(trainer, ELBOTrainer):
        return trainer.objective_of(model)
    return None


class VAEObjective(ELBOObjective):
    """Encoder to a Gaussian posterior, one reparameterised draw, Bernoulli decoder."""

    def __init__(self, encoder: Encoder, decoder: BernoulliDecoder) -> None:
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def forward(self, images: Tensor, generator: torch.Generator | None = None) -> ELBOTerms:
        posterior = self._posterior(images)
        noise = torch.randn(posterior.mean.shape, generator=generator, device=posterior.mean.device)
        z = posterior.shifted(noise)
        terms = ELBOTerms(bernoulli_nll(self.decoder.logits(z), images), gaussian_kl(posterior))
        # A learned prior fits the codes as they are; it must not pull the encoder. It
        # fits the posterior means, the codes the decoder renders sharpest.
        prior_loss = self.decoder.prior_loss(posterior.mean.detach())
        return terms if prior_loss is None else terms._replace(extra={"prior": prior_loss})

    def _posterior(self, images: Tensor) -> LatentDistribution:
        posterior = self.encoder(images)
        if not isinstance(posterior, LatentDistribution):
            raise GenzooError(
                f"{type(self.encoder).__name__} returns {type(posterior).__name__}; a "
                "variational encoder must return a LatentDistribution"
            )
        return posterior

    def reconstruct(self, images: Tensor) -> Tensor:
        """Decode the posterior means of `images`."""
        return self.decoder(self._posterior(images).mean)


class VariationalTrainer(ELBOTrainer):
    """For models with an `encoder` (returning a LatentDistribution) and a BernoulliDecoder."""

    @staticmethod
    def objective_of(model: ZooModel) -> ELBOObjective:
        encoder = component(model, "encoder", Encoder, "VariationalTrainer")
        decoder = component(model, "decoder", BernoulliDecoder, "VariationalTrainer")
        return VAEObjective(encoder, decoder)
