"""Flow matching (Lipman et al. 2023; Liu et al. 2023): a U-Net velocity field, integrated
from noise to image by an ODE solver.

    x_t = (1 - t) * noise + t * image,   t in [0, 1]
    the network learns v(x_t, t, y) ~ image - noise   (`genzoo.train.flow`)

Sampling starts at x_0 = z, the Generator's latent code reshaped to an image (so
latent_dim = C * H * W, seeds, slerp walks and golden probes work as for a GAN),
and integrates dx/dt = v from t = 0 to 1 in `steps` steps. Class-conditional
models learn an extra "no label" class (label dropout) and sample with
classifier-free guidance (Ho & Salimans 2022): v = v_null + w * (v_label - v_null).
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genzoo.core.errors import BadInputError
from genzoo.core.interfaces import Generator, Labels

Velocity = Callable[[Tensor, Tensor], Tensor]  # (x_t, t) -> dx/dt
_log = logging.getLogger(__name__)


def euler(velocity: Velocity, x: Tensor, times: Tensor) -> Iterator[Tensor]:
    """One network evaluation per step; yields the start, then each step's point."""
    yield x
    for t, t_next in itertools.pairwise(times):
        x = x + (t_next - t) * velocity(x, t)
        yield x


def heun(velocity: Velocity, x: Tensor, times: Tensor) -> Iterator[Tensor]:
    """Second order: an Euler step, corrected by the slope at its end; the last step is left
    uncorrected, as in EDM (Karras et al. 2022, Algorithm 1), so 2 x steps - 1 evaluations.

    Why not correct the last step too: that evaluates the network at t = 1, the clean image,
    where its target (image minus noise) is least predictable and it was least trained. On
    flow-fashion-mnist that one evaluation made 10 Heun steps' FD 11.9 against 3.5 without
    it (1,000 samples; 20 Euler steps: 4.2), though both land closer to the exact ODE
    solution than 20 Euler steps in pixels.
    """
    yield x
    *corrected, last = itertools.pairwise(times)
    for t, t_next in corrected:
        slope = velocity(x, t)
        guess = x + (t_next - t) * slope
        x = x + (t_next - t) * 0.5 * (slope + velocity(guess, t_next))
        yield x
    t, t_next = last
    yield x + (t_next - t) * velocity(x, t)


SOLVERS: Mapping[str, Callable[[Velocity, Tensor, Tensor], Iterator[Tensor]]] = {
    "euler": euler,
    "heun": heun,
}
EVALUATIONS_PER_STEP = {"euler": 1, "heun": 2}  # heun: one fewer in all (its last step)


class TimeEmbedding(nn.Module):
    """(N,) times in [0, 1] -> (N, dim): sinusoids of 1000 t (Vaswani et al.), then an MLP."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, t: Tensor) -> Tensor:
        half = self.dim // 2
        freqs = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device) / half)
        angles = 1000 * t.float()[:, None] * freqs[None]  # (N, half)
        dtype = next(self.mlp.parameters()).dtype
        return self.mlp(torch.cat([angles.sin(), angles.cos()], dim=1).to(dtype))  # (N, dim)


def _zeroed(conv: nn.Conv2d) -> nn.Conv2d:
    """`conv` with zero weights and bias: a residual branch that starts switched off."""
    nn.init.zeros_(conv.weight)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)
    return conv


class ResBlock(nn.Module):
    """GroupNorm-SiLU-conv twice, the embedding added in between; a 1x1 skip when widths differ."""

    def __init__(self, width_in: int, width_out: int, embed_dim: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(min(8, width_in), width_in)
        self.conv1 = nn.Conv2d(width_in, width_out, 3, padding=1)
        self.embed = nn.Linear(embed_dim, width_out)
        self.norm2 = nn.GroupNorm(min(8, width_out), width_out)
        self.conv2 = _zeroed(nn.Conv2d(width_out, width_out, 3, padding=1))  # starts as identity
        self.skip = nn.Conv2d(width_in, width_out, 1) if width_in != width_out else nn.Identity()

    def forward(self, x: Tensor, embedding: Tensor) -> Tensor:
        h = self.conv1(F.silu(self.norm1(x)))  # (N, out, H, W)
        h = h + self.embed(F.silu(embedding))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class SelfAttention(nn.Module):
    """Single-head attention over the positions of a small feature map, residual."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.norm = nn.GroupNorm(min(8, width), width)
        self.qkv = nn.Conv2d(width, 3 * width, 1)
        self.out = _zeroed(nn.Conv2d(width, width, 1))

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).flatten(2).transpose(1, 2).chunk(3, dim=2)  # (N, HW, C)
        attended = F.scaled_dot_product_attention(q, k, v)  # (N, HW, C)
        return x + self.out(attended.transpose(1, 2).reshape(n, c, h, w))


