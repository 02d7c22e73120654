"""The baseline: a plain hand-written PyTorch DCGAN loop, the way a tutorial writes it.

A DataLoader over a TensorDataset, per-batch conversion to floats, two Adam
optimizers, the non-saturating losses; genzoo's own 28x28 DCGAN networks so that
only the loop differs. `bench/train_throughput.py` times it beside `genzoo train`;
`bench/baseline_dcgan.py` trains it for whole epochs so that the zoo's generators
are read against what this loop makes.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from genzoo.plugins.dcgan.model import DCGANDiscriminator, DCGANGenerator


def plain_steps(
    generator: DCGANGenerator,
    discriminator: DCGANDiscriminator,
    images: torch.Tensor,
    batch_size: int,
    device: str,
) -> Iterator[dict[str, torch.Tensor]]:
    """Train forever, yielding the losses after every step; the caller decides when to stop
    (and whether to wait for the device by reading them)."""
    g_opt = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    loader = DataLoader(TensorDataset(images), batch_size=batch_size, shuffle=True, drop_last=True)
    while True:
        for (batch,) in loader:
            real = (batch.float() / 127.5 - 1).to(device)
            z = torch.randn(batch_size, generator.latent_dim, device=device)
            fake = generator(z)
            d_loss = (
                F.softplus(-discriminator(real)).mean()
                + F.softplus(discriminator(fake.detach())).mean()
            )
            d_opt.zero_grad()
            d_loss.backward()
            d_opt.step()
            g_loss = F.softplus(-discriminator(fake)).mean()
            g_opt.zero_grad()
            g_loss.backward()
            g_opt.step()
            yield {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}
