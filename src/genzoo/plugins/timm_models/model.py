"""timm networks (`timm.create_model`, random init) as genzoo Classifiers and Encoders.

timm's ImageNet models expect 224x224 RGB; `small_stem` adapts a ResNet-style
stem (a `conv1` followed by a `maxpool`) to 28x28 images by making the first
convolution 3x3 with stride 1 and dropping the pooling, so the first stage sees
the image at full resolution rather than 7x7; `keep_maxpool` keeps the pooling,
so that it sees 14x14, for a quarter of the computation (what makes a ResNet-18
trainable on a CPU). Other families keep their stem and rely on their global
pooling. `in_chans` follows the image's channels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import Tensor, nn

from genzoo.core.interfaces import Classifier, Encoder


def create(
    model_name: str, channels: int, num_classes: int, small_stem: bool, keep_maxpool: bool
) -> Any:
    """A timm model (typed Any: mypy cannot see the attributes timm's models add)."""
    import timm

    model = timm.create_model(
        model_name, pretrained=False, num_classes=num_classes, in_chans=channels
    )
    stem, pool = getattr(model, "conv1", None), getattr(model, "maxpool", None)
    if small_stem and isinstance(stem, nn.Conv2d) and pool is not None:
        model.conv1 = nn.Conv2d(channels, stem.out_channels, 3, 1, 1, bias=False)
        if not keep_maxpool:
            model.maxpool = nn.Identity()
    return model


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
        self.net = create(model_name, channels, len(self.class_names), small_stem, keep_maxpool)

    def features(self, images: Tensor) -> Tensor:
        return self.net.forward_head(self.net.forward_features(images), pre_logits=True)

    def forward(self, images: Tensor) -> Tensor:
        return self.net(images)


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
        self.net = create(model_name, channels, 0, small_stem, keep_maxpool)
        self.latent_dim = int(self.net.num_features)

    def forward(self, images: Tensor) -> Tensor:
        return self.net(images)
