"""Golden outputs: a fixed-seed probe of each component, recorded at publication, rechecked by
`genzoo verify`.

Hashes prove the bytes are the published ones; the golden probe proves that
this machine's genzoo, torch and plugin code still turn those bytes into the
same outputs. Each role gets a seeded input (latent codes for generators and
decoders, uniform images for the rest); the record is a short summary of the
output (per-sample mean and std, and its first values), compared within a
tolerance that absorbs float differences between machines. An autoregressive
generator is probed by its likelihood of the uniform images instead: its samples
are a chain of discrete choices, where one rounding difference early in an image
changes every pixel after it.
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from genzoo.core.interfaces import (
    AutoregressiveGenerator,
    Decoder,
    Discriminator,
    Generator,
    LatentDistribution,
)

SEED = 0
SAMPLES = 4
HEAD = 16  # leading output values kept verbatim
TOLERANCE = 1e-3


@torch.inference_mode()
def probe(module: nn.Module) -> list[float]:
    """The summary of `module`'s output on its seeded probe input, run on the CPU in float32."""
    module = copy.deepcopy(module).to("cpu").float().eval()  # never move the caller's module
    rng = torch.Generator().manual_seed(SEED)
    if isinstance(module, AutoregressiveGenerator):
        images = torch.rand(SAMPLES, *module.image_shape, generator=rng) * 2 - 1
        output = module.negative_log_likelihood(images)[:, None]  # nats per image
    elif isinstance(module, Generator):
        output = module.sample(SAMPLES, seed=SEED, device="cpu")
    elif isinstance(module, Decoder):
        output = module(torch.randn(SAMPLES, module.latent_dim, generator=rng))
    else:
        shape = tuple(getattr(module, "image_shape", ()))
        images = torch.rand(SAMPLES, *shape, generator=rng) * 2 - 1
        if isinstance(module, Discriminator) and module.num_classes:
            output = module(images, torch.arange(SAMPLES) % module.num_classes)
        else:
            output = module(images)
    if isinstance(output, LatentDistribution):
        output = output.mean
    return _summary(output)


def deviation(module: nn.Module, recorded: list[float]) -> float:
    """The largest relative deviation, |now - then| / (1 + |then|), of `module`'s probe from
    the recorded one; inf when the shapes differ. It passes when <= TOLERANCE."""
    now = torch.tensor(probe(module))
    then = torch.tensor(recorded)
    if now.shape != then.shape:
        return float("inf")
    return float(((now - then).abs() / (1 + then.abs())).max()) if now.numel() else 0.0


def _summary(output: Tensor) -> list[float]:
    flat = output.float().reshape(output.shape[0], -1)
    stats = torch.cat([flat.mean(1), flat.std(1, correction=0), flat.flatten()[:HEAD]])
    return [round(float(v), 6) for v in stats]