class UNet(nn.Module):
    """The velocity field v(x, t, y): (N, C, H, W), (N,), (N,) -> (N, C, H, W).

    One residual block per level on the way down, two on the way up (each joined by a map
    kept on the way down), attention in the middle; each level but the last halves the
    map (28 -> 14 -> 7).
    """

    def __init__(
        self,
        channels: int,
        widths: Sequence[int],
        embed_dim: int,
        num_labels: int,
        attention: bool,
    ) -> None:
        super().__init__()
        self.time = TimeEmbedding(embed_dim)
        self.label = nn.Embedding(num_labels, embed_dim) if num_labels else None
        self.stem = nn.Conv2d(channels, widths[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        width = widths[0]
        skips = [width]  # the width of each map the way down keeps for the way up
        for level, level_width in enumerate(widths):
            self.down.append(ResBlock(width, level_width, embed_dim))
            width = level_width
            skips.append(width)
            if level < len(widths) - 1:
                self.downsample.append(nn.Conv2d(width, width, 3, stride=2, padding=1))
                skips.append(width)
        self.middle = nn.ModuleList(
            [ResBlock(width, width, embed_dim), ResBlock(width, width, embed_dim)]
        )
        self.attention = SelfAttention(width) if attention else nn.Identity()
        self.up = nn.ModuleList()
        for level_width in reversed(widths):
            blocks = nn.ModuleList()
            for _ in range(2):  # each takes one kept map
                blocks.append(ResBlock(width + skips.pop(), level_width, embed_dim))
                width = level_width
            self.up.append(blocks)
        self.head = nn.Sequential(
            nn.GroupNorm(min(8, width), width), nn.SiLU(), nn.Conv2d(width, channels, 3, padding=1)
        )

    def forward(self, x: Tensor, t: Tensor, labels: Tensor | None = None) -> Tensor:
        embedding = self.time(t)  # (N, E)
        if self.label is not None and labels is not None:
            embedding = embedding + self.label(labels)
        h = self.stem(x)  # (N, w0, H, W)
        skips = [h]
        for level, block in enumerate(self.down):
            h = block(h, embedding)
            skips.append(h)
            if level < len(self.downsample):
                h = self.downsample[level](h)  # halves H and W
                skips.append(h)
        h = self.middle[0](h, embedding)  # (N, w_last, H / 2^(L-1), W / 2^(L-1))
        h = self.middle[1](self.attention(h), embedding)
        for level, blocks in enumerate(self.up):
            if level:
                h = F.interpolate(h, size=skips[-1].shape[2:], mode="nearest")  # doubles H, W
            for block in cast(nn.ModuleList, blocks):
                h = block(torch.cat([h, skips.pop()], dim=1), embedding)
        return self.head(h)  # (N, C, H, W)


class FlowGenerator(Generator):
    """A flow-matching generator: integrates the U-Net's velocity from noise `z` to an image.

    `steps`, `solver` and `guidance` are the sampler's defaults; `sample(...)` and the CLI
    override them per call. Guidance applies to class-conditional models only.
    """

    def __init__(
        self,
        image_shape: Sequence[int] = (1, 28, 28),
        base_channels: int = 32,
        channel_mults: Sequence[int] = (1, 2, 2),
        attention: bool = True,
        num_classes: int = 0,
        class_names: Sequence[str] = (),
        steps: int = 20,
        solver: str = "euler",
        guidance: float = 1.0,
    ) -> None:
        super().__init__()
        channels, height, width = (int(d) for d in image_shape)
        levels = len(channel_mults)
        if levels < 1 or base_channels < 1 or min(channel_mults) < 1:
            raise ValueError("base_channels and channel_mults must be positive")
        if height % 2 ** (levels - 1) or width % 2 ** (levels - 1) or height < 2**levels:
            raise ValueError(f"{height}x{width} images do not halve {levels - 1} times")
        if class_names and len(class_names) != num_classes:
            raise ValueError(f"{len(class_names)} class names for {num_classes} classes")
        self.image_shape = (channels, height, width)
        self.latent_dim = channels * height * width
        self.num_classes, self.class_names = int(num_classes), tuple(class_names)
        self.defaults: dict[str, Any] = _checked({"steps": steps, "solver": solver})
        if self.num_classes:  # guidance mixes in the unlabelled velocity: conditional only
            self.defaults.update(_checked({"guidance": guidance}))
        widths = [base_channels * m for m in channel_mults]
        # one label more than classes: "no label", for classifier-free guidance
        labels = self.num_classes + 1 if self.num_classes else 0
        self.unet = UNet(channels, widths, 4 * base_channels, labels, attention)

    @property
    def sampling_options(self) -> Mapping[str, Any]:
        return {**self.defaults, "compile": "auto"}

    def sample_batches(
        self,
        n: int,
        labels: Labels = None,
        seed: int | None = None,
        device: torch.device | str | None = None,
        batch_size: int = 256,
        *,
        part: tuple[int, int] | None = None,
        **options: Any,
    ) -> Iterator[Tensor]:
        """As `Generator.sample_batches`; `compile="auto"` compiles the U-Net when the
        requested work (this part of it) pays back the compilation (see `compile_pays`)."""
        settings = {**self.sampling_options, **self.check_options(options)}
        count = part[1] - part[0] if part is not None else n
        if settings["compile"] == "auto":
            settings["compile"] = compile_pays(count, settings)
        self._batch = min(batch_size, max(count, 1))
        return super().sample_batches(n, labels, seed, device, batch_size, part=part, **settings)

    def check_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        return _checked(super().check_options(options))

    def velocity(self, x: Tensor, t: Tensor, labels: Tensor | None = None) -> Tensor:
        """(N, C, H, W) points at (N,) times [+ (N,) labels, `num_classes` = none] -> dx/dt."""
        if getattr(self, "_compiled_now", False) and not torch.is_grad_enabled():
            return self._compiled_velocity(x, t, labels)
        return self.unet(x, t, labels)

    def _compiled_velocity(self, x: Tensor, t: Tensor, labels: Tensor | None) -> Tensor:
        """The U-Net through torch.compile, made on first use (its cost reported). Batches
        are padded to the run's batch size, so a short last batch does not recompile."""
        compiled: Callable[..., Tensor] | None = self.__dict__.get("_compiled")
        size = max(getattr(self, "_batch", x.shape[0]), x.shape[0])
        if compiled is None:
            start = time.perf_counter()
            _log.warning("compiling the flow U-Net (torch.compile; once per process)...")
            compiled = cast(Callable[..., Tensor], torch.compile(self.unet, dynamic=False))
            compiled(*_padded(x, t, labels, size))
            # kept outside the module tree: it must not join the state dict
            self.__dict__["_compiled"] = compiled
            _log.warning("compiled in %.0f s", time.perf_counter() - start)
        return compiled(*_padded(x, t, labels, size))[: x.shape[0]]

    def forward(self, z: Tensor, labels: Tensor | None = None, **options: Any) -> Tensor:
        *_, image = self._integrate(z, labels, options)  # only the last point is kept
        return image.clamp(-1, 1)

    def trajectory(self, z: Tensor, labels: Tensor | None = None, **options: Any) -> Tensor:
        """(N, latent_dim) noise -> (steps + 1, N, C, H, W): the noise, then each step's point."""
        return torch.stack(list(self._integrate(z, labels, options))).clamp(-1, 1)

    def _integrate(
        self, z: Tensor, labels: Tensor | None, options: Mapping[str, Any]
    ) -> Iterator[Tensor]:
        settings = {**self.defaults, **self.check_options(options)}
        self._compiled_now = settings.get("compile") is True
        if self.num_classes and labels is None:
            raise ValueError("this generator is conditional: pass labels")
        x = z.reshape(z.shape[0], *self.image_shape)
        times = torch.linspace(0, 1, settings["steps"] + 1, device=z.device, dtype=z.dtype)
        field = self._guided(labels, float(settings.get("guidance", 1.0)))
        return SOLVERS[settings["solver"]](field, x, times)

    def _guided(self, labels: Tensor | None, guidance: float) -> Velocity:
        """The velocity to integrate: plain, or mixed with the unlabelled one (guidance != 1)."""
        if labels is None or guidance == 1:
            return lambda x, t: self.velocity(x, t.expand(x.shape[0]), labels)
        null = torch.full_like(labels, self.num_classes)

        def guided(x: Tensor, t: Tensor) -> Tensor:
            both = self.velocity(
                torch.cat([x, x]), t.expand(2 * x.shape[0]), torch.cat([labels, null])
            )
            labelled, unlabelled = both.chunk(2)
            return unlabelled + guidance * (labelled - unlabelled)

        return guided


# torch.compile of the U-Net: measured on this project's 2-core CPU (bench/flow_sampling.py),
# a compiled evaluation takes ~0.78 of an eager one, and compiling takes ~60-100 s (less
# when inductor's on-disk cache holds the graph). So it pays from about this many
# image-evaluations of the network (images x steps x evaluations per step) on.
COMPILE_PAYS_AFTER = 60_000


def compile_pays(n: int, settings: Mapping[str, Any]) -> bool:
    """Whether compiling the U-Net pays back for `n` images with these sampler settings."""
    evaluations = n * settings["steps"] * EVALUATIONS_PER_STEP[settings["solver"]]
    if settings.get("guidance", 1.0) != 1.0:
        evaluations *= 2  # guidance evaluates the labelled and the unlabelled field
    return evaluations >= COMPILE_PAYS_AFTER and hasattr(torch, "compile")


def _padded(
    x: Tensor, t: Tensor, labels: Tensor | None, size: int
) -> tuple[Tensor, Tensor, Tensor | None]:
    missing = size - x.shape[0]
    if missing <= 0:
        return x, t, labels

    def pad(tensor: Tensor) -> Tensor:
        return torch.cat([tensor, tensor[:1].expand(missing, *tensor.shape[1:])])

    return pad(x), pad(t), None if labels is None else pad(labels)


def _checked(options: dict[str, Any]) -> dict[str, Any]:
    """`options` if each value is one the sampler takes, else a BadInputError naming it."""
    steps, solver = options.get("steps", 1), options.get("solver", "euler")
    guidance = options.get("guidance", 1.0)
    if options.get("compile", "auto") not in ("auto", True, False):
        raise BadInputError(f"compile must be auto, True or False, got {options['compile']!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise BadInputError(f"steps must be a whole number >= 1, got {steps!r}")
    if solver not in SOLVERS:
        raise BadInputError(f"unknown solver {solver!r}: use {', '.join(SOLVERS)}")
    if isinstance(guidance, bool) or not isinstance(guidance, (int, float)):
        raise BadInputError(f"guidance must be a number, got {guidance!r}")
    if not math.isfinite(guidance) or guidance < 0:
        raise BadInputError(f"guidance must be a finite number >= 0, got {guidance}")
    return options
