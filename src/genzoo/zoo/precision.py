"""Half-precision copies of a repo: half the download, outputs changed by rounding only.

`genzoo push --half` publishes a float16 copy of a folder; the folder itself keeps
its float32 weights. Every floating-point tensor is rounded to float16 in the
files, and what depends on the bytes is recomputed from the rounded weights: the
sha256 pins (config.json and the card's file table) and the golden probes, which
`genzoo verify` compares with the loaded model (`load` casts back to float32).
The card's metrics and samples.png stay those of the float32 weights.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

from safetensors import safe_open
from safetensors.torch import save_file

from genzoo.core import Registry
from genzoo.core.files import atomic_path
from genzoo.zoo import golden
from genzoo.zoo.repo import CARD_FILE, CONFIG_FILE, file_sha256, read_config, weights_file
from genzoo.zoo.weights import load_repo, load_weights


def half_copy(source: Path, destination: Path, registry: Registry) -> Path:
    """Copy the repo files of `source` into `destination` and store the copy in float16."""
    from genzoo.zoo.push import publishable_files

    for name in publishable_files(source):
        shutil.copy2(source / name, destination / name)
    store_half(destination, registry)
    return destination


def store_half(folder: Path, registry: Registry) -> dict[str, str]:
    """Rewrite the repo in `folder` with float16 weights; the new sha256 of each component."""
    repo = read_config(folder)
    model = load_repo(folder, registry)  # checks the current pins first
    card_path = folder / CARD_FILE
    card = card_path.read_text() if card_path.is_file() else ""
    digests, probes = {}, {}
    for role, module in model.items():
        path = folder / weights_file(role)
        with safe_open(str(path), "pt") as stored:
            metadata = stored.metadata()
        state = {
            key: (value.half() if value.is_floating_point() else value).contiguous()
            for key, value in module.state_dict().items()
        }
        with atomic_path(path) as tmp:
            save_file(state, str(tmp), metadata)
        load_weights(module, path)  # now exactly what a user's load gives
        digests[role] = file_sha256(path)
        probes[role] = golden.probe(module)
        card = card.replace(repo.sha256[role], digests[role])
    halved = dataclasses.replace(repo, sha256=digests, golden=probes)
    with atomic_path(folder / CONFIG_FILE) as tmp:
        tmp.write_text(json.dumps(halved.to_json(), indent=2) + "\n")
    if card:
        note = (
            "\nThe weights are stored in float16 (`genzoo push --half`) and load as float32; "
            "the metrics and samples above were measured with the float32 weights they "
            "were rounded from.\n"
        )
        with atomic_path(card_path) as tmp:
            tmp.write_text(card.rstrip("\n") + "\n" + note)
    return digests
