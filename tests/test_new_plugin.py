"""`genzoo new-plugin`: the generated package installs with pip and its own tests pass as made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from genzoo.cli import make_app
from genzoo.plugins import LOAD_ENV, installed


@pytest.mark.parametrize("trainer", [False, True], ids=["genzoos-trainer", "own-trainer"])
def test_a_generated_plugin_installs_lists_and_passes_its_own_tests(tmp_path: Path, trainer):
    runner = CliRunner()
    result = runner.invoke(
        make_app(installed()),
        [
            "new-plugin",
            "genzoo-my-gan",
            "--dir",
            str(tmp_path),
            *(["--trainer"] if trainer else []),
        ],
    )
    assert result.exit_code == 0, result.output
    package = tmp_path / "genzoo-my-gan"
    site = tmp_path / "site"  # a real pip install, kept out of the environment running the tests
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip, "--target", str(site), str(package)], check=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop(LOAD_ENV, None)  # every installed plugin, as for a user
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
        env=env, capture_output=True, text=True, timeout=600, cwd=package,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert f"{4 if trainer else 2} passed" in tests.stdout
    info = subprocess.run(
        [sys.executable, "-m", "genzoo", "plugins", "--json"], env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert '"distribution": "genzoo-my-gan"' in info.stdout and '"api": 1' in info.stdout
    shown = subprocess.run(
        [sys.executable, "-m", "genzoo", "info", "my-gan", "--json"], env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    expected = "genzoo_my_gan.trainer:MyGanTrainer" if trainer else "AdversarialTrainer"
    assert expected in shown.stdout


def test_new_plugin_refuses_bad_names_and_existing_folders(tmp_path: Path):
    app, runner = make_app(installed()), CliRunner()
    bad = runner.invoke(app, ["new-plugin", "My_GAN", "--dir", str(tmp_path)])
    assert bad.exit_code == 2 and "invalid plugin name" in bad.output
    (tmp_path / "genzoo-taken").mkdir()
    (tmp_path / "genzoo-taken" / "mine.txt").write_text("keep")
    taken = runner.invoke(app, ["new-plugin", "taken", "--dir", str(tmp_path)])
    assert taken.exit_code == 2 and "already exists" in taken.output
    assert [p.name for p in (tmp_path / "genzoo-taken").iterdir()] == ["mine.txt"]
