"""Speed-ups never trade correctness: each fast path computes what the plain one does."""

from __future__ import annotations

import contextlib
import copy
import subprocess
import sys

import pytest
import torch
from torch import nn

import genzoo
from genzoo.core.layers import ToImage
from genzoo.core.lazy import resolve
from genzoo.core.model import skipping_init
from genzoo.plugins import installed
from genzoo.plugins.dcgan.model import LatentProjection
from genzoo.zoo.weights import write_repo


@pytest.mark.parametrize("bias", [False, True])
def test_latent_projection_is_the_transposed_convolution_it_replaces(bias: bool):
    torch.manual_seed(0)
    fast, plain = LatentProjection(10, 6, 7, bias=bias), nn.ConvTranspose2d(10, 6, 7, bias=bias)
    plain.load_state_dict(fast.state_dict())  # same parameters, same keys
    z = torch.randn(5, 10, 1, 1, requires_grad=True)
    out = fast(z)
    assert out.shape == (5, 6, 7, 7)
    torch.testing.assert_close(out, plain(z))
    grad_fast = torch.autograd.grad(out.square().sum(), [z, *fast.parameters()])
    grad_plain = torch.autograd.grad(plain(z).square().sum(), [z, *plain.parameters()])
    for ours, theirs in zip(grad_fast, grad_plain, strict=True):
        torch.testing.assert_close(ours, theirs)
    larger = torch.randn(2, 10, 3, 3)  # not a 1x1 map: the ordinary kernel runs
    torch.testing.assert_close(fast(larger), plain(larger))


@pytest.mark.parametrize("channels", [1, 3, 8])  # 8: the transposed kernel runs
@pytest.mark.parametrize("bias", [False, True])
def test_the_sub_pixel_image_layer_is_the_transposed_convolution_it_replaces(
    channels: int, bias: bool
):
    torch.manual_seed(0)
    fast = ToImage(6, channels).double()
    plain = nn.ConvTranspose2d(6, channels, 4, 2, 1, bias=bias).double()
    if not bias:
        fast.bias = None
    plain.load_state_dict(fast.state_dict())  # same parameters, same keys
    x = torch.randn(3, 6, 5, 7).double()
    with torch.no_grad():
        for layout in (torch.contiguous_format, torch.channels_last):
            out = fast(x.contiguous(memory_format=layout))
            assert out.shape == (3, channels, 10, 14)
            torch.testing.assert_close(out, plain(x))
    torch.testing.assert_close(fast(x), plain(x))  # with gradients: the transposed kernel


def test_the_sub_pixel_layer_samples_when_its_module_was_imported_building_on_meta():
    """Loading a zoo model builds it under `torch.device("meta")`, which may be where the
    model's module is first imported: a constant made at import landed on meta then, and
    `genzoo verify dcgan-mnist` saw NaN samples (the index read garbage)."""
    code = (
        "import sys, torch\n"
        "assert 'genzoo.core.layers' not in sys.modules\n"
        "with torch.device('meta'):\n"
        "    from genzoo.plugins.dcgan.model import DCGANGenerator\n"
        "g = DCGANGenerator().eval()\n"
        "z = torch.randn(2, g.latent_dim)\n"
        "with torch.no_grad():\n"
        "    fast = g(z)\n"
        "print(torch.allclose(fast, g(z), atol=1e-5))\n"  # with gradients: the transposed kernel
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "True", result.stderr


def test_the_channels_last_generator_computes_the_plain_one_and_trains_alike():
    """The DCGAN generator runs its transposed convolutions channels-last on the CPU: the
    same images and gradients as the plain NCHW stack, contiguous images out, and a state
    dict that stays contiguous (safetensors writes it as before)."""
    torch.manual_seed(0)
    generator = genzoo.build("dcgan", num_classes=3).generator.double()  # exact sums
    z, labels = torch.randn(6, generator.latent_dim).double(), torch.tensor([0, 1, 2, 0, 1, 2])

    def plain(g: nn.Module) -> torch.Tensor:
        start = torch.cat([z, nn.functional.one_hot(labels, 3).double()], 1)[:, :, None, None]
        return g.net(start)

    out = generator(z, labels)
    assert out.is_contiguous()
    torch.testing.assert_close(out, plain(generator))
    ours = torch.autograd.grad(out.square().sum(), list(generator.parameters()))
    theirs = torch.autograd.grad(plain(generator).square().sum(), list(generator.parameters()))
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b)
    assert all(t.is_contiguous() for t in generator.state_dict().values())


def test_loading_skips_the_random_init_and_still_gives_the_saved_model(tmp_path):
    torch.manual_seed(0)
    for name in ("dcgan", "vae", "draw"):
        saved = genzoo.build(name)
        write_repo(saved, tmp_path / name)
        rng_before = torch.get_rng_state()
        loaded = genzoo.load(str(tmp_path / name), device="cpu")
        assert torch.equal(torch.get_rng_state(), rng_before)  # no weights were drawn
        for key, value in saved.state_dict().items():
            assert torch.equal(loaded.state_dict()[key], value), (name, key)

    normal = nn.init.normal_
    with pytest.raises(RuntimeError), skipping_init():
        assert nn.init.normal_ is not normal
        raise RuntimeError("a failed build")
    assert nn.init.normal_ is normal  # restored, even after an error
    weight = torch.zeros(3)
    nn.init.normal_(weight)
    assert weight.abs().sum() > 0


@pytest.mark.parametrize("architecture", ["dcgan", "wgan-gp"])
def test_the_generator_step_leaves_out_only_gradients_nobody_reads(architecture: str):
    trainer_class = resolve(installed().registry.architecture(architecture).trainer)
    torch.manual_seed(0)
    model = genzoo.build(architecture, latent_dim=8, base_channels=4)
    fast = trainer_class(model, {"n_critic": 1} if architecture == "wgan-gp" else {})
    plain = trainer_class(copy.deepcopy(model), fast.hparams)
    plain.judging = contextlib.nullcontext  # the textbook step: D's gradients computed too
    images = torch.rand(16, 1, 28, 28) * 2 - 1
    labels = torch.zeros(16, dtype=torch.long)
    rngs = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    for _ in range(3):
        torch.testing.assert_close(
            fast.step(images, labels, rngs[0]), plain.step(images, labels, rngs[1])
        )
    for ours, theirs in zip(fast.model.parameters(), plain.model.parameters(), strict=True):
        torch.testing.assert_close(ours, theirs)
        assert ours.requires_grad  # restored after every generator step
