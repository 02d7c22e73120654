"""`genzoo verify`: are these the published bytes, and do they still make the published outputs?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from genzoo.core import GenzooError, Registry
from genzoo.zoo.repo import CONFIG_FILE, file_sha256, read_config, weights_file
from genzoo.zoo.weights import load_repo


@dataclass(frozen=True)
class Check:
    what: str
    ok: bool
    detail: str


def verify_folder(
    folder: Path,
    registry: Registry,
    pins: Mapping[str, str] | None = None,
    config_pin: str | None = None,
) -> list[Check]:
    """Hash every pinned file (the registry's `pins` and `config_pin`, else config.json's
    own hashes), then rebuild the model and compare each component's golden probe with the
    one recorded at publication."""
    from genzoo.zoo import golden

    checks = []
    if config_pin is not None:
        path = folder / CONFIG_FILE
        actual = file_sha256(path) if path.is_file() else "missing"
        detail = "sha256 matches" if actual == config_pin else f"sha256 {actual}, expected pin"
        checks.append(Check(CONFIG_FILE, actual == config_pin, detail))
        if actual != config_pin:
            return checks  # a config that is not the published one is not read
    repo = read_config(folder)
    pins = dict(pins or repo.sha256)
    for role, expected in pins.items():
        path = folder / weights_file(role)
        actual = file_sha256(path) if path.is_file() else "missing"
        detail = "sha256 matches" if actual == expected else f"sha256 {actual}, expected {expected}"
        checks.append(Check(path.name, actual == expected, detail))
    if not all(check.ok for check in checks):
        return checks
    try:
        model = load_repo(folder, registry, pins=pins)
    except GenzooError as err:
        return [*checks, Check("load", False, str(err))]
    for role, module in model.items():
        recorded = repo.golden.get(role)
        if recorded is None:
            checks.append(Check(f"{role} golden sample", True, "none recorded; skipped"))
            continue
        deviation = golden.deviation(module, recorded)
        detail = f"seed {golden.SEED}, max relative deviation {deviation:.1e}"
        checks.append(Check(f"{role} golden sample", deviation <= golden.TOLERANCE, detail))
    return checks
