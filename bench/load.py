"""`genzoo.load` of a cached model beside bare safetensors loading of the same modules.

    python bench/load.py [--runs 20] [--json F]

The model is the zoo's dcgan-fashion-mnist, imported from this project's hub/
folder into a temporary HF cache. genzoo: `genzoo.load(name, device="cpu")`
(registry lookup, sha256 of every file, build, load, eval). Baseline: construct
the two DCGAN modules, `safetensors.torch.load_file` each file and
`load_state_dict`. In the same process, alternating, after a warm-up.
Target: genzoo within 10% (advantage >= 0.91x).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from timing import Figure, main_with_runs

HUB = Path(__file__).resolve().parents[1] / "hub"
NAME = "dcgan-fashion-mnist"


def figures(runs: int = 20) -> list[Figure]:
    """Call in a fresh process: it points HF_HOME at a temporary cache before genzoo
    (and huggingface_hub, which reads it once) is imported."""
    os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="genzoo-bench-load-")
    os.environ["HF_HUB_OFFLINE"] = "1"
    from safetensors.torch import load_file

    import genzoo
    from genzoo.plugins import installed
    from genzoo.plugins.dcgan.model import DCGANDiscriminator, DCGANGenerator
    from genzoo.zoo.offline import import_repo
    from genzoo.zoo.source import registered

    pulled = import_repo(registered(NAME, installed().registry), HUB)
    files = {
        role: pulled.snapshot / f"{role}.safetensors" for role in ("generator", "discriminator")
    }

    def bare() -> None:
        generator, discriminator = DCGANGenerator(), DCGANDiscriminator()
        generator.load_state_dict(load_file(files["generator"]))
        discriminator.load_state_dict(load_file(files["discriminator"]))
        generator.eval(), discriminator.eval()

    def ours() -> None:
        genzoo.load(NAME, device="cpu")

    bare(), ours()
    times: dict[str, list[float]] = {"bare": [], "genzoo": []}
    for _ in range(runs):
        for name, run in (("bare", bare), ("genzoo", ours)):
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return [
        Figure(
            "load a cached model (2 components)",
            "s",
            times["genzoo"],
            times["bare"],
            "safetensors load_file + load_state_dict",
            ">= 0.91x",
        )
    ]


if __name__ == "__main__":
    main_with_runs(__doc__, figures, runs=20)
