"""Checks that a component keeps the tensor contract of its interface.

Cheap, explicit checks on a few inputs, run by tests and by `genzoo.testing`
rather than inside every forward. Each failure raises `ConformanceError` with
what was expected and what came back.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from genzoo.core.errors import ConformanceError
from genzoo.core.interfaces import (
    INTERFACES,
    AutoregressiveGenerator,
    Classifier,
    Decoder,
    Discriminator,
    Encoder,
    Generator,
    LatentDistribution,
    evaluating,
)
from genzoo.core.model import ZooModel

_RANGE_SLACK = 1e-3  # tanh outputs may round a hair past +-1


def check_generator(generator: Generator, n: int = 3) -> None:
    _check_dims(generator, "generator", latent_dim=True)
    first = generator.sample(n, seed=0)
    _check_images(first, n, generator.image_shape, "generator.sample")
    if not torch.equal(first, generator.sample(n, seed=0)):
        raise ConformanceError("generator.sample is not deterministic for a fixed seed")
    z = torch.randn(n, generator.latent_dim)
    labels = torch.arange(n) % generator.num_classes if generator.num_classes else None
    with torch.no_grad():
        _check_images(generator.eval()(z, labels), n, generator.image_shape, "generator(z)")
    if isinstance(generator, AutoregressiveGenerator):
        with torch.no_grad():
            nll = generator.negative_log_likelihood(first)
        _check_tensor(nll, (n,), "generator.negative_log_likelihood(images)")
        if not (nll >= 0).all():  # of discrete grey levels: a probability is at most 1
            raise ConformanceError("generator.negative_log_likelihood returned negative values")


def check_discriminator(discriminator: Discriminator, n: int = 3) -> None:
    _check_dims(discriminator, "discriminator")
    images = torch.rand(n, *discriminator.image_shape) * 2 - 1
    labels = torch.arange(n) % discriminator.num_classes if discriminator.num_classes else None
    with torch.no_grad():
        scores = discriminator.eval()(images, labels)
    _check_tensor(scores, (n,), "discriminator(images)")


def check_encoder(encoder: Encoder, n: int = 3) -> None:
    _check_dims(encoder, "encoder", latent_dim=True)
    images = torch.rand(n, *encoder.image_shape) * 2 - 1
    with torch.no_grad():
        out = encoder.eval()(images)
    parts = out._asdict() if isinstance(out, LatentDistribution) else {"code": out}
    for part, tensor in parts.items():
        _check_tensor(tensor, (n, encoder.latent_dim), f"encoder(images) {part}")


def check_decoder(decoder: Decoder, n: int = 3) -> None:
    _check_dims(decoder, "decoder", latent_dim=True)
    with torch.no_grad():
        images = decoder.eval()(torch.randn(n, decoder.latent_dim))
    _check_images(images, n, decoder.image_shape, "decoder(z)")


def check_classifier(classifier: Classifier, n: int = 3) -> None:
    _check_dims(classifier, "classifier")
    if not classifier.class_names or not all(isinstance(c, str) for c in classifier.class_names):
        raise ConformanceError("classifier.class_names must be a non-empty sequence of strings")
    images = torch.rand(n, *classifier.image_shape) * 2 - 1
    with torch.no_grad():
        logits = classifier.eval()(images)
        features = classifier.features(images)
    _check_tensor(logits, (n, classifier.num_classes), "classifier(images)")
    if features.dim() != 2 or features.shape[0] != n:
        raise ConformanceError(
            f"classifier.features returned shape {tuple(features.shape)}; expected (N={n}, D)"
        )


CHECKS: dict[str, Callable[..., None]] = {
    "generator": check_generator,
    "discriminator": check_discriminator,
    "encoder": check_encoder,
    "decoder": check_decoder,
    "classifier": check_classifier,
}


def check_component(role: str, module: nn.Module) -> None:
    """Check `module` against the interface of `role` (its class and its tensors)."""
    interface = INTERFACES[role]
    if not isinstance(module, interface):
        raise ConformanceError(f"the {role} must subclass genzoo.{interface.__name__}")
    with evaluating(module):
        try:
            CHECKS[role](module)
        except ConformanceError:
            raise
        except Exception as err:  # the component's own failure is the finding: named, one line
            reason = " ".join(f"{type(err).__name__}: {err}".split())[:300]
            raise ConformanceError(f"the {role} failed its checks: {reason}") from err


def check_model(model: ZooModel) -> None:
    """Check every component of a built model."""
    for role, module in model.items():
        check_component(role, module)


def _check_dims(module: nn.Module, role: str, latent_dim: bool = False) -> None:
    shape = getattr(module, "image_shape", None)
    if not (
        isinstance(shape, tuple)
        and len(shape) == 3
        and all(isinstance(d, int) and d > 0 for d in shape)
    ):
        raise ConformanceError(
            f"{role}.image_shape must be a (C, H, W) tuple of ints, got {shape!r}"
        )
    if latent_dim and not (isinstance(module.latent_dim, int) and module.latent_dim > 0):
        raise ConformanceError(
            f"{role}.latent_dim must be a positive int, got {module.latent_dim!r}"
        )


def _check_tensor(tensor: object, shape: tuple[int, ...], what: str) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise ConformanceError(f"{what} returned {type(tensor).__name__}, not a tensor")
    if tuple(tensor.shape) != shape:
        raise ConformanceError(f"{what} returned shape {tuple(tensor.shape)}; expected {shape}")
    if not tensor.is_floating_point():
        raise ConformanceError(f"{what} returned dtype {tensor.dtype}; expected a float dtype")
    if not torch.isfinite(tensor).all():
        raise ConformanceError(f"{what} returned non-finite values")
    return tensor


def _check_images(images: object, n: int, image_shape: tuple[int, ...], what: str) -> None:
    tensor = _check_tensor(images, (n, *image_shape), what)
    if n and (tensor.min() < -1 - _RANGE_SLACK or tensor.max() > 1 + _RANGE_SLACK):
        raise ConformanceError(
            f"{what} returned values in [{tensor.min():.3f}, {tensor.max():.3f}]; "
            "images must lie in [-1, 1]"
        )
