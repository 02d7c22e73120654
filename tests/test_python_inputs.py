"""What a diffusers or timm user passes from Python is read right or refused with the true
reason: never a plausible number for an input that was not checked."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
import torch
from rich.console import Console

import genzoo
from genzoo.core import BadInputError, GenzooError
from genzoo.core.interfaces import checked_images
from genzoo.plugins import installed
from genzoo.zoo.card import CardInfo, for_repo, render_card
from test_train import run_training

# -- to_input ---------------------------------------------------------------------------


def test_a_zero_to_one_tensor_reads_as_the_same_array_does():
    """torchvision's ToTensor layout: floats in [0, 1], (C, H, W) or (N, C, H, W)."""
    pixels = torch.rand(2, 1, 28, 28)
    from_tensor = genzoo.to_input(pixels, (1, 28, 28))
    from_array = genzoo.to_input(pixels.numpy().transpose(0, 2, 3, 1), (1, 28, 28))
    assert torch.equal(from_tensor, from_array)
    assert torch.allclose(from_tensor, pixels * 2 - 1)
    assert genzoo.to_input(torch.zeros(1, 28, 28), (1, 28, 28)).eq(-1).all()  # black


def test_minus_one_to_one_tensors_and_explicit_ranges():
    images = torch.rand(3, 1, 8, 8) * 2 - 1
    images[:, :, 0, 0] = -1  # a dark pixel says the range
    assert torch.allclose(genzoo.to_input(images, (1, 8, 8)), images)
    bright = torch.rand(1, 1, 8, 8)  # a [-1, 1] picture with no dark pixel: say so
    assert torch.allclose(genzoo.to_input(bright, (1, 8, 8), value_range=(-1, 1)), bright)
    bytes_scale = torch.full((1, 8, 8), 255.0)
    assert genzoo.to_input(bytes_scale, (1, 8, 8), value_range=(0, 255)).eq(1).all()
    with pytest.raises(ValueError, match=r"neither \[0, 1\] nor \[-1, 1\]"):
        genzoo.to_input(bytes_scale, (1, 8, 8))
    with pytest.raises(ValueError, match="NaN"):
        genzoo.to_input(torch.full((1, 8, 8), float("nan")), (1, 8, 8))


def test_a_numpy_batch_of_grey_images_is_a_batch():
    batch = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    images = genzoo.to_input(batch, (1, 28, 28))
    assert images.shape == (5, 1, 28, 28)
    assert torch.allclose(images[2, 0], torch.from_numpy(batch[2]).float() / 127.5 - 1)
    three = genzoo.to_input(batch[:3], (1, 28, 28))  # three grey images, not one RGB
    assert three.shape == (3, 1, 28, 28)
    assert genzoo.to_input(np.zeros((28, 28, 3), np.uint8), (1, 28, 28)).shape == (1, 1, 28, 28)
    with pytest.raises(ValueError, match="no standard range"):
        genzoo.to_input(batch.astype(np.int64), (1, 28, 28))


# -- likelihoods ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pixelrnn():
    model = genzoo.build("pixelrnn", state_dim=4, hidden_dim=8, image_shape=(1, 12, 12))
    return model.generator.eval()


@pytest.mark.parametrize(
    ("images", "reason"),
    [
        (torch.zeros(2, 1, 12, 12, dtype=torch.uint8), "float images"),
        (torch.rand(2, 1, 12, 12), "no pixel of these images is below 0"),
        (torch.rand(2, 3, 12, 12) * 2 - 1, r"\(N, 1, 12, 12\)"),
        (torch.rand(2, 1, 14, 14) * 2 - 1, r"\(N, 1, 12, 12\)"),
        (torch.rand(2, 1, 12, 12) * 4 - 2, r"in \[-1, 1\]"),
        (torch.rand(12, 12) * 2 - 1, r"\(N, 1, 12, 12\)"),
    ],
    ids=["uint8", "zero-one", "rgb", "14x14", "range", "unbatched"],
)
def test_a_likelihood_of_the_wrong_input_is_refused(pixelrnn, images, reason):
    with pytest.raises(BadInputError, match=reason):
        pixelrnn.negative_log_likelihood(images)


def test_a_likelihood_of_the_right_input_is_a_number(pixelrnn):
    images = torch.rand(2, 1, 12, 12) * 2 - 1
    assert pixelrnn.negative_log_likelihood(images).shape == (2,)
    assert checked_images(images, (1, 12, 12), "x") is images


# -- counts, labels, seeds, grids ----------------------------------------------------------


@pytest.fixture(scope="module")
def conditional():
    return genzoo.build("dcgan", num_classes=4, latent_dim=8, base_channels=4,
                        image_shape=(1, 28, 28)).generator  # fmt: skip


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda g: g.sample(2.5), "n must be a whole number"),
        (lambda g: g.sample("4"), "n must be a whole number"),
        (lambda g: g.sample(-1), "n must be a whole number >= 0"),
        (lambda g: g.sample(2, labels=7.5), "whole class indices"),
        (lambda g: g.sample(2, labels=True), "not torch.bool"),
        (lambda g: g.sample(2, labels=9), r"lie in \[0, 3\]"),
        (lambda g: g.sample(2, seed=-1), r"0..2\*\*62"),
        (lambda g: g.sample(2, seed=2**70), r"0..2\*\*62"),
        (lambda g: g.sample(2, seed=1.5), r"0..2\*\*62"),
        (lambda g: g.sample(2, batch_size=0), "batch_size must be"),
        (lambda g: g.sample(2, seed=0, generator=torch.Generator()), "not both"),
        (lambda g: g.sample(2, generator=7), "takes a torch.Generator"),
        (lambda g: g.sample(2, temperature=0.5), "takes no temperature: it has no sampling"),
        (lambda g: g.interpolate(2, frames=0), "frames must be"),
    ],
)
def test_bad_python_arguments_are_refused_with_the_true_reason(conditional, call, reason):
    with pytest.raises(BadInputError, match=reason):
        call(conditional)


