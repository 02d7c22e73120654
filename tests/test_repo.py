"""The Hub repo format: write, verify, load; pickles, corrupt files and misfits refused."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import genzoo
from genzoo import GenzooError
from genzoo.zoo.repo import IntegrityError, file_sha256, read_config, weights_path
from genzoo.zoo.weights import load_repo, load_weights, write_repo

SMALL = {"base_channels": 8, "latent_dim": 16}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    model = genzoo.build("dcgan", **SMALL)
    torch.manual_seed(0)
    for p in model.parameters():  # make the weights distinguishable from a fresh init
        p.data.normal_()
    write_repo(model, tmp_path / "repo")
    return tmp_path / "repo"


def test_write_then_load_round_trips_every_component(repo: Path):
    files = sorted(p.name for p in repo.iterdir())
    assert files == [
        "README.md",
        "config.json",
        "discriminator.safetensors",
        "generator.safetensors",
        "samples.png",
    ]
    config = json.loads((repo / "config.json").read_text())
    assert config["architecture"] == "dcgan" and config["library"] == "genzoo"
    assert config["config"]["base_channels"] == 8
    assert config["sha256"]["generator"] == file_sha256(repo / "generator.safetensors")

    original = genzoo.build("dcgan", **SMALL)
    torch.manual_seed(0)
    for p in original.parameters():
        p.data.normal_()
    loaded = load_repo(repo, genzoo.registry())
    assert loaded.name == "dcgan" and loaded.config == original.config
    for (name, a), (_, b) in zip(
        original.state_dict().items(), loaded.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), name
    assert torch.equal(original.generator.sample(4, seed=3), loaded.generator.sample(4, seed=3))


def test_safetensors_metadata_names_architecture_and_role(repo: Path):
    from safetensors import safe_open

    with safe_open(repo / "discriminator.safetensors", "pt") as f:
        metadata = json.loads(f.metadata()["genzoo"])
        assert metadata == {"architecture": "dcgan", "role": "discriminator"}


def test_load_only_some_roles(repo: Path):
    (repo / "discriminator.safetensors").unlink()  # not needed, not checked
    assert list(load_repo(repo, genzoo.registry(), roles=["generator"])) == ["generator"]


def test_a_flipped_bit_is_caught_before_loading(repo: Path):
    path = repo / "generator.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(
        IntegrityError,
        match=r"generator.safetensors: sha256 is [0-9a-f]{64}, "
        r"expected [0-9a-f]{64}",
    ):
        load_repo(repo, genzoo.registry())


def test_registry_pins_win_over_the_repos_own_declaration(repo: Path):
    pins = {"generator": "0" * 64}
    with pytest.raises(IntegrityError, match="expected 0000"):
        load_repo(repo, genzoo.registry(), pins=pins)


@pytest.mark.parametrize("suffix", [".bin", ".pt", ".ckpt"])
def test_pickle_files_are_refused_with_the_reason(repo: Path, suffix: str):
    (repo / "generator.safetensors").rename(repo / f"generator{suffix}")
    with pytest.raises(
        GenzooError,
        match="pickle-based file: genzoo loads only safetensors, "
        "because unpickling runs arbitrary code",
    ):
        load_repo(repo, genzoo.registry())


def test_a_pickle_under_a_safetensors_name_is_refused(repo: Path):
    torch.save({"x": torch.ones(1)}, repo / "generator.safetensors")
    with pytest.raises(GenzooError, match="holds a pickle"):
        load_repo(repo, genzoo.registry())


def test_weights_that_do_not_fit_the_config_are_listed(repo: Path):
    config = json.loads((repo / "config.json").read_text())
    config["config"]["base_channels"] = 4
    (repo / "config.json").write_text(json.dumps(config))
    with pytest.raises(
        GenzooError,
        match=r"does not fit its config: shape mismatches "
        r"net.0.weight: file \(16, 16, 7, 7\) vs model "
        r"\(16, 8, 7, 7\)",
    ):
        load_repo(repo, genzoo.registry())


def test_missing_and_unexpected_keys_are_listed(tmp_path: Path):
    from safetensors.torch import save_file

    save_file({"bogus": torch.zeros(2)}, tmp_path / "g.safetensors")
    generator = genzoo.build("dcgan", **SMALL).generator
    with pytest.raises(
        GenzooError,
        match=r"missing keys net.0.weight, .* \(\+\d+ more\); "
        r"unexpected keys bogus",
    ):
        load_weights(generator, tmp_path / "g.safetensors")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "is not a genzoo repo: it has no config.json"),
        ("{not json", "cannot read"),
        ('{"config": {}}', "must hold an object with 'architecture'"),
    ],
)
def test_bad_config_json(tmp_path: Path, content, message):
    if content is not None:
        (tmp_path / "config.json").write_text(content)
    with pytest.raises(GenzooError, match=message):
        read_config(tmp_path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.binary(max_size=64), declared=st.integers(0, 2**64 - 1), tail=st.binary(max_size=32)
)
def test_malformed_safetensors_headers_fail_cleanly(tmp_path: Path, header, declared, tail):
    path = tmp_path / "w.safetensors"
    path.write_bytes(struct.pack("<Q", declared) + header + tail)
    generator = genzoo.build("dcgan", **SMALL).generator
    with pytest.raises(GenzooError):
        load_weights(generator, path)


def test_writes_are_atomic_and_leave_no_temporaries(repo: Path):
    assert not [p for p in repo.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("header_length", [0x0280, 0x0380, 0x0480, 0x0580])
def test_a_header_length_that_looks_like_a_pickle_is_still_safetensors(
    tmp_path: Path, header_length
):
    """The 8-byte header length can start with the bytes of a pickle; the '{' after it decides."""
    from safetensors.torch import load_file, save_file

    tensors = {"w": torch.zeros(3)}
    path = tmp_path / "generator.safetensors"
    name_length = 1
    while True:  # pad the metadata until the header has the wanted length
        save_file(tensors, path, {"pad": "x" * name_length})
        length = int.from_bytes(path.read_bytes()[:8], "little")
        if length >= header_length:
            break
        name_length += header_length - length
    assert (
        length == header_length and path.read_bytes()[:2] == header_length.to_bytes(8, "little")[:2]
    )
    assert weights_path(tmp_path, "generator") == path
    assert torch.equal(load_file(path)["w"], tensors["w"])


# A plugin's model module that makes a tensor when it is imported, naming no device.
HALF_GENERATOR = """
import torch
from genzoo.plugins.dcgan.model import DCGANGenerator

