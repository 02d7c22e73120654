"""DCGAN (Radford et al. 2016) for small square images, optionally class-conditional.

The generator upsamples from a start size of 4-7 pixels by x2 stages (28x28:
7 -> 14 -> 28; 32x32: 4 -> 8 -> 16 -> 32); the discriminator mirrors it. Labels,
when `num_classes > 0`, enter the generator as a one-hot vector beside z and the
discriminator through a projection term (Miyato & Koyama 2018). With
`minibatch_std`, the discriminator also sees how varied its batch is (Karras et
al. 2018), which lets it punish a generator that covers few modes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genzoo.core.interfaces import Discriminator, Generator
from genzoo.core.layers import ToImage


def _stages(size: int) -> int:
    """How many x2 stages lead from a start of at least 4 pixels to `size`."""
    stages = 0
    while size % 2 == 0 and size // 2 >= 4:
        size //= 2
        stages += 1
    if stages == 0:
        raise ValueError(f"image size {size} cannot be reached by x2 stages from >= 4 pixels")
    return stages


def _widths(base_channels: int, stages: int) -> list[int]:
    """Channel widths of the hidden feature maps, widest (smallest map) first."""
    return [base_channels * 2**i for i in reversed(range(stages))]


def _square(image_shape: Sequence[int]) -> tuple[int, int, int]:
    channels, height, width = (int(d) for d in image_shape)
    if height != width:
        raise ValueError(f"DCGAN needs square images, got {height}x{width}")
    return channels, height, width


# Normalisation in the discriminator: batch norm (DCGAN), or, for a Wasserstein critic whose
# gradient penalty is per sample, layer norm over channels and space, or none. "spectral"
# has no norm layer: every weight is divided by its largest singular value instead.
_NORMS: dict[str, Callable[[int], nn.Module]] = {
    "batch": nn.BatchNorm2d,
    "layer": lambda width: nn.GroupNorm(1, width),
    "none": lambda width: nn.Identity(),
    "spectral": lambda width: nn.Identity(),
}


def _spectral_norm(module: nn.Module) -> None:
    """Bound each layer's Lipschitz constant by 1 (Miyato et al. 2018): the discriminator
    cannot sharpen without limit, which keeps its gradients useful to the generator.
    One power iteration per training step refines each weight's singular vector."""
    if isinstance(module, (nn.Conv2d, nn.Linear, nn.Embedding)):
        nn.utils.parametrizations.spectral_norm(module)


