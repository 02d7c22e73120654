"""The timm plugin: any timm architecture on demand, never imported to list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

import genzoo
from genzoo.cli import make_app
from genzoo.core import UnknownNameError
from genzoo.core.conformance import check_model
from genzoo.core.interfaces import Classifier, Encoder
from genzoo.plugins import installed


def test_listing_the_catalog_does_not_import_timm():
    code = (
        "import sys; from genzoo.cli import main; sys.argv = ['genzoo', 'list', '--json']\n"
        "try: main()\nexcept SystemExit: pass\n"
        "assert 'timm' not in sys.modules and 'torch' not in sys.modules, 'imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "resnet18-fashion-mnist" in result.stdout


def test_any_timm_architecture_is_a_classifier_or_an_encoder_on_demand():
    registry = installed().registry
    assert "timm/mobilenetv3_small_050" not in registry.architectures
    classifier = genzoo.build("timm/mobilenetv3_small_050")
    assert isinstance(classifier["classifier"], Classifier)
    check_model(classifier)
    encoder = genzoo.build("timm-features/resnet18")["encoder"]
    assert isinstance(encoder, Encoder) and encoder.latent_dim == 512
    assert encoder(torch.zeros(2, 1, 28, 28)).shape == (2, 512)
    assert registry.architecture("timm/mobilenetv3_small_050").plugin.endswith("timm_models")


def test_the_resnet_stem_is_adapted_to_small_images():
    net = genzoo.build("timm/resnet18")["classifier"].net
    assert net.conv1.stride == (1, 1) and net.conv1.kernel_size == (3, 3)
    assert isinstance(net.maxpool, torch.nn.Identity)
    pooled = genzoo.build("timm/resnet18", keep_maxpool=True)["classifier"]
    assert pooled.net.conv1.stride == (1, 1) and isinstance(pooled.net.maxpool, torch.nn.MaxPool2d)
    assert pooled.net.forward_features(torch.zeros(2, 1, 28, 28)).shape == (2, 512, 2, 2)
    assert pooled(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_an_unknown_timm_name_suggests_close_ones():
    with pytest.raises(UnknownNameError, match="did you mean 'resnet18'"):
        installed().registry.architecture("timm/resnet181")
    with pytest.raises(UnknownNameError):
        installed().registry.architecture("nobody/resnet18")  # no plugin owns the namespace


def test_a_timm_classifier_trains_on_a_dataset(tmp_path: Path, idx_dir: Path):
    out = tmp_path / "resnet"
    args = ["train", "timm/resnet18", "--dataset", "fashion-mnist", "--data", str(idx_dir)]
    args += ["--out", str(out), "--max-steps", "2", "--batch-size", "32", "--device", "cpu"]
    result = CliRunner().invoke(make_app(installed()), args)
    assert result.exit_code == 0, result.output
    model = genzoo.load(str(out), device="cpu")
    assert model.architecture == "timm/resnet18"
    assert model.classifier.class_names[:2] == ("t-shirt/top", "trouser")  # the dataset's
    assert model.classifier(torch.zeros(3, 1, 12, 12)).shape == (3, 10)


@pytest.mark.parametrize(
    ("name", "input_size"),
    [
        ("timm/convnext_atto", (32, 32)),  # nothing of 28x28 survives its downsamplings: resized
        ("timm/vit_tiny_patch16_224", (28, 28)),  # made for 28x28 (img_size=)
        ("timm-features/efficientnet_b0", (28, 28)),  # runs as it is
    ],
)
def test_every_timm_architecture_runs_on_the_size_it_is_given(name, input_size):
    model = genzoo.build(name)
    check_model(model)
    (module,) = model.values()
    assert module.input_size == input_size
    assert module(torch.zeros(3, 1, 28, 28)).shape[0] == 3
    larger = genzoo.build(name, image_shape=[3, 40, 40])
    (module,) = larger.values()
    assert module(torch.zeros(2, 3, 40, 40)).shape[0] == 2


def test_check_model_names_a_components_own_failure():
    from genzoo.core import ConformanceError

    class Broken(Classifier):
        image_shape = (1, 28, 28)
        class_names = ("a", "b")

        def forward(self, images):
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (2x48 and 12x2)")

        def features(self, images):
            return images.flatten(1)

    from genzoo.core.model import ZooModel

    with pytest.raises(ConformanceError, match="the classifier failed its checks: RuntimeError: "):
        check_model(ZooModel("broken", "x", {}, {"classifier": Broken()}))


def test_a_timm_pattern_lists_timms_names():
    app = make_app(installed())
    shown = CliRunner().invoke(app, ["list", "timm/convnext_at*", "-a", "--json"])
    assert shown.exit_code == 0, shown.output
    import json

    names = [row["name"] for row in json.loads(shown.stdout)]
    assert "timm/convnext_atto" in names and all(n.startswith("timm/convnext_at") for n in names)
    other = CliRunner().invoke(app, ["list", "timm-features/resnet1*", "-a", "--json"])
    assert "timm-features/resnet18" in [row["name"] for row in json.loads(other.stdout)]


@pytest.mark.parametrize("source", ["hf-hub:evil/x", "local-dir:/x", "timm/resnet18"])
def test_a_config_naming_another_source_is_refused_before_timm_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
):
    """timm.create_model would fetch `hf-hub:` names from the endpoint and open
    `local-dir:` paths: a repo's config names an architecture, nothing else."""
    import json

    import timm

    import genzoo

    model = genzoo.build("timm/resnet18", image_shape=[1, 8, 8])
    folder = model.save_pretrained(tmp_path / "repo")
    config = json.loads((folder / "config.json").read_text())
    config["config"]["model_name"] = source
    (folder / "config.json").write_text(json.dumps(config))
    opened: list[str] = []
    monkeypatch.setattr(timm, "create_model", lambda name, **kw: opened.append(name))
    result = CliRunner().invoke(make_app(installed()), ["verify", str(folder)])
    assert result.exit_code == 1 and "never where to fetch one" in result.stdout, result.output
    assert "Traceback" not in result.output and opened == []
