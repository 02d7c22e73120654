"""Pulling and first sampling, each beside a baseline measured in the same run.

    python bench/hub.py [--runs 5] [--json results.json]

Starts olah (the Hub mirror the tests use) on 127.0.0.1 with one DCGAN repo
(the zoo's 28x28 configuration, random weights: speed does not depend on them)
and a large repo (base_channels 256) for throughput, then times, in fresh processes:

1. `genzoo pull` into an empty cache vs `curl` fetching the same files from the
   same mirror (target, issue 44: at least 0.9x curl);
2. `genzoo pull` of a model already cached (target, issue 30: at most 0.15 s, no torch);
3. `genzoo sample -n 64` of the cached model vs a minimal hand-written script that
   imports torch, loads the same safetensors and writes the same PNG (target, issue 30:
   genzoo at least as fast; issue 7 asked within 15%).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

import genzoo
from genzoo.zoo.push import publishable_files
from genzoo.zoo.weights import write_repo
from timing import Figure, main_with_runs, paired_wall_times, wall_times

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from hub_servers import Mirror

GENZOO = str(Path(sys.executable).with_name("genzoo"))
EMPTY_AGENT_REGISTRY = '{"standardEnvVars": [], "harnesses": {}}'

HAND_WRITTEN = """
import sys, torch
from PIL import Image
from safetensors.torch import load_file
from genzoo.plugins.dcgan.model import DCGANGenerator
generator = DCGANGenerator(latent_dim=100, image_shape=(1, 28, 28), base_channels=64)
generator.load_state_dict(load_file(sys.argv[1]))
generator.eval()
with torch.inference_mode():
    z = torch.randn(64, 100, generator=torch.Generator().manual_seed(0))
    images = generator(z)
pixels = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)[:, 0]
canvas = torch.zeros(8 * 30 + 2, 8 * 30 + 2, dtype=torch.uint8)
for i, image in enumerate(pixels):
    top, left = 2 + (i // 8) * 30, 2 + (i % 8) * 30
    canvas[top : top + 28, left : left + 28] = image
Image.fromarray(canvas.numpy()).save(sys.argv[2])
"""


def make_repo(folder: Path, name: str, **config: object) -> Path:
    torch.manual_seed(0)
    model = genzoo.build("dcgan", **config)
    model.name = name
    write_repo(model, folder)
    return folder


def figures(runs: int = 5) -> list[Figure]:
    root = Path(tempfile.mkdtemp(prefix="genzoo-bench-hub-"))
    mirror = Mirror(root / "olah")
    try:
        small = make_repo(root / "dcgan", "dcgan-bench")
        large = make_repo(root / "large", "dcgan-large", base_channels=256)
        mirror.publish(small, "bench/dcgan")
        mirror.publish(large, "bench/large")
        hf_home = root / "hf"
        env = {
            "HF_HOME": str(hf_home),
            "HF_ENDPOINT": mirror.endpoint,
            "HF_HUB_OFFLINE": "0",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        }

        def empty_cache() -> None:
            # the model cache only: HF_HOME also keeps huggingface_hub's agent registry,
            # which the Hub serves and a machine fetches once a day; olah has no such
            # endpoint, so without this every run would pay a failing request curl does not
            shutil.rmtree(hf_home, ignore_errors=True)
            hf_home.mkdir(parents=True)
            (hf_home / ".agent_harnesses.json").write_text(EMPTY_AGENT_REGISTRY)

        size = sum((large / name).stat().st_size for name in publishable_files(large)) / 1e6
        curl = ["curl", "-sSf"]
        for name in publishable_files(large):
            curl += [
                "-o",
                str(root / "curl" / name),
                f"{mirror.endpoint}/bench/large/resolve/main/{name}",
            ]
        (root / "curl").mkdir()
        pull = [GENZOO, "pull", "hf-hub:bench/large"]
        cold, curled = paired_wall_times(pull, curl, runs, env, env, empty_cache)
        small_pull = [GENZOO, "pull", "hf-hub:bench/dcgan"]
        subprocess.run(small_pull, check=True, capture_output=True, env={**os.environ, **env})
        cached = {**env, "HF_HUB_OFFLINE": "1"}
        grid = str(root / "grid.png")
        sample = [GENZOO, "sample", "hf-hub:bench/dcgan", "-n", "64", "-o", grid, "--device", "cpu"]
        script = [sys.executable, "-c", HAND_WRITTEN, str(small / "generator.safetensors"), grid]
        sampled, scripted = paired_wall_times(sample, script, runs, cached)
        return [
            Figure(
                f"pull into an empty cache ({size:.0f} MB)", "s", cold, curled, "curl", ">= 0.9x"
            ),
            Figure(
                "pull, already cached",
                "s",
                wall_times(small_pull, runs, cached),
                target="<= 0.15 s",
            ),
            Figure(
                "first sample -n 64 (cached)",
                "s",
                sampled,
                scripted,
                "hand-written script",
                ">= 1.0x",
            ),
        ]
    finally:
        mirror.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main_with_runs(__doc__, figures, runs=5)