def _init_weights(module: nn.Module) -> None:
    """The DCGAN paper's initialisation: N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, (nn.BatchNorm2d, nn.GroupNorm)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class LatentProjection(nn.ConvTranspose2d):
    """The generator's first layer: a transposed convolution of a 1x1 map whose kernel is
    the output size, i.e. one matrix product. Same weights, state-dict keys and outputs
    as `nn.ConvTranspose2d`; computed as `z @ W`, which on the CPU runs several times
    faster than the transposed-convolution kernel (~25% of a 28x28 DCGAN's sampling)."""

    def forward(self, z: Tensor, output_size: list[int] | None = None) -> Tensor:
        if z.shape[2:] != (1, 1) or output_size is not None:
            return super().forward(z, output_size)
        out = z.flatten(1) @ self.weight.flatten(1)  # (N, in) @ (in, out * k * k)
        out = out.view(z.shape[0], self.out_channels, *self.kernel_size)
        return out if self.bias is None else out + self.bias[:, None, None]


class DCGANGenerator(Generator):
    def __init__(
        self,
        latent_dim: int = 100,
        image_shape: Sequence[int] = (1, 28, 28),
        base_channels: int = 64,
        num_classes: int = 0,
        class_names: Sequence[str] = (),
    ) -> None:
        super().__init__()
        if class_names and len(class_names) != num_classes:
            raise ValueError(f"{len(class_names)} class names for {num_classes} classes")
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.class_names = tuple(class_names)
        self.image_shape = _square(image_shape)
        channels, size, _ = self.image_shape
        stages = _stages(size)
        widths = _widths(base_channels, stages)
        layers: list[nn.Module] = [
            # (N, latent + classes, 1, 1) -> (N, widths[0], start, start)
            LatentProjection(latent_dim + num_classes, widths[0], size >> stages, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
        ]
        for wide, narrow in itertools.pairwise(widths):
            # (N, wide, s, s) -> (N, narrow, 2s, 2s)
            layers += [
                nn.ConvTranspose2d(wide, narrow, 4, 2, 1, bias=False),
                nn.BatchNorm2d(narrow),
                nn.ReLU(inplace=True),
            ]
        # (N, widths[-1], size/2, size/2) -> (N, channels, size, size) in [-1, 1]
        layers += [ToImage(widths[-1], channels), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(_init_weights)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        if self.num_classes:
            if labels is None:
                raise ValueError("this generator is conditional: pass labels")
            z = torch.cat([z, F.one_hot(labels, self.num_classes).to(z.dtype)], dim=1)
        # (N, latent [+ classes], 1, 1) -> (N, C, H, W)
        start = self.net[0](z[:, :, None, None])
        if start.device.type == "cpu":
            # the transposed convolutions run channels-last on the CPU (oneDNN's fast
            # layout; bench/sample_throughput.py); weights and state dict stay as they are
            start = start.contiguous(memory_format=torch.channels_last)
        return self.net[1:](start).contiguous()


class MinibatchStd(nn.Module):
    """(N, C, H, W) -> (N, C + 1, H, W): the extra channel is the features' standard
    deviation across the batch, averaged to one number. Real batches are varied; a
    collapsing generator's are not, and this makes the difference visible to D."""

    def forward(self, h: Tensor) -> Tensor:
        spread = (h.var(dim=0, unbiased=False) + 1e-8).sqrt().mean()
        return torch.cat([h, spread.expand(h.shape[0], 1, *h.shape[2:])], dim=1)


class DCGANDiscriminator(Discriminator):
    def __init__(
        self,
        image_shape: Sequence[int] = (1, 28, 28),
        base_channels: int = 64,
        num_classes: int = 0,
        norm: str = "batch",
        minibatch_std: bool = False,
    ) -> None:
        super().__init__()
        if norm not in _NORMS:
            raise ValueError(f"norm must be one of {', '.join(_NORMS)}, got {norm!r}")
        self.image_shape = _square(image_shape)
        self.num_classes = num_classes
        channels, size, _ = self.image_shape
        stages = _stages(size)
        widths = _widths(base_channels, stages)[::-1]  # narrowest (largest map) first
        # (N, channels, size, size) -> (N, widths[0], size/2, size/2); no batch norm on the input
        layers: list[nn.Module] = [
            nn.Conv2d(channels, widths[0], 4, 2, 1),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        for narrow, wide in itertools.pairwise(widths):
            # (N, narrow, s, s) -> (N, wide, s/2, s/2)
            layers += [
                nn.Conv2d(narrow, wide, 4, 2, 1, bias=norm in ("none", "spectral")),
                _NORMS[norm](wide),
                nn.LeakyReLU(0.2, inplace=True),
            ]
        if minibatch_std:
            layers.append(MinibatchStd())  # one more channel: the batch's spread
        layers.append(nn.Flatten())  # (N, (widths[-1] [+ 1]) * start * start)
        self.features = nn.Sequential(*layers)
        feature_dim = (widths[-1] + int(minibatch_std)) * (size >> stages) ** 2
        self.score = nn.Linear(feature_dim, 1)
        self.embed = nn.Embedding(num_classes, feature_dim) if num_classes else None
        self.apply(_init_weights)
        if norm == "spectral":
            self.apply(_spectral_norm)  # after the init: it normalises the initial weights

    def forward(self, images: Tensor, labels: Tensor | None = None) -> Tensor:
        h = self.features(images)  # (N, feature_dim)
        score = self.score(h).squeeze(1)  # (N,)
        if self.embed is not None:
            if labels is None:
                raise ValueError("this discriminator is conditional: pass labels")
            score = score + (self.embed(labels) * h).sum(dim=1)  # projection term
        return score
