"""`genzoo plugins install` / `uninstall` in a fresh virtual environment: pip into genzoo's
own interpreter, then what the plugin registered, or why it failed, in one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PLUGIN = """
from genzoo import Architecture, hookimpl

@hookimpl
def register_architectures(register):
    register(Architecture(
        name="hello-gan", family="gan",
        components={"generator": "genzoo_hello.model:Generator"},
        config={"latent_dim": 8}, description="a plugin installed by genzoo plugins install"))
"""


def _wheel(folder: Path, name: str, module: str, code: str) -> Path:
    """A minimal pure-Python wheel declaring a `genzoo` entry point: pip installs it offline,
    with no build step."""
    dist = name.replace("-", "_")
    path = folder / f"{dist}-0.1.0-py3-none-any.whl"
    info = f"{dist}-0.1.0.dist-info"
    files = {
        f"{module}/__init__.py": code,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{info}/entry_points.txt": f"[genzoo]\n{module} = {module}\n",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
        record = "".join(f"{member},,\n" for member in files) + f"{info}/RECORD,,\n"
        archive.writestr(f"{info}/RECORD", record)
    return path


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment that sees this one's packages (genzoo, torch, pip) behind
    its own, so that what pip installs lands in it alone."""
    root = tmp_path_factory.mktemp("venv")
    venv.create(root, with_pip=False)
    python = root / "bin" / "python"
    inner = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    outer = sysconfig.get_paths()["purelib"]
    # `import` lines of a .pth run: addsitedir also reads the outer .pth files (editables)
    (Path(inner) / "outer.pth").write_text(f"import site; site.addsitedir({outer!r})\n")
    return python


def _genzoo(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "GENZOO_LOAD_PLUGINS"}
    return subprocess.run(
        [python, "-m", "genzoo", *args], capture_output=True, text=True, env=environment,
        timeout=300,
    )  # fmt: skip


def test_install_reports_what_the_plugin_registered_and_uninstall_removes_it(fresh, tmp_path):
    wheel = _wheel(tmp_path, "genzoo-hello", "genzoo_hello", PLUGIN)
    done = _genzoo(fresh, "plugins", "install", str(wheel))
    assert done.returncode == 0, done.stderr
    assert "genzoo-hello 0.1.0: plugin 'genzoo_hello' registered architectures: hello-gan" in (
        " ".join(done.stdout.split())
    )
    listed = _genzoo(fresh, "plugins", "--json")
    assert '"hello-gan"' in listed.stdout
    # installed into the fresh environment, not into the one running the tests
    assert subprocess.run([sys.executable, "-c", "import genzoo_hello"]).returncode != 0

    gone = _genzoo(fresh, "plugins", "uninstall", "genzoo-hello")
    assert gone.returncode == 0, gone.stderr
    assert '"hello-gan"' not in _genzoo(fresh, "plugins", "--json").stdout


def test_the_example_plugin_installs_into_a_fresh_environment(fresh, tmp_path):
    """examples/genzoo-lsgan, built as a wheel here (offline: no build isolation) under a
    version of its own, so that pip installs it beside the editable copy the test
    environment holds."""
    source = tmp_path / "genzoo-lsgan"
    shutil.copytree(ROOT / "examples" / "genzoo-lsgan", source)
    project = source / "pyproject.toml"
    project.write_text(project.read_text().replace('version = "0.1.0"', 'version = "0.1.0.post7"'))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "wheels"), str(source)], capture_output=True, text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "wheels").glob("genzoo_lsgan-*.whl")
    done = _genzoo(fresh, "plugins", "install", str(wheel))
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert "genzoo-lsgan 0.1.0.post7: plugin 'lsgan' registered architectures: lsgan" in said
    again = _genzoo(fresh, "plugins", "install", str(wheel))
    assert again.returncode == 0 and "installed already" in again.stdout
    assert _genzoo(fresh, "plugins", "uninstall", "genzoo-lsgan").returncode == 0


def test_a_plugin_that_fails_to_load_is_reported_with_why(fresh, tmp_path):
    broken = _wheel(tmp_path, "genzoo-broken", "genzoo_broken", "import not_a_module_anywhere\n")
    done = _genzoo(fresh, "plugins", "install", str(broken))
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith("error: installed, but it failed to load: genzoo_broken:")
    )
    assert "not_a_module_anywhere" in done.stderr
    assert _genzoo(fresh, "plugins", "uninstall", "genzoo-broken").returncode == 0


def test_what_pip_refuses_is_one_line(fresh, tmp_path):
    done = _genzoo(fresh, "plugins", "install", str(tmp_path / "no-such-plugin.whl"))
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: pip install refused:") and "Traceback" not in done.stderr


def test_uninstall_removes_only_plugins(fresh):
    done = _genzoo(fresh, "plugins", "uninstall", "torch")
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: 'torch' is not an installed genzoo plugin")
    assert subprocess.run([fresh, "-c", "import torch"]).returncode == 0
