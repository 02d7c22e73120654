"""DRAW (Gregor et al. 2015): a recurrent VAE that draws on a canvas with attention.

At each of `steps` steps the encoder LSTM reads an attention glimpse of the
image and of the error left on the canvas, a code z_t is drawn from its
posterior, and the decoder LSTM writes a glimpse-sized patch back onto the
canvas. Attention is an N x N grid of Gaussian filters whose centre, stride,
width and intensity the decoder's state chooses (section 3.2 of the paper).
Generation runs the decoder alone on prior draws of z_t.

A KL weight below 1 lets the posterior carry more of each image, and sampling from
N(0, I) then lands where the decoder never trained. With `prior_hidden_dim` > 0 the
codes are drawn from a learned prior instead, a flow over all steps' codes together
fitted beside the bound (`genzoo.core.priors.LatentPrior`, the VAE's prior). Measured
(docs/results.md): FD 21.9 -> 14.0; a per-step Gaussian prior read from the decoder's
state (Gregor et al. 2016), trained with the bound, did worse (about 20 at 2,000 samples).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from genzoo.core.interfaces import (
    DrawingGenerator,
    ELBOTerms,
    LatentDistribution,
    checked_images,
)
from genzoo.core.likelihood import bernoulli_nll, gaussian_kl
from genzoo.core.priors import LatentPrior


def filterbank(
    params: Tensor, glimpse: int, height: int, width: int
) -> tuple[Tensor, Tensor, Tensor]:
    """(N, 5) attention parameters -> row filters (N, glimpse, H), column filters
    (N, glimpse, W), each a normalised Gaussian, and the intensity (N, 1, 1, 1)."""
    gx, gy, log_var, log_stride, log_gamma = params.float().unbind(1)
    centre_x, centre_y = (width + 1) / 2 * (gx + 1), (height + 1) / 2 * (gy + 1)
    stride = (max(height, width) - 1) / max(glimpse - 1, 1) * log_stride.exp()
    offsets = torch.arange(glimpse, device=params.device) - glimpse / 2 + 0.5
    var = log_var.exp()[:, None, None]

    def bank(centre: Tensor, size: int) -> Tensor:
        means = centre[:, None] + offsets[None, :] * stride[:, None]  # (N, glimpse)
        pixels = torch.arange(size, device=params.device)[None, None, :]
        weights = torch.exp(-((pixels - means[:, :, None]) ** 2) / (2 * var))
        return weights / (weights.sum(2, keepdim=True) + 1e-8)

    return bank(centre_y, height), bank(centre_x, width), log_gamma.exp()[:, None, None, None]


class DRAW(DrawingGenerator):
    def __init__(
        self,
        image_shape: Sequence[int] = (1, 28, 28),
        steps: int = 16,
        z_dim: int = 10,
        hidden_dim: int = 256,
        read_glimpse: int = 2,
        write_glimpse: int = 5,
        num_classes: int = 0,
        prior_hidden_dim: int = 0,
    ) -> None:
        super().__init__()
        if num_classes:
            raise ValueError("this DRAW is unconditional (num_classes must be 0)")
        channels, height, width = (int(d) for d in image_shape)
        self.image_shape = (channels, height, width)
        self.steps, self.z_dim, self.hidden_dim = steps, z_dim, hidden_dim
        self.latent_dim = steps * z_dim
        self.read_glimpse, self.write_glimpse = read_glimpse, write_glimpse
        glimpse_pixels = 2 * channels * read_glimpse**2  # of the image and of the error
        self.encoder = nn.LSTMCell(glimpse_pixels + hidden_dim, hidden_dim)
        self.posterior = nn.Linear(hidden_dim, 2 * z_dim)
        self.decoder = nn.LSTMCell(z_dim, hidden_dim)
        self.read_attention = nn.Linear(hidden_dim, 5)
        self.write_attention = nn.Linear(hidden_dim, 5)
        self.write_patch = nn.Linear(hidden_dim, channels * write_glimpse**2)
        # 0: codes drawn from N(0, I) (and the weights of the first published DRAW)
        self.prior = LatentPrior(self.latent_dim, prior_hidden_dim) if prior_hidden_dim else None

    def _read(self, images: Tensor, error: Tensor, h_dec: Tensor) -> Tensor:
        params = self.read_attention(h_dec)
        rows, cols, gamma = filterbank(params, self.read_glimpse, *self.image_shape[1:])
        both = torch.cat([images, error], 1).float()  # (N, 2C, H, W)
        glimpses = gamma * (rows[:, None] @ both @ cols[:, None].transpose(2, 3))  # (N, 2C, g, g)
        return glimpses.flatten(1).to(h_dec.dtype)

    def _write(self, h_dec: Tensor) -> Tensor:
        channels, height, width = self.image_shape
        params = self.write_attention(h_dec)
        rows, cols, gamma = filterbank(params, self.write_glimpse, height, width)
        patch = self.write_patch(h_dec).float().view(-1, channels, *(self.write_glimpse,) * 2)
        return rows[:, None].transpose(2, 3) @ patch @ cols[:, None] / gamma

    def _initial_state(self, n: int, like: Tensor) -> tuple[Tensor, Tensor]:
        zeros = like.new_zeros(n, self.hidden_dim)
        return zeros, zeros

    def canvases(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        n = z.shape[0]
        if self.prior is not None:
            z = self.prior(z.float()).to(z.dtype)
        codes = z.view(n, self.steps, self.z_dim)
        h_dec, c_dec = self._initial_state(n, z)
        canvas = z.new_zeros(n, *self.image_shape, dtype=torch.float32)
        frames = []
        for t in range(self.steps):
            h_dec, c_dec = self.decoder(codes[:, t], (h_dec, c_dec))
            canvas = canvas + self._write(h_dec)
            frames.append(torch.tanh(0.5 * canvas))
        return torch.stack(frames)

    def negative_elbo(self, images: Tensor, generator: torch.Generator | None = None) -> ELBOTerms:
        checked_images(images, self.image_shape, "negative_elbo")
        noise = torch.randn(
            images.shape[0], self.steps, self.z_dim, generator=generator, device=images.device
        )
        canvas, kl, codes = self._infer(images, noise)
        terms = ELBOTerms(bernoulli_nll(canvas, images), kl)
        if self.prior is None:
            return terms
        # The prior fits the codes the decoder was given; it must not pull the encoder.
        return terms._replace(extra={"prior": self.prior.negative_log_likelihood(codes.detach())})

    def reconstruct(self, images: Tensor) -> Tensor:
        noise = images.new_zeros(images.shape[0], self.steps, self.z_dim, dtype=torch.float32)
        canvas, _, _ = self._infer(images, noise)  # no noise: the posterior means
        return torch.tanh(0.5 * canvas)

    def _infer(self, images: Tensor, noise: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Draw `images` through the encoder's posterior: the final canvas logits, the
        KL of every step, and the codes (N, latent_dim), z_t = mean_t + std_t * noise[:, t]."""
        n = images.shape[0]
        h_enc, c_enc = self._initial_state(n, images)
        h_dec, c_dec = self._initial_state(n, images)
        canvas = images.new_zeros(images.shape, dtype=torch.float32)
        kl = images.new_zeros(n, dtype=torch.float32)
        codes = []
        for t in range(self.steps):
            error = images - torch.tanh(0.5 * canvas)
            glimpse = self._read(images, error, h_dec)
            h_enc, c_enc = self.encoder(torch.cat([glimpse, h_dec], 1), (h_enc, c_enc))
            mean, log_var = self.posterior(h_enc).float().chunk(2, dim=1)
            posterior = LatentDistribution(mean, log_var.clamp(-15, 15))  # exp() stays finite
            kl = kl + gaussian_kl(posterior)
            codes.append(posterior.shifted(noise[:, t]))
            h_dec, c_dec = self.decoder(codes[-1].to(h_dec.dtype), (h_dec, c_dec))
            canvas = canvas + self._write(h_dec)
        return canvas, kl, torch.cat(codes, 1)
