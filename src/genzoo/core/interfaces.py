"""The five component interfaces and their tensor contracts.

Images are float tensors N x C x H x W scaled to [-1, 1]. Implementations set the
attributes named in each class in `__init__` and implement `forward`; contracts
are checked by `genzoo.core.conformance`, not in every forward.
"""

from __future__ import annotations

import abc
import operator
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genzoo.core.errors import BadInputError

__all__ = [
    "INTERFACES",
    "AutoregressiveGenerator",
    "BernoulliDecoder",
    "Classifier",
    "Decoder",
    "Device",
    "Discriminator",
    "DrawingGenerator",
    "ELBOTerms",
    "Encoder",
    "Generator",
    "ImageShape",
    "Labels",
    "LatentDistribution",
    "PriorSampler",
    "evaluating",
    "sampler",
    "sampling_role",
]

ImageShape = tuple[int, int, int]  # (channels, height, width)
Device = torch.device | str | None
#: Classes to sample: an index or a name ("sneaker"), one per image or one for all.
Labels = int | str | Sequence[int | str] | Tensor | None


class LatentDistribution(NamedTuple):
    """A diagonal Gaussian over latent codes, as a variational encoder returns it."""

    mean: Tensor  # (N, latent_dim)
    log_var: Tensor  # (N, latent_dim)

    def sample(self, generator: torch.Generator | None = None) -> Tensor:
        """Draw one code per row with the reparameterisation trick (differentiable)."""
        return self.shifted(torch.randn(self.mean.shape, generator=generator, device="cpu"))

    def shifted(self, noise: Tensor) -> Tensor:
        """mean + std * noise: standard normal `noise` made a draw from this distribution."""
        return self.mean + (0.5 * self.log_var).exp() * noise.to(self.mean)


