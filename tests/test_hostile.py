"""Hostile repos and tampered caches: nothing read unbounded, nothing written outside its place.

Each test reproduces one finding of the security issue; none needs the network.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import genzoo
from genzoo.cli import make_app
from genzoo.core import BadInputError, GenzooError
from genzoo.plugins import installed
from genzoo.zoo.cache import repo_folder, snapshot_dir
from genzoo.zoo.offline import import_repo, write_into
from genzoo.zoo.pull import evict
from genzoo.zoo.repo import CONFIG_FILE, MAX_CONFIG_BYTES, VerifiedRepo, read_config
from genzoo.zoo.source import RepoRef, locate
from genzoo.zoo.weights import write_repo

SMALL = {"latent_dim": 8, "base_channels": 4}


def run(*args: str):
    return CliRunner().invoke(make_app(installed()), list(args))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write_repo(genzoo.build("dcgan", **SMALL), tmp_path / "repo")
    return tmp_path / "repo"


def rewrite_config(folder: Path, change) -> None:
    data = json.loads((folder / CONFIG_FILE).read_text())
    change(data)
    (folder / CONFIG_FILE).write_text(json.dumps(data))


@pytest.mark.parametrize(
    "role", ["../../victim", "/etc/passwd", "gen/erator", "x" * 300, "Generator"]
)
def test_roles_are_checked_before_any_path_is_built(repo: Path, role: str):
    rewrite_config(repo, lambda data: data["sha256"].update({role: "0" * 64}))
    with pytest.raises(GenzooError, match="sha256 must map roles"):
        read_config(repo)
    result = run("verify", str(repo))
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_oversized_and_deeply_nested_configs_are_one_line(repo: Path):
    (repo / CONFIG_FILE).write_bytes(b" " * (MAX_CONFIG_BYTES + 1))
    with pytest.raises(GenzooError, match="is at most"):
        read_config(repo)
    (repo / CONFIG_FILE).write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(GenzooError, match="cannot read"):
        read_config(repo)


def test_only_regular_files_are_read(repo: Path):
    weights = repo / "generator.safetensors"
    weights.unlink()
    weights.symlink_to("/dev/zero")  # would never end a read
    result = run("verify", str(repo))
    assert result.exit_code == 1 and "FAILED" in result.output  # a line, not a hang
    os.unlink(repo / CONFIG_FILE)
    os.mkfifo(repo / CONFIG_FILE)  # would block a read forever
    with pytest.raises(GenzooError, match="not a regular file"):
        read_config(repo)


def test_pull_from_a_folder_refuses_links_that_would_carry_files_in(tmp_path: Path):
    source = tmp_path / "repos"
    write_repo(genzoo.build("dcgan", **SMALL), source / "someone" / "gan")
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    card = source / "someone" / "gan" / "README.md"
    card.unlink()
    card.symlink_to(secret)
    ref = RepoRef("hf-hub:someone/gan", "someone/gan")
    with pytest.raises(GenzooError, match="is a symbolic link"):
        import_repo(ref, source)
    cached = repo_folder("someone/gan")
    assert not any(b.read_bytes() == b"private" for b in cached.rglob("*") if b.is_file())


def test_push_refuses_links_that_would_carry_files_out(repo: Path, tmp_path: Path):
    secret = tmp_path / "id_rsa"
    secret.write_text("-----BEGIN PRIVATE KEY-----")
    (repo / "samples.png").unlink(missing_ok=True)
    (repo / "samples.png").symlink_to(secret)
    target = tmp_path / "published"
    result = run("push", str(repo), "--repo", "me/gan", "--to-folder", str(target))
    assert result.exit_code == 1 and "samples.png is a symbolic link" in result.stderr
    published = [p for p in target.rglob("*") if p.is_file()] if target.exists() else []
    assert not any(p.read_text(errors="replace").startswith("-----BEGIN") for p in published)


@pytest.mark.parametrize("repo_id", ["./.", "../sibling", "org/..", ".hidden/name", "a/b..c"])
def test_repo_ids_cannot_leave_their_folder(repo: Path, tmp_path: Path, repo_id: str):
    target = tmp_path / "published"
    target.mkdir()
    (target / "keep.txt").write_text("not part of any repo")
    result = run("push", str(repo), "--repo", repo_id, "--to-folder", str(target))
    assert result.exit_code == 2 and "--repo must look like org/name" in result.output
    assert (target / "keep.txt").read_text() == "not part of any repo"


def test_publishing_into_a_folder_removes_only_stale_repo_files(repo: Path, tmp_path: Path):
    folder = tmp_path / "published" / "me" / "gan"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine")
    (folder / "old.safetensors").write_text("stale weights of the format")
    write_into(tmp_path / "published", "me/gan", [repo / CONFIG_FILE])
    assert (folder / "notes.txt").exists() and not (folder / "old.safetensors").exists()


def test_eviction_never_removes_a_file_outside_the_cache(tmp_path: Path):
    outside = tmp_path / "victim.safetensors"
    outside.write_text("someone's file")
    snapshot = tmp_path / "models--a--b" / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (tmp_path / "models--a--b" / "blobs").mkdir()
    link = snapshot / "generator.safetensors"
    link.symlink_to(outside)
    evict(link)
    assert not link.exists() and outside.read_text() == "someone's file"


def test_a_tampered_ref_cannot_point_outside_the_snapshots(tmp_path: Path):
    refs = repo_folder("a/b", tmp_path) / "refs"
    refs.mkdir(parents=True)
    (refs / "main").write_text("../../..")
    assert snapshot_dir("a/b", "main", tmp_path) is None
    with pytest.raises(BadInputError, match="is not a branch, tag or commit"):
        locate("hf-hub:a/b@../../x", installed().registry)


HUB = Path(__file__).resolve().parents[1] / "hub"


def test_the_config_is_pinned_like_the_weights(tmp_path: Path):
    """A mirror that reorders cdcgan's class names would make --label sneaker draw pullovers:
    the registry pins config.json, so neither an import nor a cached copy is believed."""
    import shutil

    from genzoo.zoo.pull import cached
    from genzoo.zoo.source import registered

    registry = installed().registry
    ref = registered("cdcgan-fashion-mnist", registry)
    assert ref.config_pin is not None
    mirror = tmp_path / "mirror"
    shutil.copytree(
        HUB / "genzoo" / "cdcgan-fashion-mnist", mirror / "genzoo" / "cdcgan-fashion-mnist"
    )
    tampered = mirror / "genzoo" / "cdcgan-fashion-mnist"
    rewrite_config(tampered, lambda data: data["config"]["class_names"].reverse())
    result = run("pull", "cdcgan-fashion-mnist", "--from", str(mirror))
    assert result.exit_code == 1 and "sha256" in result.output
    pulled = import_repo(ref, HUB)  # the real one, then damage the cached config
    config = pulled.snapshot / CONFIG_FILE
    text = config.read_text()
    blob = config.resolve()
    blob.write_text(text.replace("sneaker", "sandal"))
    assert cached(ref, None) is None  # not believed: it would be fetched again
    result = run("verify", "cdcgan-fashion-mnist")
    assert result.exit_code == 1 and "FAILED" in result.output


ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.integers(min_value=-(10**12), max_value=10**12), max_size=5),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("fuzz") / "repo"
    write_repo(genzoo.build("dcgan", **SMALL, num_classes=3), folder)
    return folder, json.loads((folder / CONFIG_FILE).read_text())


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_mutated_config_loads_or_fails_in_one_line(pristine, data):
    """Every malformed config.json ends as a GenzooError, never a raw exception (or a 27 GB
    allocation: the files' headers are compared with the config on the meta device first)."""
    from genzoo.zoo.weights import build_repo

    folder, original = pristine
    config = json.loads(json.dumps(original))
    keys = [*sorted(config["config"]), "<new key>"]
    for _ in range(data.draw(st.integers(1, 3))):
        key = data.draw(st.sampled_from(keys))
        config["config"][key] = data.draw(ANY_VALUE)
    (folder / CONFIG_FILE).write_text(json.dumps(config))
    try:
        build_repo(unhashed(folder), installed().registry)
    except GenzooError:
        pass
    finally:
        (folder / CONFIG_FILE).write_text(json.dumps(original))


def test_a_config_naming_a_huge_network_fails_before_allocating(pristine):
    """base_channels 2**20 would be a DCGAN of ~10^13 parameters: the config is compared
    with the weights' header on the meta device, so this is an error, not an allocation."""
    from genzoo.zoo.weights import build_repo

    folder, original = pristine
    huge = json.loads(json.dumps(original))
    huge["config"]["base_channels"] = 2**20
    (folder / CONFIG_FILE).write_text(json.dumps(huge))
    try:
        with pytest.raises(GenzooError, match="does not fit its config: shape mismatches"):
            build_repo(unhashed(folder), installed().registry)
    finally:
        (folder / CONFIG_FILE).write_text(json.dumps(original))


def test_a_card_with_python_yaml_tags_is_one_line_in_push(repo: Path):
    card = repo / "README.md"
    tagged = card.read_text().replace("---\n", "---\nx: !!python/object:os.system [ls]\n", 1)
    card.write_text(tagged)
    result = run("push", str(repo), "--repo", "me/x", "--dry-run")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        "error: the model card's metadata is not plain YAML: could not determine a constructor "
        "for the tag 'tag:yaml.org,2002:python/object:os.system'"
    )


