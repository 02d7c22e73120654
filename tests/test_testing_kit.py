"""genzoo.testing, the plugin authors' kit, run on genzoo's own architectures and on broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import Tensor

from genzoo.core.entries import Architecture
from genzoo.core.interfaces import Generator
from genzoo.core.registry import Registry
from genzoo.plugins import load_plugins
from genzoo.testing import ConformanceError, check_architecture, check_lazy_listing

BUILT_IN = sorted(load_plugins(entry_points=[]).registry.architectures)


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_architecture_passes_the_kit(name: str, tmp_path: Path):
    model = check_architecture(name, tmp_path)
    assert (tmp_path / "config.json").is_file() and len(model) >= 1


def test_listing_the_built_ins_imports_no_model_code():
    check_lazy_listing()


class LoudGenerator(Generator):
    """Breaks the image range: outputs in [-3, 3]."""

    def __init__(self, latent_dim: int = 4) -> None:
        super().__init__()
        self.latent_dim, self.image_shape = latent_dim, (1, 4, 4)
        self.linear = torch.nn.Linear(latent_dim, 16)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return 3 * torch.tanh(self.linear(z)).view(-1, 1, 4, 4)


class ForgetfulGenerator(LoudGenerator):
    """Keeps in range but holds state outside its state_dict: a round trip changes it."""

    def __init__(self, latent_dim: int = 4) -> None:
        super().__init__(latent_dim)
        self.offset = torch.rand(1).item() * 0.5  # a plain attribute: never saved

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return torch.tanh(self.linear(z)).view(-1, 1, 4, 4) * 0.5 + self.offset


@pytest.mark.parametrize(
    ("cls", "message"),
    [("LoudGenerator", "must lie in \\[-1, 1\\]"), ("ForgetfulGenerator", "round trip")],
)
def test_the_kit_catches_a_broken_architecture(tmp_path: Path, cls: str, message: str):
    registry = Registry()
    registry.add(
        Architecture(name="broken", family="gan", components={"generator": f"{__name__}:{cls}"}),
        plugin="test",
    )
    with pytest.raises(ConformanceError, match=message):
        check_architecture("broken", tmp_path, registry=registry)