class Generator(nn.Module, abc.ABC):
    """Maps latent codes, and class labels when conditional, to images.

    Iterative generators (flow matching, diffusion) take sampling options: `forward`,
    `sample`, `interpolate` and `trajectory` accept them by keyword (`steps=20,
    solver="heun"`), `sampling_options` names them with their defaults, and
    `check_options` refuses what the sampler does not know. A one-pass generator has none.
    """

    latent_dim: int
    num_classes: int = 0  # 0 when unconditional
    class_names: tuple[str, ...] = ()  # names of the label indices, when known
    image_shape: ImageShape

    @abc.abstractmethod
    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """(N, latent_dim) codes [+ (N,) int64 labels] -> (N, C, H, W) images in [-1, 1]."""

    @property
    def sampling_options(self) -> Mapping[str, Any]:
        """The sampler's options and their defaults, e.g. {"steps": 20, "solver": "euler"}."""
        return {}

    def check_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """`options` without the unset (None) ones, each known to this sampler, else a
        BadInputError naming it. Subclasses check the values too."""
        given = {name: value for name, value in options.items() if value is not None}
        if unknown := sorted(set(given) - set(self.sampling_options)):
            known = ", ".join(self.sampling_options)
            what = f"its options are {known}" if known else "it has no sampling options"
            raise BadInputError(f"{type(self).__name__} takes no {', '.join(unknown)}: {what}")
        return given

    def _run(self, z: Tensor, labels: Tensor | None, options: Mapping[str, Any]) -> Tensor:
        # one-pass generators implement forward(z, labels) alone
        return self(z, labels, **options) if options else self(z, labels)

    @property
    def has_trajectory(self) -> bool:
        """Whether the generator shows how it makes an image (`trajectory`)."""
        return type(self).trajectory is not Generator.trajectory

    def trajectory(self, z: Tensor, labels: Tensor | None = None, **options: Any) -> Tensor:
        """(N, latent_dim) codes -> (T, N, C, H, W): the image after each of T steps, the last
        one `forward`'s. A generator that makes its image in one pass has none."""
        raise BadInputError(f"{type(self).__name__} makes its images in one pass: no steps to show")

    def label_index(self, label: str | int) -> int:
        """A class given by index ('3', 3) or by name ('sneaker', case-insensitive)."""
        if not self.num_classes:
            raise BadInputError("this generator is unconditional: it takes no labels")
        text = str(label).strip()
        if text.lstrip("-").isdigit():
            index = int(text)
            if not 0 <= index < self.num_classes:
                raise BadInputError(f"label {index} is out of range 0..{self.num_classes - 1}")
            return index
        folded = [name.casefold() for name in self.class_names]
        if text.casefold() in folded:
            return folded.index(text.casefold())
        known = ", ".join(self.class_names) if self.class_names else "none"
        raise BadInputError(
            f"unknown label {text!r}: give an index 0..{self.num_classes - 1} or a class name "
            f"(known names: {known})"
        )

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """(n, latent_dim) standard normal codes, drawn on the CPU so seeds agree across devices."""
        return torch.randn(n, self.latent_dim, generator=generator)

    @torch.no_grad()
    def sample(
        self,
        n: int,
        labels: Labels = None,
        seed: int | None = None,
        device: Device = None,
        batch_size: int = 256,
        *,
        part: tuple[int, int] | None = None,
        generator: torch.Generator | None = None,
        **options: Any,
    ) -> Tensor:
        """Generate `n` images on `device` (default: the module's); same `seed`, same images.
        `generator=` (a CPU `torch.Generator`, as diffusers takes) in place of `seed` draws
        the codes from it: `torch.Generator().manual_seed(s)` gives `seed=s`'s images.

        All codes are drawn first, then run through the network `batch_size` at a
        time: the batch size changes the result only by float rounding, and a
        large `n` never holds more than one batch of activations. A conditional generator
        draws random labels when none are given. `options` go to an iterative sampler.
        `part=(start, stop)` makes only those images of the n, from the same codes (how
        processes share the work: `genzoo.core.ranks`).
        """
        batches = self.sample_batches(
            n, labels, seed, device, batch_size, part=part, generator=generator, **options
        )
        return torch.cat(list(batches))

    @torch.no_grad()
    def sample_batches(
        self,
        n: int,
        labels: Labels = None,
        seed: int | None = None,
        device: Device = None,
        batch_size: int = 256,
        *,
        part: tuple[int, int] | None = None,
        generator: torch.Generator | None = None,
        **options: Any,
    ) -> Iterator[Tensor]:
        """`sample`'s images, `batch_size` at a time, for callers that stream a large `n`
        (the images are the same as `sample`'s for the same arguments)."""
        n = _count(n, "n", 0)
        batch_size = _count(batch_size, "batch_size", 1)
        start, stop = part if part is not None else (0, n)
        if not 0 <= start <= stop <= n:
            raise BadInputError(f"part {start}..{stop} is not within the {n} images")
        options = self.check_options(options)
        rng, device = _rng(seed, generator), _device(self, device)
        z = self.sample_latent(n, rng)
        y = self._labels(n, labels, rng)
        dtype = _dtype(self)
        if start == stop:
            yield torch.empty(0, *self.image_shape, device=device, dtype=dtype)
        with evaluating(self):
            for i in range(start, stop, batch_size):
                end = min(i + batch_size, stop)
                codes = z[i:end].to(device, dtype)
                yield self._run(codes, None if y is None else y[i:end].to(device), options)

    @torch.no_grad()
    def sample_steps(
        self,
        n: int,
        seed: int | None = None,
        device: Device = None,
        *,
        generator: torch.Generator | None = None,
        **options: Any,
    ) -> Tensor:
        """(T, n, C, H, W): `n` images made step by step (`trajectory`); the last is `sample`'s."""
        n = _count(n, "n", 1)
        options = self.check_options(options)
        rng, device = _rng(seed, generator), _device(self, device)
        z = self.sample_latent(n, rng).to(device, _dtype(self))
        y = self._labels(n, None, rng)
        with evaluating(self):
            return self.trajectory(z, None if y is None else y.to(device), **options)

    @torch.no_grad()
    def interpolate(
        self,
        n: int,
        frames: int | None = None,
        points: int = 2,
        seed: int | None = None,
        labels: Labels = None,
        device: Device = None,
        *,
        generator: torch.Generator | None = None,
        **options: Any,
    ) -> Tensor:
        """A looping latent walk: (points * frames, n, C, H, W) images for `n` parallel walks.

        Each walk visits `points` random codes and returns to the first, moving along
        great circles (slerp), which keeps Gaussian codes at a typical norm; `frames` images
        lead from one code to the next. `options` go to an iterative sampler.
        `steps=` in place of `frames` is 0.1.0's spelling, deprecated.
        """
        if frames is None:
            if "steps" not in options:
                raise BadInputError("interpolate needs frames, the images from code to code")
            from genzoo.core.deprecation import deprecated

            deprecated("Generator.interpolate(steps=)", "interpolate(frames=)")
            frames = int(options.pop("steps"))
        n, frames, points = (
            _count(n, "n", 1),
            _count(frames, "frames", 1),
            _count(points, "points", 2),
        )
        options = self.check_options(options)
        rng, device = _rng(seed, generator), _device(self, device)
        keys = self.sample_latent(n * points, rng).view(points, n, self.latent_dim)
        y = self._labels(n, labels, rng)
        t = torch.arange(frames, dtype=torch.float32) / frames
        codes = torch.cat(
            [_slerp(keys[i], keys[(i + 1) % points], t) for i in range(points)]
        )  # (points * frames, n, latent_dim)
        with evaluating(self):
            dtype, y = _dtype(self), None if y is None else y.to(device)
            images = [self._run(z.to(device, dtype), y, options) for z in codes]
        return torch.stack(images)

    def _labels(self, n: int, labels: Labels, rng: torch.Generator | None) -> Tensor | None:
        if not self.num_classes:
            if labels is not None:
                raise BadInputError("this generator is unconditional: it takes no labels")
            return None
        if labels is None:
            return torch.randint(0, self.num_classes, (n,), generator=rng)
        if isinstance(labels, str):  # a class name, as `--label` takes it
            labels = self.label_index(labels)
        elif isinstance(labels, Sequence) and any(isinstance(x, str) for x in labels):
            labels = [self.label_index(x) for x in labels]
        try:
            given = torch.as_tensor(labels)
        except (TypeError, ValueError, RuntimeError):
            raise BadInputError(f"labels {str(labels)[:40]}: give class indices or names") from None
        if given.dtype == torch.bool or given.is_complex():
            raise BadInputError(f"labels are class indices, not {given.dtype}")
        whole = torch.isfinite(given).all() and (given == given.round()).all()
        if given.is_floating_point() and not whole:
            raise BadInputError(f"labels are whole class indices, got {str(labels)[:40]}")
        y = given.to(torch.long).flatten()
        if y.numel() == 1:
            y = y.expand(n)
        if y.numel() != n:
            raise BadInputError(f"got {y.numel()} labels for {n} images")
        if n and (y.min() < 0 or y.max() >= self.num_classes):
            raise BadInputError(f"labels must lie in [0, {self.num_classes - 1}]")
        return y


