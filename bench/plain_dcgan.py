"""The baseline: a plain hand-written PyTorch DCGAN loop, the way a tutorial writes it.

A DataLoader over a TensorDataset, per-batch conversion to floats, two Adam
optimizers, the non-saturating losses, and the 28x28 DCGAN networks written out as
a tutorial does (`nn.Sequential`, `nn.ConvTranspose2d` from a 1x1 map). They have
genzoo's architecture and state-dict keys, so the same weights load into both.

`bench/train_throughput.py` and `bench/sample_throughput.py` time them beside genzoo;
`bench/baseline_dcgan.py` trains the loop (on genzoo's networks, with the DCGAN
paper's initialisation) for whole epochs, so that the zoo's generators are read
against what this loop makes.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class PlainGenerator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(100, 128, 7, bias=False),  # (N, 100, 1, 1) -> (N, 128, 7, 7)
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False),  # -> (N, 64, 14, 14)
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.ConvTranspose2d(64, 1, 4, 2, 1),  # -> (N, 1, 28, 28)
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z[:, :, None, None])


class PlainDiscriminator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 64, 4, 2, 1),  # (N, 1, 28, 28) -> (N, 64, 14, 14)
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(64, 128, 4, 2, 1, bias=False),  # -> (N, 128, 7, 7)
            nn.BatchNorm2d(128),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Flatten(),
        )
        self.score = nn.Linear(128 * 7 * 7, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.score(self.features(images)).squeeze(1)


def plain_steps(
    generator: nn.Module,
    discriminator: nn.Module,
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
            z = torch.randn(batch_size, 100, device=device)
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
