"""The public API is a promise (docs/api.md): declared, checked against the last release,
and what that release offered still works, with a DeprecationWarning where it changed."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import pytest
import torch

import genzoo
from genzoo import Architecture, DatasetEntry, PretrainedModel
from genzoo.core.deprecation import REMOVED_IN
from genzoo.plugins import LOAD_ENV

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import api_check  # noqa: E402 - a script, importable once its folder is on the path

RELEASE_VERSION, RELEASE_REF = api_check.last_release()


def _has_release() -> bool:
    found = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", RELEASE_REF], capture_output=True
    )
    return found.returncode == 0


needs_release = pytest.mark.skipif(
    not _has_release(), reason=f"the release {RELEASE_REF} is not in this git checkout's history"
)


@pytest.mark.parametrize("module", api_check.PUBLIC_MODULES)
def test_every_public_module_declares_what_it_exports(module: str):
    imported = importlib.import_module(module)
    assert len(set(imported.__all__)) == len(imported.__all__)
    for name in imported.__all__:
        assert getattr(imported, name) is not None, f"{module}.{name}"


def test_the_package_root_exports_its_eager_and_lazy_names():
    eager = {name for name in vars(genzoo) if not name.startswith("_") or name == "__version__"}
    eager -= {"annotations", "importlib", "os", "TYPE_CHECKING", "Any", "cast", "installed"}
    eager -= {name for name, value in vars(genzoo).items() if type(value) is type(genzoo)}
    assert set(genzoo.__all__) == eager | set(genzoo._LAZY)


def test_architecture_build_from_0_1_0_still_builds_and_warns():
    architecture = genzoo.registry().architecture("dcgan")
    with pytest.warns(
        DeprecationWarning, match=rf"Architecture.build\(\).*{REMOVED_IN}.*genzoo.build"
    ):
        model = architecture.build({**architecture.config, "base_channels": 4}, name="old")
    assert model.generator(torch.zeros(2, 100)).shape == (2, 1, 28, 28)


def test_interpolate_steps_from_0_1_0_means_frames_and_warns():
    generator = genzoo.build("dcgan", base_channels=4).generator
    with pytest.warns(DeprecationWarning, match=r"interpolate\(steps=\).*interpolate\(frames=\)"):
        old = generator.interpolate(2, steps=3, seed=0)
    assert torch.equal(old, generator.interpolate(2, frames=3, seed=0))
    with pytest.raises(genzoo.BadInputError, match="needs frames"):
        generator.interpolate(2)


def test_entries_built_positionally_as_in_0_1_0_mean_what_they_meant():
    model = PretrainedModel("m", "dcgan", "org/m", {}, "main", {}, "mnist", "mit")
    assert (model.revision, model.dataset, model.license) == ("main", "mnist", "mit")
    data = DatasetEntry("d", "a.b:load", "digits", "mit", "https://x", "", "get it", "p")
    assert (data.how_to_get, data.plugin, data.hub_id) == ("get it", "p", "")
    assert Architecture("a", "gan", {"generator": "a.b:G"}, {}, "d", "p", "", {}, "x").plugin == "x"


@needs_release
def test_the_public_api_has_no_unannounced_break_since_the_last_release():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "api_check.py")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"no unannounced break since {RELEASE_VERSION}" in result.stdout


@needs_release
def test_a_worktree_left_by_a_killed_check_is_cleared_and_a_running_ones_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """griffe's temporary worktree (branch griffe-<ref>) outlives a check killed midway; the
    next check removes it when it is older than any check runs, and leaves a young one."""
    repo = tmp_path / "repo"
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    left = tmp_path / "left-by-a-killed-check"
    subprocess.run([*git, "worktree", "add", "-q", "-b", "griffe-abc", str(left)], check=True)
    monkeypatch.setattr(api_check, "ROOT", repo)
    api_check._drop_stale_branch("abc")  # young: a check running now
    assert left.is_dir()
    old = left.stat().st_mtime - 2 * api_check.STALE_SECONDS
    os.utime(left, (old, old))
    api_check._drop_stale_branch("abc")
    assert not left.exists()
    branches = subprocess.run([*git, "branch"], capture_output=True, text=True).stdout
    assert "griffe-abc" not in branches


def test_the_check_catches_a_removed_public_method(tmp_path: Path):
    """Architecture.build, as the refactor removed it, fails the check."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
    entries = src / "genzoo" / "core" / "entries.py"
    text = entries.read_text()
    start = text.index("    def build(")
    end = text.index("\n\n\n", start)
    entries.write_text(text[:start].rstrip() + text[end:])
    found = api_check.breaks(RELEASE_REF, src)
    assert ("genzoo.core.entries.Architecture.build", "Public object was removed (build)") in found


@needs_release
@pytest.mark.parametrize("example", ["genzoo-lsgan"])
def test_example_plugins_as_released_pass_their_own_tests_today(tmp_path: Path, example: str):
    """The example plugin's source and tests as they stood at the release, run unchanged
    against today's genzoo (deprecation warnings allowed, errors not)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", RELEASE_REF, f"examples/{example}"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(tmp_path, filter="data")
    released = tmp_path / "examples" / example
    package_src = released / "src"
    env = {**os.environ, "PYTHONPATH": str(package_src)}
    env.pop(LOAD_ENV)  # the suite's fixture loads built-ins only; the plugin's own tests need it
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(released / "tests")],
        capture_output=True,
        text=True,
        cwd=released,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


@pytest.mark.parametrize(
    ("old", "new"),
    [("genzoo.cli.catalog.list_command", "genzoo.cli.list.list_command"),
     ("genzoo.cli.evaluation.store_metrics", "genzoo.recording.store_metrics"),
     ("genzoo.cli.sampling.sampler_options", "genzoo.cli.options.sampler_options"),
     ("genzoo.cli.training.train_command", "genzoo.cli.train.train_command"),
     ("genzoo.zoo.repo.write_repo", "genzoo.zoo.weights.write_repo"),
     ("genzoo.zoo.repo.load_repo", "genzoo.zoo.weights.load_repo"),
     ("genzoo.zoo.repo.build_repo", "genzoo.zoo.weights.build_repo"),
     ("genzoo.zoo.repo.load_weights", "genzoo.zoo.weights.load_weights"),
     ("genzoo.zoo.repo.preview_images", "genzoo.zoo.weights.preview_images"),
     ("genzoo.zoo.card.restyle", "genzoo.zoo.card_migration.restyle")],
)  # fmt: skip
def test_names_moved_in_0_2_still_import_from_their_old_modules_and_warn(old: str, new: str):
    old_module, name = old.rsplit(".", 1)
    new_module = new.rsplit(".", 1)[0]
    with pytest.warns(DeprecationWarning, match=rf"{old}.*{REMOVED_IN}.*{new}"):
        found = getattr(importlib.import_module(old_module), name)
    assert found is getattr(importlib.import_module(new_module), name)
