"""Loading repos (from a folder and from the HF cache) and `genzoo sample`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

import genzoo
from conftest import PluginDists
from genzoo.cli import make_app
from genzoo.core.images import grid
from genzoo.plugins import LOAD_ENV, installed
from genzoo.zoo import hub_cache
from genzoo.zoo.repo import IntegrityError
from genzoo.zoo.weights import write_repo

SMALL = {"base_channels": 8, "latent_dim": 16}


def run(*args: str):
    return CliRunner().invoke(make_app(installed()), list(args))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    torch.manual_seed(0)  # an untrained DCGAN draws near-grey images: keep them the same
    write_repo(genzoo.build("dcgan", **SMALL), folder)
    return folder


def test_sample_writes_a_deterministic_png_grid(repo: Path, tmp_path: Path):
    first, again, other = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    result = run("sample", str(repo), "-n", "9", "--seed", "1", "-o", str(first))
    assert result.exit_code == 0, result.output
    assert f"wrote {first} (9 images" in result.stdout
    run("sample", str(repo), "-n", "9", "--seed", "1", "-o", str(again), "--batch-size", "2")
    run("sample", str(repo), "-n", "9", "--seed", "2", "-o", str(other))
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    with Image.open(first) as image:
        assert image.size == (3 * 30 + 2, 3 * 30 + 2) and image.mode == "L"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["-n", "0"], 2, "0 is not in the range x>=1"),
        (["-n", "-3"], 2, "-3 is not in the range x>=1"),
        (
            ["-o", "/nonexistent-dir/x.png"],
            2,
            "error: cannot write /nonexistent-dir/x.png: /nonexistent-dir is not a folder",
        ),
        (["--device", "tpu"], 2, "error: unknown device 'tpu'"),
        (["-o", "grid.jpg"], 2, "genzoo writes .png files here"),
        (["-n", "20000"], 2, "a grid holds at most 16,384 images"),
        (["--steps-gif", "steps.png"], 2, "genzoo writes .gif files here"),
    ],
)
def test_sample_rejects_bad_input(repo: Path, args, code, message):
    result = run("sample", str(repo), *args)
    assert result.exit_code == code
    assert message in result.stderr


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("dcgan-mnst", 2, "did you mean 'dcgan-mnist'"),
        ("./no-such-folder", 2, "error: no such folder: no-such-folder"),
    ],
)
def test_sample_names_what_cannot_be_loaded(name, code, message):
    result = run("sample", name)
    assert result.exit_code == code
    assert message in result.stderr


def test_load_a_pinned_model_from_the_hf_cache(
    repo: Path, plugin_dists: PluginDists, monkeypatch: pytest.MonkeyPatch
):
    """A registered model whose pinned files sit in the HF cache loads, verified."""
    pins = genzoo.zoo.repo.read_config(repo).sha256
    plugin_dists.add(
        "genzoo-pinned",
        {
            "pinned": f"""
        from genzoo import PretrainedModel, hookimpl
        @hookimpl
        def register_models(register):
            register(PretrainedModel(name="dcgan-pinned", architecture="dcgan",
                                     repo_id="someone/dcgan-pinned", sha256={dict(pins)!r}))
    """
        },
    )
    monkeypatch.setenv(LOAD_ENV, "pinned")
    installed.cache_clear()
    with pytest.raises(genzoo.GenzooError, match="not in the Hugging Face cache"):
        genzoo.load("dcgan-pinned")
    repo_cache = hub_cache() / "models--someone--dcgan-pinned"
    shutil.copytree(repo, repo_cache / "snapshots" / ("d" * 40))
    (repo_cache / "refs").mkdir()
    (repo_cache / "refs" / "main").write_text("d" * 40)

    model = genzoo.load("dcgan-pinned")
    assert model.name == "dcgan-pinned" and not model.training
    assert model["generator"].sample(2, seed=0).shape == (2, 1, 28, 28)

    blob = repo_cache / "snapshots" / ("d" * 40) / "generator.safetensors"
    blob.write_bytes(blob.read_bytes()[:-1])  # truncated on disk
    with pytest.raises(IntegrityError):
        genzoo.load("dcgan-pinned")


def test_sampling_depends_on_the_batch_size_only_through_rounding():
    generator = genzoo.build("dcgan", **SMALL)["generator"]
    torch.testing.assert_close(
        generator.sample(10, seed=4, batch_size=3),
        generator.sample(10, seed=4, batch_size=256),
        rtol=0,
        atol=1e-5,
    )


def test_grid_tiles_rgb_images():
    images = torch.stack([torch.full((3, 4, 4), value) for value in (1.0, 0.0, -1.0)])
    images[1, 0] = 1.0  # the second image is pink: red full, green and blue half
    picture = grid(images, columns=2, padding=1)
    assert picture.mode == "RGB" and picture.size == (2 * 5 + 1, 2 * 5 + 1)
    assert picture.getpixel((0, 0)) == (0, 0, 0)  # padding
    assert picture.getpixel((1, 1)) == (255, 255, 255)
    assert picture.getpixel((6, 1)) == (255, 128, 128)
    assert picture.getpixel((1, 6)) == (0, 0, 0)


def test_interpolate_writes_only_gifs_of_a_bounded_size(repo: Path, tmp_path: Path):
    result = run("interpolate", str(repo), "-o", str(tmp_path / "walk.png"))
    assert result.exit_code == 2 and "genzoo writes .gif files here" in result.stderr
    result = run(
        "interpolate", str(repo), "-n", "1000", "--steps", "100", "-o", str(tmp_path / "w.gif")
    )
    assert result.exit_code == 2 and "an animation holds at most 65,536" in result.stderr
    assert not list(tmp_path.glob("w*"))


def test_notebook_helpers_show_a_grid_and_turn_pictures_into_input():
    from PIL import Image

    import genzoo

    shown = genzoo.grid(torch.zeros(6, 1, 28, 28), columns=3)
    assert shown.size == (3 * 30 + 2, 2 * 30 + 2) and hasattr(shown, "_repr_png_")  # inline
    white, black = Image.new("L", (56, 40), 255), Image.new("RGB", (10, 10), (0, 0, 0))
    batch = genzoo.to_input([white, black], (1, 28, 28))
    assert batch.shape == (2, 1, 28, 28)
    assert batch[0].eq(1).all() and batch[1].eq(-1).all()
    assert genzoo.to_input(white, (3, 14, 14)).shape == (1, 3, 14, 14)
    classifier = genzoo.build("lenet5").classifier.eval()
    assert classifier(genzoo.to_input(white, classifier.image_shape)).shape == (1, 10)
    with pytest.raises(ValueError, match="1 \\(grey\\) or 3 \\(RGB\\)"):
        genzoo.to_input(white, (2, 28, 28))
