"""Shared fixtures: an isolated HF cache, no leaked plugin state, and fake plugin distributions."""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports huggingface_hub (it reads these at import): never touch the real cache.
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="genzoo-test-hf-")
os.environ.pop("HF_HUB_CACHE", None)
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GENZOO_CACHE"] = tempfile.mkdtemp(prefix="genzoo-test-cache-")  # real features

import numpy as np

from genzoo.data.idx import write_idx
from genzoo.plugins import LOAD_ENV, installed


@pytest.fixture(autouse=True)
def isolated_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with built-ins only and no cached plugin state, whatever is installed."""
    monkeypatch.setenv(LOAD_ENV, "")
    monkeypatch.delenv("GENZOO_DEBUG", raising=False)
    installed.cache_clear()
    yield
    installed.cache_clear()


class PluginDists:
    """Writes installed-looking distributions (dist-info + modules) into a folder on sys.path."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: list[str] = []

    def add(
        self,
        dist: str,
        plugins: dict[str, str],
        version: str = "1.0",
        entry_points: dict[str, str] | None = None,
    ) -> None:
        """`plugins` maps module names to their source; each becomes an entry point unless
        `entry_points` (name -> target) says otherwise."""
        info = self.root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        targets = entry_points if entry_points is not None else {m: m for m in plugins}
        lines = "".join(f"{name} = {target}\n" for name, target in targets.items())
        (info / "entry_points.txt").write_text(f"[genzoo]\n{lines}")
        for module, source in plugins.items():
            (self.root / f"{module}.py").write_text(textwrap.dedent(source))
            self.modules.append(module)
        importlib.invalidate_caches()

    @property
    def env(self) -> dict[str, str]:
        """Environment for a subprocess that should see these distributions."""
        return {**os.environ, "PYTHONPATH": str(self.root)}


@pytest.fixture
def plugin_dists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginDists]:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    dists = PluginDists(root)
    yield dists
    for module in dists.modules:
        sys.modules.pop(module, None)


GOOD_PLUGIN = """
    import typer
    from genzoo import Architecture, DatasetEntry, PretrainedModel, hookimpl

    @hookimpl
    def register_architectures(register):
        register(Architecture(
            name="tinygan", family="gan",
            components={"generator": "genzoo.plugins.dcgan.model:DCGANGenerator"},
            config={"latent_dim": 8, "image_shape": [1, 8, 8], "base_channels": 4},
        ))

    @hookimpl
    def register_models(register):
        register(PretrainedModel(name="tinygan-blobs", architecture="tinygan",
                                 repo_id="someone/tinygan-blobs", dataset="blobs",
                                 license="apache-2.0", sha256={"generator": "ab" * 32}))
        register(PretrainedModel(name="dcgan-blobs", architecture="dcgan",
                                 repo_id="someone/dcgan-blobs", dataset="blobs"))

    @hookimpl
    def register_datasets(register):
        register(DatasetEntry(name="blobs", loader="good_plugin:load_blobs"))

    @hookimpl
    def register_commands(app):
        @app.command("hello")
        def hello():
            "Say hello from a plugin."
            typer.echo("hello from good_plugin")
"""


@pytest.fixture
def good_plugin(plugin_dists: PluginDists) -> PluginDists:
    """A well-behaved third-party plugin `genzoo-good` (entry point `good_plugin`)."""
    plugin_dists.add("genzoo-good", {"good_plugin": GOOD_PLUGIN}, version="2.3.1")
    return plugin_dists


def blobs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n 12x12 images: a bright square whose corner depends on the label (4 classes)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n).astype(np.uint8)
    images = rng.integers(0, 40, (n, 12, 12)).astype(np.uint8)
    for image, label in zip(images, labels, strict=True):
        top, left = divmod(int(label), 2)
        image[top * 6 : top * 6 + 6, left * 6 : left * 6 + 6] = 220
    return images, labels


@pytest.fixture
def idx_dir(tmp_path: Path) -> Path:
    """A Fashion-MNIST-shaped folder of IDX files (12x12 images, labels 0..3), some gzipped."""
    folder = tmp_path / "idx"
    folder.mkdir()
    for split, n in (("train", 256), ("t10k", 64)):
        images, labels = blobs(n, seed=len(split))
        write_idx(images, folder / f"{split}-images-idx3-ubyte.gz")
        write_idx(labels, folder / f"{split}-labels-idx1-ubyte")
    return folder
