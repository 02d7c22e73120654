"""The CLI as a user meets it: through typer's runner, and as a real `genzoo` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import huggingface_hub.constants
import pytest
from typer.testing import CliRunner

from conftest import PluginDists
from genzoo.cli import make_app
from genzoo.plugins import LOAD_ENV, installed, load_plugins
from genzoo.zoo import hub_cache

GENZOO = str(Path(sys.executable).with_name("genzoo"))
MODEL_KEYS = {
    "name",
    "kind",
    "architecture",
    "family",
    "dataset",
    "components",
    "parameters",
    "license",
    "weights",
    "plugin",
    "repo_id",
    "revision",
}
ARCH_KEYS = {"name", "kind", "family", "components", "models", "plugin"}


def run(*args: str):
    result = CliRunner().invoke(make_app(installed()), list(args))
    return result


def genzoo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GENZOO, *args], capture_output=True, text=True, timeout=60, env=env or dict(os.environ)
    )


def test_list_shows_every_model_with_its_metadata(tmp_path: Path, monkeypatch):
    # an empty cache of its own: another test may have pulled a model into the session's
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    result = run("list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "name",
        "family",
        "dataset",
        "components",
        "parameters",
        "license",
        "weights",
        "plugin",
    ]
    row = next(line for line in lines if line.split()[0] == "dcgan-fashion-mnist")
    for cell in [
        "gan",
        "fashion-mnist",
        "generator, discriminator",
        "898.4K",
        "mit",
        "not cached",  # published (pinned) but not pulled into this test's empty cache
        "genzoo.plugins.dcgan",
    ]:
        assert cell in row
    for model in installed().registry.models.values():  # a recipe without weights says so
        line = next(line for line in lines if line.split()[0] == model.name)
        assert ("not yet published" in line) == (not model.published), line


def test_list_json_has_stable_keys_and_honours_filters():
    result = run("list", "*gan*", "--family", "gan", "--dataset", "mnist", "--json")
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert sorted(rows) == ["cdcgan-mnist", "dcgan-mnist", "dcgan-mnist-fast"]
    assert set(rows["dcgan-mnist"]) == MODEL_KEYS | {"distribution"}
    assert rows["dcgan-mnist"]["parameters"] == 898_370
    assert rows["dcgan-mnist"]["weights"] == "not cached"  # published, not in this test's cache


def test_list_architectures():
    rows = json.loads(run("list", "--architectures", "--json").stdout)
    names = ["dcgan", "draw", "flow", "flow-distilled", "lenet5", "pixelrnn", "simclr"]
    names += ["timm/resnet18"]
    names += ["vae", "wgan-gp"]
    assert [r["name"] for r in rows] == names
    assert set(rows[0]) == ARCH_KEYS | {"distribution"} and rows[0]["distribution"] == "genzoo"
    assert rows[0]["models"] == [
        "dcgan-mnist", "dcgan-fashion-mnist", "dcgan-mnist-fast", "cdcgan-fashion-mnist",
        "cdcgan-mnist",
    ]  # fmt: skip
    assert rows[2]["family"] == "flow"
    assert rows[3]["family"] == "flow"
    assert rows[3]["models"] == ["flow-distilled-fashion-mnist", "flow-distilled-fashion-mnist-5ep"]
    assert rows[4]["family"] == "classifier"
    assert rows[4]["models"] == ["lenet5-fashion-mnist", "lenet5-mnist"]
    assert "dcgan" in run("list", "-a").stdout


def test_list_with_no_match_says_so():
    result = run("list", "diffusion-*")
    assert result.exit_code == 0
    assert "nothing matches" in result.stdout
    assert json.loads(run("list", "diffusion-*", "--json").stdout) == []


def test_list_reports_cached_weights(good_plugin: PluginDists, monkeypatch: pytest.MonkeyPatch):
    """A model whose pinned files sit in the HF cache shows as cached."""
    monkeypatch.setenv(LOAD_ENV, "good_plugin")
    installed.cache_clear()
    assert _weights_of("tinygan-blobs") == "not cached"
    snapshot = hub_cache() / "models--someone--tinygan-blobs" / "snapshots" / ("c" * 40)
    snapshot.mkdir(parents=True)
    (snapshot.parent.parent / "refs").mkdir()
    (snapshot.parent.parent / "refs" / "main").write_text("c" * 40)
    (snapshot / "generator.safetensors").write_bytes(b"weights")
    assert _weights_of("tinygan-blobs") == "cached"
    info = json.loads(run("info", "tinygan-blobs", "--json").stdout)
    assert info["cached_files"] == {"generator": str(snapshot / "generator.safetensors")}


def _weights_of(name: str) -> str:
    rows = json.loads(run("list", name, "--json").stdout)
    return rows[0]["weights"]


def test_info_of_a_model_and_of_an_architecture():
    model = json.loads(run("info", "dcgan-fashion-mnist", "--json").stdout)
    assert model["repo_id"] == "genzoo/dcgan-fashion-mnist" and model["revision"] == "main"
    assert model["classes"]["generator"] == "genzoo.plugins.dcgan.model:DCGANGenerator"
    assert model["config"]["latent_dim"] == 100 and set(model["sha256"]) == {
        "generator",
        "discriminator",
    }
    assert model["metrics"]["frechet_distance"] > 0 and model["train"].startswith("genzoo train")
    assert model["paper"].startswith("https://arxiv.org/")
    arch = json.loads(run("info", "dcgan", "--json").stdout)
    assert arch["kind"] == "architecture" and arch["config"]["image_shape"] == [1, 28, 28]
    text = run("info", "dcgan").stdout
    assert "genzoo.plugins.dcgan.model:DCGANDiscriminator" in text
    assert "https://arxiv.org/abs/1511.06434" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["info", "dcgan-mnst"],
            "error: unknown model or architecture 'dcgan-mnst'; did you mean 'dcgan-mnist'",
        ),
        (
            ["list", "dcgan-fashion"],
            "error: unknown model 'dcgan-fashion'; did you mean 'dcgan-fashion-mnist'",
        ),
        (["list", "--family", "gann"], "error: unknown family 'gann'; did you mean 'gan'?"),
        (
            ["list", "--plugin", "dcgan"],
            "error: unknown plugin 'dcgan'; did you mean 'genzoo.plugins.dcgan'?",
        ),
        (["list", "[abc"], "error: malformed pattern '[abc': '[' at position 0 is never closed"),
        (["list", ""], "error: empty pattern"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.strip() == message or result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_unknown_command_suggests_the_right_one():
    result = run("lst")
    assert result.exit_code == 2
    assert "Did you mean 'list'" in result.stderr


def test_plugins_command(good_plugin: PluginDists, monkeypatch: pytest.MonkeyPatch):
    good_plugin.add("genzoo-broken", {"broken": "raise RuntimeError('boom')"})
    monkeypatch.delenv(LOAD_ENV)
    installed.cache_clear()
    result = run("plugins")
    assert result.exit_code == 0
    assert "good_plugin" in result.stdout and "2.3.1" in result.stdout
    assert "broken: cannot load entry point broken = broken: RuntimeError: boom" in result.stderr
    report = {p["name"]: p for p in json.loads(run("plugins", "--json").stdout)}
    assert report["broken"]["loaded"] is False
    assert report["good_plugin"]["hooks"] == [
        "register_architectures",
        "register_commands",
        "register_datasets",
        "register_models",
    ]
    assert report["good_plugin"]["registered"]["commands"] == ["hello"]
    assert run("hello").stdout == "hello from good_plugin\n"


def test_version_and_help():
    assert run("--version").stdout.strip().startswith("genzoo 0.")
    bare = run()
    assert bare.exit_code == 0 and "list" in bare.stdout and "plugins" in bare.stdout
    for command in ["list", "info", "sample", "plugins"]:
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Examples" in result.stdout and f"genzoo {command}" in result.stdout
    assert "--install-completion" in run("--help").stdout  # shells complete genzoo's commands
    # help text is rich markup: a bracketed revision must survive it
    assert "[@rev]" in " ".join(run("sample", "--help").stdout.split())


def test_the_console_script_builds_only_the_command_it_runs(
    good_plugin: PluginDists, monkeypatch: pytest.MonkeyPatch
):
    from genzoo.cli.app import invoked_command

    monkeypatch.delenv(LOAD_ENV)
    installed.cache_clear()
    assert invoked_command(["pull", "dcgan-mnist", "--from", "hub"]) == "pull"
    assert invoked_command(["--version"]) is None and invoked_command([]) is None

    def commands(only: str) -> list[str]:
        app = make_app(installed(), only=only)
        return [info.name for info in app.registered_commands + app.registered_groups]

    assert commands("pull") == ["pull"]
    assert commands("cache") == ["cache"]  # a group
    assert commands("hello") == ["hello"]  # a plugin's command
    assert {"list", "pull", "cache", "hello"} <= set(commands("lst"))  # typer's suggestions
    result = CliRunner().invoke(make_app(installed(), only="info"), ["info", "--help"])
    assert result.exit_code == 0 and "genzoo info" in result.stdout


# -- a real process ---------------------------------------------------------------


def test_genzoo_list_never_imports_torch():
    code = (
        "import sys\nfrom genzoo.cli import main\nsys.argv = ['genzoo', 'list']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('torch', 'timm', 'genzoo.plugins.dcgan.model') "
        "if m in sys.modules)\nprint('imported:', heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    # printed after the command, so on stderr: genzoo keeps stdout for its own output
    assert result.stderr.splitlines()[-1] == "imported: []"
    assert "dcgan-fashion-mnist" in result.stdout


def test_real_process_errors_are_one_line_without_traceback():
    result = genzoo("info", "dcgan-mnst")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: unknown model or architecture 'dcgan-mnst'; did you mean 'dcgan-mnist', "
        "'cdcgan-mnist' or 'dcgan-mnist-fast'? (see `genzoo list`)"
    ]


def test_genzoo_debug_shows_the_traceback():
    result = genzoo("info", "nope", env={**os.environ, "GENZOO_DEBUG": "1"})
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "UnknownNameError" in result.stderr


def test_a_broken_plugin_is_a_warning_not_a_failure(good_plugin: PluginDists):
    good_plugin.add("genzoo-broken", {"broken": "import no_such_dependency"})
    env = {**good_plugin.env}
    env.pop(LOAD_ENV)
    result = genzoo("list", env=env)
    assert result.returncode == 0
    assert "tinygan-blobs" in result.stdout and "dcgan-mnist" in result.stdout
    assert result.stderr.splitlines() == [
        "warning: plugin 'broken': cannot load entry point broken = broken: "
        "ModuleNotFoundError: No module named 'no_such_dependency'; see `genzoo plugins`"
    ]
    assert "tinygan-blobs" not in genzoo("list", env={**env, LOAD_ENV: ""}).stdout


def test_python_api():
    import genzoo

    assert genzoo.list_models("dcgan-*") == [
        "dcgan-fashion-mnist",
        "dcgan-mnist",
        "dcgan-mnist-fast",
    ]
    assert "lenet5-fashion-mnist" in genzoo.list_models("*fashion*")
    assert genzoo.list_architectures(family="gan") == ["dcgan", "wgan-gp"]
    assert load_plugins(entry_points=[]).registry.model("dcgan-mnist").dataset == "mnist"


def test_info_describes_a_repo_folder_and_a_model_made_on_demand(tmp_path):
    import genzoo as zoo
    from genzoo.zoo.weights import write_repo

    folder = tmp_path / "my-gan"
    write_repo(zoo.build("dcgan", latent_dim=8, base_channels=4), folder)
    app = make_app(installed())
    shown = CliRunner().invoke(app, ["info", str(folder), "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert (data["kind"], data["architecture"], data["family"]) == ("repo", "dcgan", "gan")
    assert data["components"] == ["discriminator", "generator"]
    assert data["provided_by"] == {"distribution": "genzoo", "version": zoo.__version__}
    assert data["pipeline_tag"] == "unconditional-image-generation"
    timm = json.loads(CliRunner().invoke(app, ["info", "timm/convnext_atto", "--json"]).stdout)
    assert (timm["kind"], timm["family"]) == ("architecture", "classifier")


def test_a_command_imports_only_its_own_group():
    code = (
        "import sys\nfrom genzoo.cli import main\nsys.argv = ['genzoo', 'list']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('genzoo.cli.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    groups = result.stderr.splitlines()[-1]
    assert groups == "['genzoo.cli.app', 'genzoo.cli.list', 'genzoo.cli.output']", groups
