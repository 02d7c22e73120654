"""The first lines a diffusers, timm or huggingface_hub user writes, as they write them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import genzoo
from genzoo.core import BadInputError
from genzoo.core.interfaces import sampler

SMALL = {"latent_dim": 8, "base_channels": 4}


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    model = genzoo.build("cdcgan-fashion-mnist", **SMALL)
    return model.save_pretrained(tmp_path / "cgan")


def test_a_loaded_model_samples_by_class_name_and_its_samples_feed_autograd(saved: Path):
    model = genzoo.load(saved, device="cpu")  # a pathlib.Path is a folder
    images = model.sample(4, labels="sneaker", seed=0)
    assert images.shape == (4, 1, 28, 28)
    assert torch.equal(images, model.generator.sample(4, labels=7, seed=0))
    mixed = model.sample(2, labels=["sneaker", 3], seed=0)
    assert torch.equal(mixed, model.generator.sample(2, labels=[7, 3], seed=0))
    with pytest.raises(BadInputError, match="unknown label 'shoe'"):
        model.sample(2, labels="shoe")
    classifier = genzoo.build("lenet5").classifier
    loss = classifier(model.sample(3, seed=1)).logsumexp(1).mean()  # outside no_grad
    loss.backward()
    assert all(p.grad is not None for p in classifier.parameters())
    assert sampler(model) is model.generator  # the documented helper takes a loaded model


def test_a_vae_samples_through_its_decoder_and_a_classifier_cannot(tmp_path: Path):
    vae = genzoo.build("vae", latent_dim=4, base_channels=4, hidden_dim=16)
    assert vae.sample(3, seed=0).shape == (3, 1, 28, 28)
    with pytest.raises(BadInputError, match="cannot sample"):
        genzoo.build("lenet5").sample(2)


def test_huggingface_keywords_mean_what_they_mean_there(saved: Path):
    half = genzoo.load(saved, torch_dtype=torch.bfloat16, device="cpu")
    assert next(half.parameters()).dtype == torch.bfloat16
    one = genzoo.load(str(saved), roles="generator", device="cpu")
    assert list(one) == ["generator"]
    with pytest.raises(BadInputError, match=r"takes no low_cpu_mem_usage: its options are roles"):
        genzoo.load(saved, low_cpu_mem_usage=True)
    with pytest.raises(BadInputError, match="dtype or torch_dtype, not both"):
        genzoo.load(saved, dtype="float16", torch_dtype=torch.bfloat16)
    with pytest.raises(BadInputError, match="is not a folder"):
        genzoo.load(saved / "nothing-here")


def test_timms_first_lines_create_and_list_models(saved: Path):
    assert genzoo.list_models("dcgan*", pretrained=True) == [
        "dcgan-fashion-mnist",
        "dcgan-mnist",
        "dcgan-mnist-fast",
    ]
    everything = genzoo.list_models("dcgan*", pretrained=False)  # what create_model takes
    assert everything == ["dcgan", "dcgan-fashion-mnist", "dcgan-mnist", "dcgan-mnist-fast"]
    assert genzoo.list_models("dcgan*", dataset="mnist", pretrained=False) == [
        "dcgan-mnist",
        "dcgan-mnist-fast",
    ]
    untrained = genzoo.create_model("dcgan", image_shape=(3, 32, 32), **SMALL)
    assert untrained.generator.sample(2, seed=0).shape == (2, 3, 32, 32)
    loaded = genzoo.create_model(str(saved), pretrained=True, device="cpu")
    expected = genzoo.load(saved, device="cpu").generator.sample(2, labels=1, seed=0)
    assert torch.equal(loaded.generator.sample(2, labels=1, seed=0), expected)
    with pytest.raises(BadInputError, match="takes no num_classes"):  # not silently ignored
        genzoo.create_model(str(saved), pretrained=True, num_classes=10)


def test_force_download_fetches_the_files_again(monkeypatch, tmp_path):
    import huggingface_hub

    seen = {}

    class Stop(Exception):
        pass

    def download(repo_id, filename, **kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # it would refuse
    monkeypatch.setattr("genzoo.zoo.pull.check_reachable", lambda ref: None)  # no network here
    with pytest.raises(Stop):
        genzoo.load("hf-hub:me/gan", force_download=True, cache_dir=tmp_path)
    assert seen["force_download"] is True


def test_grid_takes_what_make_grid_takes():
    images = [torch.full((1, 4, 4), -1.0), torch.full((1, 4, 4), 1.0)]
    assert genzoo.grid(images, nrow=1, padding=1).size == (6, 11)
    assert genzoo.grid(torch.zeros(3, 8, 8)).size == (12, 12)  # one CHW image
    with pytest.raises(ValueError, match=r"\(N, C, H, W\) or \(C, H, W\)"):
        genzoo.grid(torch.zeros(8, 8))


def test_to_input_takes_paths_pil_arrays_and_tensors(tmp_path: Path):
    path = tmp_path / "white.png"
    Image.new("L", (20, 20), 255).save(path)
    grey = np.full((28, 28), 0, dtype=np.uint8)
    rgb_float = np.ones((10, 12, 3), dtype=np.float32)
    batch = genzoo.to_input(
        [path, str(path), grey, rgb_float, torch.zeros(1, 28, 28), torch.full((2, 3, 14, 14), 1.0)],
        (1, 28, 28),
    )
    assert batch.shape == (7, 1, 28, 28)
    expected = [1, 1, -1, 1, -1, 1, 1]  # zeros in [0, 1] are black, as ToTensor gives them
    assert [round(float(image.mean()), 3) for image in batch] == expected
    uint8 = genzoo.to_input(torch.full((1, 28, 28), 255, dtype=torch.uint8), (3, 28, 28))
    assert uint8.shape == (1, 3, 28, 28) and uint8.eq(1).all()
    assert genzoo.to_input(torch.zeros(2, 28, 28), (1, 28, 28)).shape == (2, 1, 28, 28)  # N, H, W
    with pytest.raises(ValueError, match="with C of 1, 3 or 4"):
        genzoo.to_input(torch.zeros(2, 2, 28, 28), (1, 28, 28))


# -- the CLI habits -------------------------------------------------------------------


def _cli(*args: str, env: dict[str, str] | None = None):
    from typer.testing import CliRunner

    from genzoo.cli import make_app
    from genzoo.plugins import installed

    return CliRunner().invoke(make_app(installed()), list(args), env=env)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("lr=abc", "lr='abc': lr takes a number"),
        ("ema=yes", "ema='yes': ema takes a number"),
        ("base_channels=4.5", "base_channels=4.5: base_channels takes a whole number"),
        ("loss=3", "loss=3: loss takes text"),
        ("minibatch_std=1", "minibatch_std=1: minibatch_std takes true or false"),
    ],
)
def test_a_wrongly_typed_set_value_is_one_line(setting: str, message: str, tmp_path: Path):
    result = _cli("train", "dcgan", "--dataset", "mnist", "--set", setting, "--out", str(tmp_path))
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert "Traceback" not in result.output


def test_sample_takes_a_dtype_and_refuses_a_wrong_one_first(saved: Path, tmp_path: Path):
    out = tmp_path / "g.png"
    ok = _cli("sample", str(saved), "-n", "4", "--dtype", "bfloat16", "-o", str(out))
    assert ok.exit_code == 0 and out.is_file(), ok.output
    bad = _cli("sample", "dcgan-mnist", "--dtype", "int8", "-o", str(out))
    assert bad.exit_code == 2 and "unknown dtype 'int8'" in bad.stderr


def test_shell_completion_names_models_and_class_labels():
    import os
    import subprocess
    import sys

    def complete(words: str) -> list[str]:
        env = {**os.environ, "_GENZOO_COMPLETE": "complete_bash", "COMP_WORDS": words}
        env["COMP_CWORD"] = str(len(words.split()) - 1)
        script = Path(sys.executable).with_name("genzoo")  # the shell completes the script
        done = subprocess.run([script], env=env, capture_output=True, text=True, check=True)
        return done.stdout.split()

    assert complete("genzoo sample cdcgan-f") == ["cdcgan-fashion-mnist"]
    assert complete("genzoo sample cdcgan-fashion-mnist --label s") == [
        "sandal",
        "shirt",
        "sneaker",
    ]
    assert complete("genzoo datasets get mn") == ["mnist"]


def test_evaluate_help_shows_the_extra_in_brackets():
    result = _cli("evaluate", "--help", env={"COLUMNS": "200"})
    assert "genzoo[metrics]" in result.stdout