def test_a_card_nested_50000_deep_is_one_line_in_push(repo: Path):
    card = repo / "README.md"
    deep = "x: " + "[" * 50_000 + "]" * 50_000 + "\n"
    card.write_text(card.read_text().replace("---\n", "---\n" + deep, 1))
    result = run("push", str(repo), "--repo", "me/x", "--dry-run")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == "error: the model card's metadata is nested too deeply to read"


@pytest.mark.parametrize(
    ("endpoint", "why"),
    [
        ("http://[::1", "is not a URL (Invalid IPv6 URL)"),
        ("http://mirror:99999", "is not a URL (Port out of range 0-65535)"),
        ("ftp://mirror", "is not an http(s) URL"),
    ],
)
def test_a_malformed_hf_endpoint_is_one_line(
    monkeypatch: pytest.MonkeyPatch, endpoint: str, why: str
):
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    for command in (["list"], ["pull", "dcgan-fashion-mnist"]):
        result = run(*command)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"error: HF_ENDPOINT={endpoint!r} {why}")
    with pytest.raises(BadInputError, match="HF_ENDPOINT"):
        genzoo.load("dcgan-fashion-mnist")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("golden", {"generator": ["a", "b"]}),
        ("golden", {"generator": [True]}),
        ("golden", {"generator": {"x": 1}}),
        ("golden", {"../evil": [1.0]}),
        ("golden", ["generator"]),
        ("golden", {"generator": [0.0] * 5000}),
        ("name", ["a"]),
    ],
)
def test_a_wrongly_typed_config_field_is_one_line(repo: Path, field: str, value: object):
    import json

    config = json.loads((repo / CONFIG_FILE).read_text())
    config[field] = value
    (repo / CONFIG_FILE).write_text(json.dumps(config))
    result = run("verify", str(repo))
    assert result.exit_code == 1 and f"{field} must" in result.stderr, result.output
    assert "Traceback" not in result.output


