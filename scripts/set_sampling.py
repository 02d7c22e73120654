"""Change the sampler a published repo samples with by default, keeping its weights.

    python scripts/set_sampling.py hub/genzoo/flow-fashion-mnist steps=10 solver=heun
    genzoo evaluate hub/genzoo/flow-fashion-mnist --write   # then measure it again

The weights and their pins stay. What follows from the sampler is made again: the
config's sampling keys, the golden probe (a generator is probed by sampling with its
defaults) and samples.png. The card's metrics measured the old sampler until the
evaluation above writes them again. Prints config.json's new sha256, the pin for the
plugin's table (`config_sha256`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any


def parse(setting: str) -> tuple[str, Any]:
    """`steps=10` -> ("steps", 10); numbers become numbers, the rest stays text."""
    key, sep, text = setting.partition("=")
    if not sep or not key:
        raise SystemExit(f"settings are KEY=VALUE, got {setting!r}")
    for kind in (int, float):
        try:
            return key, kind(text)
        except ValueError:
            pass
    return key, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("settings", nargs="+", help="KEY=VALUE, each a sampling option")
    args = parser.parse_args()

    from genzoo.core import GenzooError
    from genzoo.core.files import atomic_path
    from genzoo.core.images import save_grid
    from genzoo.core.interfaces import sampler
    from genzoo.plugins import installed
    from genzoo.zoo import golden
    from genzoo.zoo.repo import CONFIG_FILE, SAMPLES_FILE, file_sha256, read_config
    from genzoo.zoo.weights import load_repo, preview_images

    registry = installed().registry
    settings = dict(parse(s) for s in args.settings)
    generator = sampler(load_repo(args.folder, registry))
    if generator is None:
        raise SystemExit(f"{args.folder} has no generator to sample with")
    try:
        generator.check_options(settings)  # unknown options and bad values
    except GenzooError as err:
        raise SystemExit(f"error: {err}") from None
    repo = read_config(args.folder)
    changed = dataclasses.replace(repo, config={**repo.config, **settings})
    with atomic_path(args.folder / CONFIG_FILE) as tmp:
        tmp.write_text(json.dumps(changed.to_json(), indent=2) + "\n")
    model = load_repo(args.folder, registry)  # built with the new defaults
    probes = {role: golden.probe(module) for role, module in model.items()}
    final = dataclasses.replace(changed, golden=probes)
    with atomic_path(args.folder / CONFIG_FILE) as tmp:
        tmp.write_text(json.dumps(final.to_json(), indent=2) + "\n")
    images = preview_images(model)
    if images is not None:
        with atomic_path(args.folder / SAMPLES_FILE) as tmp:
            save_grid(images, tmp)
    print(f"{args.folder}: {settings}; config.json sha256 {file_sha256(args.folder / CONFIG_FILE)}")
    print(f"its card measured the old sampler: genzoo evaluate {args.folder} --write")


if __name__ == "__main__":
    main()
