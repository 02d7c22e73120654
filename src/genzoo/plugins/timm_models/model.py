"""timm networks (`timm.create_model`, random init) as genzoo Classifiers and Encoders.

timm's ImageNet models expect 224x224 RGB; `small_stem` adapts a ResNet-style
stem (a `conv1` followed by a `maxpool`) to 28x28 images by making the first
convolution 3x3 with stride 1 and dropping the pooling, so the first stage sees
the image at full resolution rather than 7x7; `keep_maxpool` keeps the pooling,
so that it sees 14x14, for a quarter of the computation (what makes a ResNet-18
trainable on a CPU). Other families keep their stem and rely on their global
pooling. `in_chans` follows the image's channels.

Any image size: a network is tried once on the given size when it is built. One
that cannot run on it (a ConvNeXt's stride-4 stem and three downsamplings leave
nothing of 28x28; a ViT wants its own patch grid) is first made for that size
(`img_size=`, for the timm families that take it), and failing that, its input is
resized (bilinear) to the smallest of `INPUT_SIZES` it runs on: slower and
coarser, but it runs. `input_size` on the module says which size it sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genzoo.core.errors import BadInputError
from genzoo.core.interfaces import Classifier, Encoder

INPUT_SIZES = (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 384)


def create(
    model_name: str,
    image_shape: tuple[int, int, int],
    num_classes: int,
    small_stem: bool,
    keep_maxpool: bool,
) -> tuple[Any, tuple[int, int]]:
    """A timm model that runs on `image_shape`, and the input size it is fed (typed Any:
    mypy cannot see the attributes timm's models add)."""
    import timm

    # timm.create_model reads "hf-hub:org/name" and "local-dir:/path" as places to fetch a
    # config and weights from: a repo's config must name an architecture, never a source.
    if not isinstance(model_name, str) or not timm.is_model(model_name):
        raise BadInputError(
            f"model_name {str(model_name)[:80]!r} is not one of timm's architectures "
            "(timm.list_models()); a config names an architecture, never where to fetch one"
        )
    channels, height, width = image_shape

    def make(**size: Any) -> Any:
        model = timm.create_model(
            model_name, pretrained=False, num_classes=num_classes, in_chans=channels, **size
        )
        stem, pool = getattr(model, "conv1", None), getattr(model, "maxpool", None)
        if small_stem and isinstance(stem, nn.Conv2d) and pool is not None:
            model.conv1 = nn.Conv2d(channels, stem.out_channels, 3, 1, 1, bias=False)
            if not keep_maxpool:
                model.maxpool = nn.Identity()
        return model

    model = make()
    if _runs(model, channels, (height, width)):
        return model, (height, width)
    try:
        sized = make(img_size=(height, width))
    except TypeError:  # this family takes no img_size
        sized = None
    if sized is not None and _runs(sized, channels, (height, width)):
        return sized, (height, width)
    for size in INPUT_SIZES:
        if size >= max(height, width) and _runs(model, channels, (size, size)):
            return model, (size, size)
    raise ValueError(f"timm's {model_name} runs on none of {height}x{width}, {INPUT_SIZES}")


def _runs(model: nn.Module, channels: int, size: tuple[int, int]) -> bool:
    """Whether one image of `size` passes through (on the meta device when building there)."""
    device = next(model.parameters()).device
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, channels, *size, device=device))
    except Exception:  # each family fails its own way: a shape error, an assert, a value error
        return False
    finally:
        model.train()
    return True


def _fit(images: Tensor, size: tuple[int, int]) -> Tensor:
    if tuple(images.shape[-2:]) == size:
        return images
    return F.interpolate(images, size=size, mode="bilinear", align_corners=False)


class TimmClassifier(Classifier):
    """`features` are timm's pooled pre-logits (512-d for resnet18)."""

    def __init__(
        self,
        model_name: str = "resnet18",
        class_names: Sequence[str] = tuple("0123456789"),
        image_shape: Sequence[int] = (1, 28, 28),
        small_stem: bool = True,
        keep_maxpool: bool = False,
    ) -> None:
        super().__init__()
        self.class_names = tuple(class_names)
        channels, height, width = (int(d) for d in image_shape)
        self.image_shape = (channels, height, width)
        self.net, self.input_size = create(
            model_name, self.image_shape, len(self.class_names), small_stem, keep_maxpool
        )

    def features(self, images: Tensor) -> Tensor:
        images = _fit(images, self.input_size)
        return self.net.forward_head(self.net.forward_features(images), pre_logits=True)

    def forward(self, images: Tensor) -> Tensor:
        return self.net(_fit(images, self.input_size))

    def logits_from_features(self, features: Tensor) -> Tensor:
        return self.net.get_classifier()(features)  # timm's head after its pre-logits


class TimmEncoder(Encoder):
    """Images -> timm's pooled features (deterministic codes, latent_dim = num_features)."""

    def __init__(
        self,
        model_name: str = "resnet18",
        image_shape: Sequence[int] = (1, 28, 28),
        small_stem: bool = True,
        keep_maxpool: bool = False,
    ) -> None:
        super().__init__()
        channels, height, width = (int(d) for d in image_shape)
        self.image_shape = (channels, height, width)
        # 0 classes: pooled features
        self.net, self.input_size = create(
            model_name, self.image_shape, 0, small_stem, keep_maxpool
        )
        self.latent_dim = int(self.net.num_features)

    def forward(self, images: Tensor) -> Tensor:
        return self.net(_fit(images, self.input_size))
