"""genzoo.testing: the conformance kit plugin authors call from their own pytest suites.

    from genzoo.testing import check_architecture, check_lazy_listing

    def test_mygan_keeps_the_contracts(tmp_path):
        check_architecture("mygan", tmp_path)

    def test_listing_imports_no_model_code():
        check_lazy_listing("genzoo-mygan")

genzoo runs the same checks on its built-in architectures. Each raises
`ConformanceError`, saying what was expected and what came back, at the first
broken promise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from genzoo.core.errors import ConformanceError
from genzoo.core.model import ZooModel
from genzoo.core.registry import Registry
from genzoo.plugins import LOAD_ENV, installed

__all__ = ["ConformanceError", "check_architecture", "check_lazy_listing"]


def check_architecture(
    name: str,
    folder: Path,
    config: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
) -> ZooModel:
    """Build architecture `name` (its reference config, or `config`) and check it whole.

    Every component keeps its interface's tensor contract (shapes, value ranges,
    finite outputs, the same samples for the same seed); the model is written
    as a Hub repo into `folder` that is fit to publish, and loads back from it
    computing exactly what it computed before. Returns the reloaded model.
    """
    import torch

    from genzoo.core.conformance import check_model
    from genzoo.core.model import build
    from genzoo.zoo import golden
    from genzoo.zoo.repo import check_repo
    from genzoo.zoo.weights import load_repo, write_repo

    registry = registry or installed().registry
    architecture = registry.architecture(name)
    torch.manual_seed(0)
    model = build(architecture, config, name=f"{name}-conformance")
    check_model(model)
    write_repo(model, folder)
    if problems := check_repo(folder):
        raise ConformanceError(f"{name} written as a repo is not fit to publish: {problems}")
    loaded = load_repo(folder, registry)
    check_model(loaded)
    for role, module in model.items():
        drift = golden.deviation(loaded[role], golden.probe(module))
        if drift != 0:
            raise ConformanceError(
                f"{name}'s {role} computes differently after a save/load round trip "
                f"(relative deviation {drift:.2g}): is some state outside its state_dict?"
            )
    return loaded


# Runs `genzoo list` in a fresh interpreter, then reports what got imported and which
# modules the registered architectures name (reading the registry imports nothing more).
_LISTING = """
import json, sys
from genzoo.cli import main
from genzoo.plugins import installed
sys.argv = ["genzoo", "list", "--json"]
try:
    main()
except SystemExit:
    pass
imported = sorted(sys.modules)
named = sorted({
    ref.partition(":")[0]
    for arch in installed().registry.architectures.values()
    for ref in [*arch.components.values(), arch.trainer] if ref
})
print(json.dumps({"imported": imported, "named": named}), file=sys.stderr)
"""


def check_lazy_listing(plugin: str | None = None) -> None:
    """`genzoo list` with `plugin` (a distribution or entry-point name; default: all
    installed) loaded, in a fresh interpreter, imports neither torch nor any module
    that an architecture names for its components or trainer."""
    env = {**os.environ, LOAD_ENV: plugin} if plugin else os.environ.copy()
    if not plugin:
        env.pop(LOAD_ENV, None)
    result = subprocess.run(
        [sys.executable, "-c", _LISTING], capture_output=True, text=True, env=env, check=False
    )
    if result.returncode != 0:
        raise ConformanceError(f"genzoo list failed: {result.stderr.strip()[-2000:]}")
    report = json.loads(result.stderr.strip().splitlines()[-1])
    if eager := sorted(set(report["imported"]) & {"torch", *report["named"]}):
        raise ConformanceError(
            f"listing the catalog imported {', '.join(eager)}: register classes lazily "
            "as 'package.module:Class' strings and import heavy code inside functions"
        )