class Discriminator(nn.Module, abc.ABC):
    """Scores images as real (high) or generated (low)."""

    image_shape: ImageShape
    num_classes: int = 0

    @abc.abstractmethod
    def forward(self, images: Tensor, labels: Tensor | None = None) -> Tensor:
        """(N, C, H, W) images [+ (N,) labels] -> (N,) raw scores (logits, not probabilities)."""


class Encoder(nn.Module, abc.ABC):
    """Maps images to latent codes, or to a `LatentDistribution` for variational models."""

    latent_dim: int
    image_shape: ImageShape

    @abc.abstractmethod
    def forward(self, images: Tensor) -> Tensor | LatentDistribution:
        """(N, C, H, W) images -> (N, latent_dim) codes or a LatentDistribution of that shape."""


class Decoder(nn.Module, abc.ABC):
    """Maps latent codes to images."""

    latent_dim: int
    image_shape: ImageShape

    @abc.abstractmethod
    def forward(self, z: Tensor) -> Tensor:
        """(N, latent_dim) codes -> (N, C, H, W) images in [-1, 1]."""

    def from_prior(self, noise: Tensor) -> Tensor:
        """(N, latent_dim) standard normal noise -> codes drawn from the decoder's prior.

        The noise itself for the N(0, I) prior. A decoder with a learned prior (the VAE's
        flow prior) maps it to where its encoder puts images."""
        return noise

    def prior_loss(self, codes: Tensor) -> Tensor | None:
        """(N, latent_dim) encoder codes, detached -> (N,) loss fitting a learned prior to
        them, or None for a fixed prior. Training adds it beside the bound, never in it."""
        return None


class ELBOTerms(NamedTuple):
    """The two terms of a variational model's negative evidence lower bound, per image,
    and any `extra` losses an objective trains with beside the bound (e.g. a VQ-VAE's
    codebook and commitment terms): each (N,), added to the training loss and logged
    under its name, never counted in the bound `genzoo evaluate` reports."""

    reconstruction: Tensor  # (N,) -log p(x | z) in nats
    kl: Tensor  # (N,) KL(q(z | x) || p(z)) in nats
    extra: Mapping[str, Tensor] = MappingProxyType({})


class BernoulliDecoder(Decoder):
    """A decoder that defines a likelihood: pixels are independent Bernoulli variables.

    Each pixel's intensity (x + 1) / 2 in [0, 1] is read as its probability, so the
    decoded image is the mean of p(x | z) (what variational training and the ELBO
    metric need). Implementations give `logits`; `forward` maps them into [-1, 1].
    """

    @abc.abstractmethod
    def logits(self, z: Tensor) -> Tensor:
        """(N, latent_dim) codes -> (N, C, H, W) Bernoulli logits of the pixel intensities."""

    def forward(self, z: Tensor) -> Tensor:
        return torch.tanh(0.5 * self.logits(z))  # = 2 * sigmoid(logits) - 1