def test_whole_numbers_of_any_kind_are_taken(conditional):
    expected = conditional.sample(3, labels=2, seed=5)
    assert torch.equal(conditional.sample(np.int64(3), labels=2.0, seed=np.int32(5)), expected)


def test_generator_gives_the_images_of_the_equal_seed(conditional):
    expected = conditional.sample(4, seed=7)
    drawn = conditional.sample(4, generator=torch.Generator().manual_seed(7))
    assert torch.equal(drawn, expected)
    walk = conditional.interpolate(1, frames=2, seed=3)
    assert torch.equal(
        conditional.interpolate(1, frames=2, generator=torch.Generator().manual_seed(3)), walk
    )


@pytest.mark.parametrize("value", [0, -3, 2.5, True])
def test_a_grid_of_no_columns_is_refused(value):
    with pytest.raises(ValueError, match="must be a whole number >= 1"):
        genzoo.grid(torch.zeros(4, 1, 8, 8), nrow=value)


def test_the_architecture_listing_does_not_change_after_a_listing_of_timm():
    before = genzoo.list_architectures()
    assert "timm/resnet10t" in genzoo.list_architectures("timm/resnet1*")
    assert genzoo.list_architectures() == before
    assert genzoo.build("timm/resnet10t", class_names=["a", "b"]).classifier is not None
    assert genzoo.list_architectures() == before


# -- compiled components ------------------------------------------------------------------


def test_a_compiled_generator_samples_and_saves_the_original_weights(tmp_path: Path):
    model = genzoo.build("dcgan", latent_dim=8, base_channels=4, image_shape=(1, 28, 28))
    original = model.generator
    expected = original.sample(2, seed=0)
    model.generator = torch.compile(original, backend="eager")
    assert torch.equal(model.sample(2, seed=0), expected)
    model.save_pretrained(tmp_path / "saved")
    loaded = genzoo.load(str(tmp_path / "saved"), device="cpu")
    assert torch.equal(loaded.generator.sample(2, seed=0), expected)


# -- cards name the user's repo -----------------------------------------------------------


def test_a_pushed_run_card_names_the_repo_it_was_pushed_to(tmp_path: Path, idx_dir: Path):
    from typer.testing import CliRunner

    from genzoo.cli import make_app

    out = run_training(tmp_path / "d1", idx_dir, max_steps=2)  # the recipe dcgan-fashion-mnist
    assert "genzoo pull dcgan-fashion-mnist" in (out / "README.md").read_text()
    command = ["push", str(out), "--repo", "me/d1", "--to-folder", str(tmp_path / "hub")]
    result = CliRunner().invoke(make_app(installed()), command)
    assert result.exit_code == 0, result.output
    card = (tmp_path / "hub" / "me" / "d1" / "README.md").read_text()
    assert "genzoo pull hf-hub:me/d1" in card and 'genzoo.load("hf-hub:me/d1")' in card
    assert "genzoo pull dcgan-fashion-mnist" not in card
    assert "genzoo sample hf-hub:me/d1 " in card


def test_the_zoos_own_repo_keeps_the_registered_name_and_base_model_is_metadata():
    text = render_card("flow-x", "flow", {"generator": "0" * 64},
                       CardInfo(base_model="genzoo/flow-x-5ep"), samples=False)  # fmt: skip
    assert "base_model: genzoo/flow-x-5ep" in text
    assert for_repo(text, "flow-x", "genzoo/flow-x") == text
    assert "genzoo pull hf-hub:me/flow-x" in for_repo(text, "flow-x", "me/flow-x")


# -- progress and the network --------------------------------------------------------------


def test_sampling_shows_a_bar_on_a_terminal_and_nothing_in_a_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from genzoo.cli import output

    terminal = StringIO()
    monkeypatch.setattr(output, "errors", Console(file=terminal, force_terminal=True))
    with output.image_progress("sampling", 1000) as advance:
        advance(500)
    assert "sampling" in terminal.getvalue()
    piped = StringIO()
    monkeypatch.setattr(output, "errors", Console(file=piped, force_terminal=False))
    with output.image_progress("sampling", 1000) as advance:
        advance(500)
    assert piped.getvalue() == ""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_uncached_model_with_no_reachable_hub_is_one_line_within_seconds(tmp_path: Path):
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"),
           "HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}"}  # fmt: skip
    env.pop("HF_HUB_OFFLINE", None)
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "genzoo", "pull", "dcgan-mnist"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    took = time.monotonic() - began
    assert done.returncode == 1 and took < 20, (took, done.stderr)
    line = done.stderr.strip()
    assert "\n" not in line and "cannot be reached" in line
    assert all(word in line for word in ("--from", "HF_HUB_OFFLINE", "HF_ENDPOINT"))


def test_force_download_with_no_reachable_hub_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(GenzooError, match="but HF_HUB_OFFLINE is set"):
        genzoo.load("dcgan-mnist", force_download=True)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    with pytest.raises(GenzooError, match="cannot be reached"):
        genzoo.load("dcgan-mnist", force_download=True)