HOSTILE_NAME = "[/bold] \x1b]0;pwned\x07\x1b[2J [link=http://evil.invalid]click[/link] \x9b31m"


@pytest.mark.parametrize("command", [["sample", "-n", "4"], ["info"], ["verify"]])
def test_names_from_a_repo_print_as_text_never_as_markup_or_escapes(
    repo: Path, tmp_path: Path, command: list[str]
):
    import json

    config = json.loads((repo / CONFIG_FILE).read_text())
    config["name"] = HOSTILE_NAME
    (repo / CONFIG_FILE).write_text(json.dumps(config))
    extra = ["-o", str(tmp_path / "g.png")] if command[0] == "sample" else []
    result = run(command[0], str(repo), *command[1:], *extra)
    assert result.exit_code == 0, result.output
    assert (
        "\x1b" not in result.output and "\x9b" not in result.output and "\x07" not in result.output
    )
    if command[0] == "sample":
        assert "[/bold]" in result.stdout and "[link=http://evil.invalid]" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["sample", "REPO", "--seed", str(10**30)],
        ["sample", "REPO", "--seed", "-1"],
        ["interpolate", "REPO", "--seed", str(2**64)],
        ["evaluate", "REPO", "--seed", str(10**30)],
        ["train", "dcgan", "--dataset", "mnist", "--seed", str(10**30)],
        ["pull", "hf-hub:a/b--c"],
        ["pull", "hf-hub:a/-b"],
        ["info", "hf-hub:a/b."],
    ],
)
def test_bad_numbers_and_names_are_bad_input(repo: Path, args: list[str]):
    result = run(*[str(repo) if a == "REPO" else a for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_a_grid_never_has_more_columns_than_images(repo: Path, tmp_path: Path):
    from PIL import Image

    out = tmp_path / "g.png"
    result = run("sample", str(repo), "-n", "4", "--columns", "1000000000", "-o", str(out))
    assert result.exit_code == 0, result.output
    with Image.open(out) as picture:
        assert picture.size[0] < 200  # four images wide, not a billion


def test_python_seeds_out_of_range_are_bad_input():
    generator = genzoo.build("dcgan", **SMALL).generator
    with pytest.raises(BadInputError, match="seed 1000"):
        generator.sample(2, seed=10**30)


def unhashed(folder: Path) -> VerifiedRepo:
    """The folder as if its hashes had been checked: what the parser and the shape checks
    make of hostile bytes (the pins would refuse any change before parsing)."""
    repo = read_config(folder)
    weights = {role: folder / f"{role}.safetensors" for role in repo.sha256}
    return VerifiedRepo(folder, repo, weights, dict(repo.sha256))