class DrawingGenerator(Generator):
    """A generator that makes its image over `steps` refinements of a canvas (DRAW).

    It is a recurrent variational autoencoder whose encoder reads the decoder's
    state at every step, so both live in this one component; `negative_elbo`
    gives the bound its encoder proves. `latent_dim` counts all steps' codes.
    """

    steps: int

    @abc.abstractmethod
    def canvases(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """(N, latent_dim) codes -> (steps, N, C, H, W): the image in [-1, 1] after each step."""

    @abc.abstractmethod
    def negative_elbo(self, images: Tensor, generator: torch.Generator | None = None) -> ELBOTerms:
        """(N, C, H, W) images -> the bound's terms, one posterior draw per image."""

    @abc.abstractmethod
    def reconstruct(self, images: Tensor) -> Tensor:
        """(N, C, H, W) images -> their reconstructions from the posterior means."""

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.canvases(z, labels)[-1]

    def trajectory(self, z: Tensor, labels: Tensor | None = None, **options: Any) -> Tensor:
        return self.canvases(z, labels)


class AutoregressiveGenerator(Generator):
    """A generator that defines an exact likelihood, pixel by pixel (PixelRNN, PixelCNN).

    `negative_log_likelihood` is of the 8-bit grey levels the images are stored as, in
    nats per image; `genzoo evaluate` reports it in bits per dimension, the field's unit.
    """

    @abc.abstractmethod
    def negative_log_likelihood(self, images: Tensor) -> Tensor:
        """(N, C, H, W) images in [-1, 1] -> (N,) -log p(images) in nats."""


def checked_images(images: Tensor, image_shape: Sequence[int], what: str) -> Tensor:
    """`images` if they are what a model's likelihood is defined on: a float (N, C, H, W)
    tensor of the model's `image_shape`, finite, in [-1, 1]; else a BadInputError saying
    how they differ. A likelihood of uint8 pixels, of [0, 1] floats or of another size is a
    plausible number for the wrong question: `genzoo.to_input` converts pictures first."""
    expected = tuple(int(d) for d in image_shape)
    if not isinstance(images, Tensor):
        raise BadInputError(f"{what} takes a tensor of images, got {type(images).__name__}")
    if not images.is_floating_point():
        raise BadInputError(
            f"{what} takes float images in [-1, 1], got {images.dtype} "
            "(convert pictures with genzoo.to_input)"
        )
    if images.dim() != 4 or tuple(images.shape[1:]) != expected:
        raise BadInputError(
            f"{what} takes (N, {', '.join(map(str, expected))}) images, got {tuple(images.shape)}"
        )
    if images.numel() and not torch.isfinite(images).all():
        raise BadInputError(f"{what}: the images hold NaN or infinite values")
    if images.numel() and (images.min() < -1 - 1e-4 or images.max() > 1 + 1e-4):
        raise BadInputError(
            f"{what} takes images in [-1, 1], got values in [{float(images.min()):.3g}, "
            f"{float(images.max()):.3g}] (convert pictures with genzoo.to_input)"
        )
    if images.numel() and images.min() >= 0:
        # [0, 1] pixels (torchvision's ToTensor) fit the range and would be scored as
        # grey-on-grey images: a plausible, wrong number. No image of a dataset with a dark
        # background lacks every pixel darker than mid-grey.
        raise BadInputError(
            f"{what}: no pixel of these images is below 0, as [0, 1] pixels would be; "
            "genzoo's images are in [-1, 1] (genzoo.to_input converts pictures)"
        )
    return images


class PriorSampler(Generator):
    """A decoder seen as a generator: it decodes draws from its prior, N(0, I) noise
    mapped by `Decoder.from_prior` (a VAE's way to sample). Holds no weights of its own."""

    def __init__(self, decoder: Decoder) -> None:
        super().__init__()
        self.decoder = decoder
        self.latent_dim, self.image_shape = decoder.latent_dim, decoder.image_shape

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.decoder(self.decoder.from_prior(z))


def sampling_role(roles: Sequence[str]) -> str | None:
    """Which of a model's components makes images from noise: its generator, else its decoder."""
    return next((role for role in ("generator", "decoder") if role in roles), None)


def unwrapped(module: nn.Module) -> nn.Module:
    """The module itself, from behind `torch.compile`'s wrapper (which shares its weights
    but is no Generator, and prefixes its state-dict keys with `_orig_mod.`)."""
    original = getattr(module, "_orig_mod", None)
    return original if isinstance(original, nn.Module) else module


def sampler(components: Mapping[str, nn.Module] | nn.ModuleDict) -> Generator | None:
    """The component that samples images, as a Generator (a decoder is wrapped): of a
    loaded model (`genzoo.load`'s ZooModel) or of any mapping of components by role. A
    component compiled by `torch.compile` samples through its original module."""
    role = sampling_role(list(components))
    module = unwrapped(components[role]) if role is not None else None
    if isinstance(module, Generator):
        return module
    return PriorSampler(module) if isinstance(module, Decoder) else None


class Classifier(nn.Module, abc.ABC):
    """Maps images to class logits; `features` exposes the penultimate representation."""

    class_names: tuple[str, ...]
    image_shape: ImageShape

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @abc.abstractmethod
    def forward(self, images: Tensor) -> Tensor:
        """(N, C, H, W) images -> (N, num_classes) logits."""

    @abc.abstractmethod
    def features(self, images: Tensor) -> Tensor:
        """(N, C, H, W) images -> (N, D) features (what metrics compare)."""

    def logits_from_features(self, features: Tensor) -> Tensor:
        """(N, D) `features` -> (N, num_classes) logits, the last layer alone, so that an
        evaluator needing both runs the network once. Optional: a classifier whose logits
        do not follow from its features leaves it unimplemented."""
        raise NotImplementedError


#: The interface each role must implement.
INTERFACES: dict[str, type[nn.Module]] = {
    "generator": Generator,
    "discriminator": Discriminator,
    "encoder": Encoder,
    "decoder": Decoder,
    "classifier": Classifier,
}


def _slerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation of rows of `a` (N, D) towards `b` at fractions `t` -> (T, N, D)."""
    unit_a, unit_b = F.normalize(a, dim=1), F.normalize(b, dim=1)
    omega = torch.acos((unit_a * unit_b).sum(1).clamp(-1 + 1e-7, 1 - 1e-7))[None, :, None]
    t = t[:, None, None]
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


@contextmanager
def evaluating(module: nn.Module) -> Iterator[nn.Module]:
    """`module` in eval mode for the block, then back in the mode it was in."""
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


SEED_MAX = 2**62


def _rng(seed: int | None, generator: torch.Generator | None = None) -> torch.Generator | None:
    """A CPU generator for `seed`, or `generator` itself (CPU draws make seeds agree across
    devices); both given is ambiguous and refused."""
    if generator is not None:
        if seed is not None:
            raise BadInputError("give seed= or generator=, not both")
        if not isinstance(generator, torch.Generator):
            raise BadInputError(
                f"generator= takes a torch.Generator, got {type(generator).__name__}"
            )
        if generator.device.type != "cpu":
            raise BadInputError(
                "generator= takes a CPU torch.Generator: codes are drawn on the CPU so that a "
                "seed gives the same images on every device (pass device= for where they run)"
            )
        return generator
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int):
        try:
            seed = operator.index(seed)  # numpy integers
        except TypeError:
            raise BadInputError(f"seed {str(seed)[:40]}: give a whole number 0..2**62") from None
    if not 0 <= seed <= SEED_MAX:
        raise BadInputError(f"seed {str(seed)[:40]}: give a whole number 0..2**62")
    return torch.Generator().manual_seed(seed)


def _count(value: object, name: str, least: int) -> int:
    """A count given by a caller: a whole number (numpy's too) of at least `least`."""
    if isinstance(value, bool):
        raise BadInputError(f"{name} must be a whole number >= {least}, got {value!r}")
    try:
        count = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise BadInputError(
            f"{name} must be a whole number >= {least}, got {str(value)[:40]!r}"
        ) from None
    if count < least:
        raise BadInputError(f"{name} must be a whole number >= {least}, got {count}")
    return count


def _dtype(module: nn.Module) -> torch.dtype:
    """The dtype of the module's floating-point parameters (float32 if it has none), so that
    codes drawn in float32 meet a model cast with `.to(torch.bfloat16)`."""
    param = next((p for p in module.parameters() if p.is_floating_point()), None)
    return param.dtype if param is not None else torch.float32


def _device(module: nn.Module, device: Device) -> torch.device:
    """`device` as given, else where the module's parameters are (the CPU if it has none)."""
    if device is not None:
        return torch.device(device)
    param = next(module.parameters(), None)
    return param.device if param is not None else torch.device("cpu")