SCALE = torch.tensor(0.5)


class HalfGenerator(DCGANGenerator):
    def forward(self, z, labels=None):
        return super().forward(z, labels) * SCALE
"""

LOAD_HALF_GENERATOR = """
import sys
from pathlib import Path
import torch
from genzoo import Architecture, Registry
from genzoo.zoo.weights import load_repo

sys.path.insert(0, sys.argv[1])
registry = Registry()
registry.add(Architecture(name="halfgan", family="gan",
                          components={"generator": "halfgan:HalfGenerator"}), plugin="test")
model = load_repo(Path(sys.argv[2]), registry)
import halfgan
print(halfgan.SCALE.device.type, float(halfgan.SCALE))
"""


def test_a_model_module_first_imported_by_a_load_keeps_its_import_time_tensors(tmp_path: Path):
    """Loading a folder first builds the model on the meta device, to compare its shapes with
    the files'; the model's module is imported before, so that a tensor it makes at import
    time is a real one, not an empty meta tensor."""
    import subprocess
    import sys

    from genzoo import Architecture, Registry
    from genzoo.core.model import build

    (tmp_path / "halfgan.py").write_text(HALF_GENERATOR)
    registry = Registry()  # the same weights, written by the class HalfGenerator extends
    dcgan = "genzoo.plugins.dcgan.model:DCGANGenerator"
    registry.add(
        Architecture(name="halfgan", family="gan", components={"generator": dcgan}), "test"
    )
    write_repo(build(registry.architecture("halfgan"), SMALL, name="halfgan"), tmp_path / "repo")
    command = [sys.executable, "-c", LOAD_HALF_GENERATOR, str(tmp_path), str(tmp_path / "repo")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.stdout.split() == ["cpu", "0.5"], result.stderr
