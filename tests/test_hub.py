"""The real download path: `genzoo` processes pulling from olah (a self-hosted Hub mirror) on
127.0.0.1, with the faults a network and a disk can throw; pushing to an upload fixture."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import genzoo
from conftest import PluginDists
from genzoo.zoo.repo import check_repo, file_sha256, read_config
from genzoo.zoo.weights import write_repo
from hub_servers import Mirror, UploadServer, stop

TINY = {"latent_dim": 8, "image_shape": [1, 8, 8], "base_channels": 4}
CLASSES = ["t-shirt", "trouser", "sneaker"]
REPO = "genzoo-test/tiny-dcgan"


def tiny_repo(folder: Path, **config: object) -> Path:
    torch.manual_seed(0)
    model = genzoo.build("dcgan", **{**TINY, **config})
    model.name = folder.name
    write_repo(model, folder)
    return folder


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repos")
    tiny_repo(root / "tiny-dcgan")
    tiny_repo(root / "tiny-cdcgan", num_classes=3, class_names=CLASSES)
    return root


@pytest.fixture(scope="module")
def mirror(repos: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mirror]:
    server = Mirror(tmp_path_factory.mktemp("olah"))
    server.publish(repos / "tiny-dcgan", REPO)
    server.publish(repos / "tiny-cdcgan", "genzoo-test/tiny-cdcgan")
    yield server
    server.close()


@pytest.fixture(autouse=True)
def clean_proxy(mirror: Mirror) -> None:
    mirror.proxy.faults.clear()
    mirror.proxy.requests.clear()
    mirror.proxy.listing_sizes = True
    mirror.proxy.listing_blobs = True
    mirror.proxy.listed.clear()
    mirror.proxy.listing_commit = None


def registered(plugin_dists: PluginDists, repos: Path, pins: dict[str, str] | None = None) -> None:
    """A plugin registering `tiny-dcgan` with the mirror repo's pins (or the given ones)."""
    pins = pins or dict(read_config(repos / "tiny-dcgan").sha256)
    plugin_dists.add(
        "genzoo-tiny",
        {
            "tiny_plugin": f"""
        from genzoo import PretrainedModel, hookimpl
        @hookimpl
        def register_models(register):
            register(PretrainedModel(name="tiny-dcgan", architecture="dcgan",
                                     repo_id={REPO!r}, sha256={pins!r}))
    """
        },
    )


@pytest.fixture
def env(tmp_path: Path, mirror: Mirror, plugin_dists: PluginDists) -> dict[str, str]:
    """A fresh HF cache, the mirror as HF_ENDPOINT, and online."""
    return {
        **plugin_dists.env,
        "HF_HOME": str(tmp_path / "hf"),
        "HF_ENDPOINT": mirror.endpoint,
        "HF_HUB_OFFLINE": "0",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "GENZOO_LOAD_PLUGINS": "tiny_plugin",
    }


def genzoo_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "genzoo", *args], env=env, capture_output=True, text=True
    )


def snapshot(env: dict[str, str], repo_id: str = REPO) -> Path:
    (folder,) = (Path(env["HF_HOME"]) / "hub" / f"models--{repo_id.replace('/', '--')}").glob(
        "snapshots/*"
    )
    return folder


def test_pull_sample_verify_through_the_mirror(env, repos: Path, plugin_dists, mirror, tmp_path):
    registered(plugin_dists, repos)
    result = genzoo_cli(env, "pull", "tiny-dcgan")
    assert result.returncode == 0, result.stderr
    assert "tiny-dcgan: downloaded, verified" in result.stdout
    assert "generator.safetensors" in result.stdout and "README.md" in result.stdout
    cached = snapshot(env)
    for name in ("config.json", "generator.safetensors", "discriminator.safetensors"):
        assert (cached / name).read_bytes() == (repos / "tiny-dcgan" / name).read_bytes()

    offline = {**env, "HF_HUB_OFFLINE": "1"}
    again = genzoo_cli(offline, "pull", "tiny-dcgan")
    assert again.returncode == 0 and "tiny-dcgan: cached, verified" in again.stdout
    for seed_run in range(2):
        out = tmp_path / f"grid{seed_run}.png"
        result = genzoo_cli(
            offline, "sample", "tiny-dcgan", "-n", "9", "--seed", "3", "-o", str(out)
        )
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "grid0.png").read_bytes() == (tmp_path / "grid1.png").read_bytes()
    result = genzoo_cli(offline, "verify", "tiny-dcgan")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" ok ") == 4  # two hashes, two golden samples


def test_only_fetches_the_asked_component(env, repos: Path, plugin_dists, mirror):
    registered(plugin_dists, repos)
    result = genzoo_cli(env, "pull", "tiny-dcgan", "--only", "generator")
    assert result.returncode == 0, result.stderr
    assert (snapshot(env) / "generator.safetensors").is_file()
    assert not (snapshot(env) / "discriminator.safetensors").exists()
    assert mirror.proxy.gets("discriminator.safetensors") == 0


def test_hf_hub_names_use_the_repos_own_hashes_and_python_loads_them(env, tmp_path):
    script = (
        "import genzoo; m = genzoo.load('hf-hub:genzoo-test/tiny-cdcgan@main', device='cpu');"
        "g = m.generator; print(g.class_names, g.label_index('Sneaker'))"
    )
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"{tuple(CLASSES)} 2" in result.stdout
    out = tmp_path / "sneakers.png"
    args = ("sample", "hf-hub:genzoo-test/tiny-cdcgan", "--label", "sneaker", "-o", str(out))
    assert genzoo_cli({**env, "HF_HUB_OFFLINE": "1"}, *args).returncode == 0
    result = genzoo_cli(env, "sample", "hf-hub:genzoo-test/tiny-cdcgan", "--label", "sandal")
    assert result.returncode == 2
    assert "unknown label 'sandal'" in result.stderr and "sneaker" in result.stderr


def test_a_cached_pull_imports_no_torch(env, repos: Path, plugin_dists):
    registered(plugin_dists, repos)
    assert genzoo_cli(env, "pull", "tiny-dcgan").returncode == 0
    script = (
        "import sys\nfrom genzoo.cli.app import main\nsys.argv = ['genzoo', 'pull', 'tiny-dcgan']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "print('torch' in sys.modules, 'huggingface_hub.file_download' in sys.modules)"
    )
    offline = {**env, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=offline, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    # after a command, what is printed goes to stderr (plugins' atexit hooks stay off stdout)
    assert result.stderr.strip().endswith("False False")


@pytest.mark.parametrize("offline", ["1", "0"])
def test_nothing_cached_and_no_server_names_both_ways_out(env, repos, plugin_dists, offline):
    registered(plugin_dists, repos)
    unreachable = {**env, "HF_HUB_OFFLINE": offline, "HF_ENDPOINT": "http://127.0.0.1:9"}
    result = genzoo_cli(unreachable, "sample", "tiny-dcgan")
    assert result.returncode == 1
    reason = "HF_HUB_OFFLINE is set" if offline == "1" else "cannot be reached"
    assert reason in result.stderr
    assert "genzoo pull tiny-dcgan" in result.stderr and "--from DIR" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_damaged_cached_file_is_fetched_again(env, repos, plugin_dists, mirror, damage):
    registered(plugin_dists, repos)
    assert genzoo_cli(env, "pull", "tiny-dcgan").returncode == 0
    blob = (snapshot(env) / "generator.safetensors").resolve()
    data = bytearray(blob.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    else:
        data = data[: len(data) // 3]
    blob.write_bytes(bytes(data))
    offline = genzoo_cli({**env, "HF_HUB_OFFLINE": "1"}, "sample", "tiny-dcgan")
    assert (
        offline.returncode == 1 and "the cached file is corrupt and was removed" in offline.stderr
    )
    assert not blob.exists()  # nothing corrupt stays in the cache
    result = genzoo_cli(env, "pull", "tiny-dcgan")
    assert result.returncode == 0, result.stderr
    expected = read_config(repos / "tiny-dcgan").sha256["generator"]
    assert file_sha256(snapshot(env) / "generator.safetensors") == expected


def test_a_server_with_other_bytes_is_refused_and_nothing_corrupt_is_kept(
    env, repos, plugin_dists, mirror
):
    pins = dict(read_config(repos / "tiny-dcgan").sha256)
    pins["generator"] = "0" * 64
    registered(plugin_dists, repos, pins)
    result = genzoo_cli(env, "pull", "tiny-dcgan")
    assert result.returncode == 1
    assert "generator.safetensors" in result.stderr and "expected " + "0" * 64 in result.stderr
    assert "also after downloading it again" in result.stderr
    assert mirror.proxy.gets("generator.safetensors") == 2  # fetched once more, then refused
    assert not (snapshot(env) / "generator.safetensors").exists()


def test_a_dropped_connection_resumes_and_leaves_no_partial_file(env, repos, plugin_dists, mirror):
    registered(plugin_dists, repos)
    mirror.proxy.faults["generator.safetensors"] = "drop-once"
    result = genzoo_cli(env, "pull", "tiny-dcgan")
    assert result.returncode == 0, result.stderr
    assert mirror.proxy.gets("generator.safetensors") == 2  # the cut, then the resumed rest
    expected = read_config(repos / "tiny-dcgan").sha256["generator"]
    assert file_sha256(snapshot(env) / "generator.safetensors") == expected
    assert not list(Path(env["HF_HOME"]).rglob("*.incomplete"))


def test_a_connection_that_always_drops_fails_cleanly(env, repos, plugin_dists, mirror):
    registered(plugin_dists, repos)
    mirror.proxy.faults["generator.safetensors"] = "drop"
    result = genzoo_cli(env, "pull", "tiny-dcgan")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "the download from" in result.stderr
    cache = Path(env["HF_HOME"]) / "hub" / f"models--{REPO.replace('/', '--')}"
    assert not list(cache.glob("snapshots/*/generator.safetensors"))


@pytest.mark.parametrize(
    ("status", "message"), [(404, "has no generator.safetensors"), (500, "answered 500")]
)
def test_server_errors_are_one_line(env, repos, plugin_dists, mirror, status, message):
    registered(plugin_dists, repos)
    mirror.proxy.faults["generator.safetensors"] = status
    result = genzoo_cli(env, "pull", "tiny-dcgan")
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("status", [500, 503])
def test_a_transient_server_error_is_tried_again(env, repos, plugin_dists, mirror, status):
    registered(plugin_dists, repos)
    mirror.proxy.faults["generator.safetensors"] = f"once:{status}"
    result = genzoo_cli(env, "pull", "tiny-dcgan")
    assert result.returncode == 0, result.stderr
    assert f"generator.safetensors answered {status}; trying again" in result.stderr
    expected = read_config(repos / "tiny-dcgan").sha256["generator"]
    assert file_sha256(snapshot(env) / "generator.safetensors") == expected


def test_unknown_repo_is_named(env):
    result = genzoo_cli(env, "pull", "hf-hub:genzoo-test/nothing-here")
    assert result.returncode == 1
    assert "has no repo genzoo-test/nothing-here" in result.stderr


def test_a_pickle_in_place_of_safetensors_is_refused(env, repos, mirror, tmp_path):
    folder = shutil.copytree(repos / "tiny-dcgan", tmp_path / "pickled")
    torch.save({"weights": torch.zeros(2)}, folder / "generator.safetensors")
    config = json.loads((folder / "config.json").read_text())
    config["sha256"]["generator"] = file_sha256(folder / "generator.safetensors")
    (folder / "config.json").write_text(json.dumps(config))
    mirror.publish(folder, "genzoo-test/pickled")
    result = genzoo_cli(env, "sample", "hf-hub:genzoo-test/pickled")
    assert result.returncode == 1
    assert "holds a pickle" in result.stderr and "arbitrary code" in result.stderr


def test_two_processes_pulling_at_once_share_one_download(env, repos, plugin_dists, mirror):
    registered(plugin_dists, repos)
    command = [sys.executable, "-m", "genzoo", "pull", "tiny-dcgan"]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr.decode()
    assert mirror.proxy.gets("generator.safetensors") == 1
    expected = read_config(repos / "tiny-dcgan").sha256["generator"]
    assert file_sha256(snapshot(env) / "generator.safetensors") == expected


def test_export_then_pull_from_the_folder_on_an_offline_machine(env, repos, plugin_dists, tmp_path):
    registered(plugin_dists, repos)
    assert genzoo_cli(env, "pull", "tiny-dcgan").returncode == 0
    carried = tmp_path / "usb"
    result = genzoo_cli(env, "cache", "export", str(carried))
    assert result.returncode == 0, result.stderr
    assert (carried / REPO / "generator.safetensors").is_file()

    other = {**env, "HF_HOME": str(tmp_path / "other-hf"), "HF_HUB_OFFLINE": "1"}
    result = genzoo_cli(other, "pull", "tiny-dcgan", "--from", str(carried))
    assert result.returncode == 0 and "copied from" in result.stdout, result.stderr
    assert genzoo_cli(other, "verify", "tiny-dcgan").returncode == 0
    listed = json.loads(genzoo_cli(other, "cache", "ls", "--json").stdout)
    assert [(row["repo_id"], row["names"]) for row in listed] == [(REPO, ["tiny-dcgan"])]
    assert genzoo_cli(other, "cache", "rm", "tiny-dcgan").returncode == 0
    assert json.loads(genzoo_cli(other, "cache", "ls", "--json").stdout) == []


def test_a_corrupt_folder_never_reaches_the_cache(env, repos, plugin_dists, tmp_path):
    registered(plugin_dists, repos)
    carried = shutil.copytree(repos / "tiny-dcgan", tmp_path / "usb" / REPO)
    with (carried / "generator.safetensors").open("r+b") as stream:
        stream.seek(200)
        stream.write(b"\x00\x01")
    result = genzoo_cli(
        {**env, "HF_HUB_OFFLINE": "1"}, "pull", "tiny-dcgan", "--from", str(tmp_path / "usb")
    )
    assert result.returncode == 1 and "sha256 is" in result.stderr
    assert not (Path(env["HF_HOME"]) / "hub").exists() or not list(
        Path(env["HF_HOME"]).rglob("*.safetensors")
    )


def test_verify_catches_a_changed_golden_sample(env, repos, tmp_path):
    folder = shutil.copytree(repos / "tiny-dcgan", tmp_path / "edited")
    config = json.loads((folder / "config.json").read_text())
    config["golden"]["generator"][0] += 0.5
    (folder / "config.json").write_text(json.dumps(config))
    result = genzoo_cli(env, "verify", str(folder))
    assert result.returncode == 1
    assert "FAILED" in result.stdout and "generator golden sample" in result.stdout


@pytest.fixture
def upload(env: dict[str, str]) -> Iterator[tuple[UploadServer, dict[str, str]]]:
    server = UploadServer()
    yield server, {**env, "HF_ENDPOINT": server.endpoint, "HF_TOKEN": "hf_fixture"}
    stop(server.server)


def test_push_creates_the_repo_and_uploads_the_folder(upload, repos: Path):
    server, env = upload
    folder = repos / "tiny-dcgan"
    dry = genzoo_cli(env, "push", str(folder), "--repo", "me/tiny", "--dry-run")
    assert dry.returncode == 0 and "would upload" in dry.stdout and not server.created
    result = genzoo_cli(env, "push", str(folder), "--repo", "me/tiny")
    assert result.returncode == 0, result.stderr
    assert [call for call in server.unknown if call.startswith("POST")] == []  # every write known
    assert server.created[0]["name"] == "tiny" and server.created[0]["organization"] == "me"
    sent = server.files["me/tiny"]
    assert sorted(sent) == sorted(p.name for p in folder.iterdir())
    assert all(sent[name] == (folder / name).read_bytes() for name in sent)


def test_push_to_a_folder_of_repos_then_pull_from_it(env, repos: Path, tmp_path: Path):
    hub = tmp_path / "hub"
    (hub / "me" / "tiny").mkdir(parents=True)
    (hub / "me" / "tiny" / "old.safetensors").write_bytes(b"stale")
    result = genzoo_cli(
        env, "push", str(repos / "tiny-dcgan"), "--repo", "me/tiny", "--to-folder", str(hub)
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (hub / "me" / "tiny").iterdir()) == sorted(
        p.name for p in (repos / "tiny-dcgan").iterdir()
    )
    offline = {**env, "HF_HUB_OFFLINE": "1"}
    result = genzoo_cli(offline, "pull", "hf-hub:me/tiny", "--from", str(hub))
    assert result.returncode == 0 and "copied from" in result.stdout, result.stderr


def test_push_half_publishes_a_verified_float16_copy(env, repos: Path, tmp_path: Path):
    source = repos / "tiny-dcgan"
    before = {p.name: p.read_bytes() for p in source.iterdir()}
    hub = tmp_path / "hub"
    args = ["push", str(source), "--repo", "me/tiny", "--to-folder", str(hub), "--half"]
    result = genzoo_cli(env, *args)
    assert result.returncode == 0, result.stderr
    assert {p.name: p.read_bytes() for p in source.iterdir()} == before  # float32 kept
    halved = hub / "me" / "tiny"
    assert check_repo(halved) == []  # new pins in config.json and in the card
    stored = load_file(halved / "generator.safetensors")
    assert {t.dtype for t in stored.values() if t.is_floating_point()} == {torch.float16}
    original = load_file(source / "generator.safetensors")
    assert sum(t.nbytes for t in stored.values()) < 0.6 * sum(t.nbytes for t in original.values())
    assert "stored in float16" in (halved / "README.md").read_text()
    assert genzoo_cli(env, "verify", str(halved)).returncode == 0  # golden probes recomputed
    full, half = (genzoo.load(str(f), device="cpu").generator for f in (source, halved))
    assert next(half.parameters()).dtype == torch.float32
    torch.testing.assert_close(half.sample(4, seed=0), full.sample(4, seed=0), atol=1e-2, rtol=0)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("weights", "sha256 is"),
        ("card", "README.md (the model card) is missing"),
        ("pickle", "extra.pt is a pickle-based file"),
        ("library", "does not declare library_name: genzoo"),
    ],
)
def test_push_refuses_an_inconsistent_folder(upload, repos: Path, tmp_path, damage, message):
    server, env = upload
    folder = shutil.copytree(repos / "tiny-dcgan", tmp_path / "bad")
    if damage == "weights":
        (folder / "generator.safetensors").write_bytes(b"\x00" * 64)
    elif damage == "card":
        (folder / "README.md").unlink()
    elif damage == "pickle":
        (folder / "extra.pt").write_bytes(b"\x80\x04")
    else:
        card = folder / "README.md"
        card.write_text(card.read_text().replace("library_name: genzoo", "library_name: other"))
    for args in ([], ["--dry-run"]):
        result = genzoo_cli(env, "push", str(folder), "--repo", "me/bad", *args)
        assert result.returncode == 1 and message in result.stderr
    assert not server.created and not server.files


def test_interpolate_writes_a_looping_gif(repos: Path, tmp_path: Path):
    from PIL import Image

    out = tmp_path / "walk.gif"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    args = ("interpolate", str(repos / "tiny-dcgan"), "-n", "3", "--steps", "4", "--points", "3")
    result = genzoo_cli(env, *args, "-o", str(out))
    assert result.returncode == 0, result.stderr
    with Image.open(out) as gif:
        assert gif.n_frames == 12 and gif.info["loop"] == 0


def test_sample_to_an_unwritable_path_is_one_line(repos: Path, tmp_path: Path):
    target = tmp_path / "taken.png"
    target.mkdir()  # a folder where the PNG should go: writing it fails even as root
    result = genzoo_cli(dict(os.environ), "sample", str(repos / "tiny-dcgan"), "-o", str(target))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot write {target}")


@pytest.mark.parametrize("name", ["config.json", "generator.safetensors"])
def test_a_snapshot_entry_replaced_by_a_plain_file_is_fetched_again(
    env, repos, plugin_dists, mirror, name
):
    """Not the blob but the snapshot's link damaged: a plain file with other bytes in its
    place. A forced download alone would keep it; it is evicted first."""
    pins = dict(read_config(repos / "tiny-dcgan").sha256)
    config_pin = file_sha256(repos / "tiny-dcgan" / "config.json")
    plugin_dists.add(
        "genzoo-pinned",
        {
            "pinned_plugin": f"""
        from genzoo import PretrainedModel, hookimpl
        @hookimpl
        def register_models(register):
            register(PretrainedModel(name="tiny-dcgan", architecture="dcgan", repo_id={REPO!r},
                                     sha256={pins!r},
                                     config_sha256={config_pin!r}))
    """
        },
    )
    pinned = {**env, "GENZOO_LOAD_PLUGINS": "pinned_plugin"}
    assert genzoo_cli(pinned, "pull", "tiny-dcgan").returncode == 0
    entry = snapshot(env) / name
    good = entry.read_bytes()
    entry.unlink()
    entry.write_bytes(good[:-20])
    result = genzoo_cli(pinned, "pull", "tiny-dcgan")
    assert result.returncode == 0, result.stderr
    assert (snapshot(env) / name).read_bytes() == good


def test_load_takes_the_hub_options_huggingface_hub_users_know(env, tmp_path):
    """cache_dir, local_files_only, revision and token, as hf_hub_download takes them."""
    other = tmp_path / "other-cache"
    script = f"""
import genzoo, huggingface_hub
from genzoo.core import GenzooError, BadInputError
name = "hf-hub:genzoo-test/tiny-cdcgan"
try:
    genzoo.load(name, local_files_only=True, cache_dir={str(other)!r})
except GenzooError as err:
    print("refused:", "local_files_only is set" in str(err))
model = genzoo.load(name, cache_dir={str(other)!r}, token="hf_fixture")
print("loaded:", model.generator.num_classes)
print("cached:", genzoo.load(name, local_files_only=True, cache_dir={str(other)!r}) is not None)
try:
    genzoo.load(name, revision="no-such-branch", cache_dir={str(other)!r})
except GenzooError as err:
    # the Hub says "no such revision"; olah answers a missing branch like a missing repo
    print("revision:", "genzoo-test/tiny-cdcgan" in str(err))
try:
    genzoo.load(".", revision="v1")
except BadInputError as err:
    print("folder:", "has no revisions" in str(err))
"""
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:5] == [
        "refused: True", "loaded: 3", "cached: True", "revision: True", "folder: True"
    ]  # fmt: skip
    assert list(other.glob("models--genzoo-test--tiny-cdcgan/snapshots/*/config.json"))
    assert not (Path(env["HF_HOME"]) / "hub" / "models--genzoo-test--tiny-cdcgan").exists()


def test_an_exported_repo_is_imported_as_the_download_left_it(env, repos, plugin_dists, tmp_path):
    """Same commit, same blob names: the HF tools accept it (hf cache verify compares with the
    Hub's tree at that commit) and a later online pull adds nothing."""
    registered(plugin_dists, repos)
    assert genzoo_cli(env, "pull", "tiny-dcgan").returncode == 0
    carried = tmp_path / "usb"
    assert genzoo_cli(env, "cache", "export", str(carried)).returncode == 0
    other = {**env, "HF_HOME": str(tmp_path / "other-hf")}
    offline = {**other, "HF_HUB_OFFLINE": "1"}
    assert genzoo_cli(offline, "pull", "tiny-dcgan", "--from", str(carried)).returncode == 0

    def layout(home: str) -> tuple:
        cache = Path(home) / "hub" / f"models--{REPO.replace('/', '--')}"
        return (
            sorted(p.name for p in (cache / "snapshots").iterdir()),
            sorted(p.name for p in (cache / "blobs").iterdir()),
            (cache / "refs" / "main").read_text(),
        )

    downloaded = layout(env["HF_HOME"])
    assert layout(other["HF_HOME"]) == downloaded
    assert genzoo_cli(other, "pull", "tiny-dcgan").returncode == 0  # online: nothing new
    assert layout(other["HF_HOME"]) == downloaded
    # a folder whose record lies about a file is imported the plain way, never trusted
    record = json.loads((carried / REPO / ".hf-cache.json").read_text())
    record["blobs"]["config.json"] = "0" * 40
    (carried / REPO / ".hf-cache.json").write_text(json.dumps(record))
    third = {**offline, "HF_HOME": str(tmp_path / "third-hf")}
    assert genzoo_cli(third, "pull", "tiny-dcgan", "--from", str(carried)).returncode == 0
    assert layout(third["HF_HOME"])[0] != downloaded[0]  # a digest-named snapshot


def _with_a_2_mb_card(repos: Path, tmp_path: Path) -> Path:
    """tiny-dcgan with a card twice the bound a card may have."""
    folder = shutil.copytree(repos / "tiny-dcgan", tmp_path / "padded")
    (folder / "README.md").write_text("---\nlibrary_name: genzoo\n---\n" + "x" * (2 << 20))
    return folder


def _cache_bytes(env: dict[str, str]) -> int:
    return sum(p.stat().st_size for p in Path(env["HF_HOME"]).rglob("*") if p.is_file())


def test_files_past_their_bound_are_refused_before_a_byte_is_fetched(
    env, repos, plugin_dists, mirror, tmp_path
):
    """A mirror serving the pinned config and weights beside a 2 MB card: the model pulls,
    the card is left out; an hf-hub repo whose config.json is 2 MB is one line. The cache
    holds nothing refused either way."""
    folder = _with_a_2_mb_card(repos, tmp_path)
    mirror.publish(folder, REPO)
    try:
        registered(plugin_dists, repos)
        result = genzoo_cli(env, "pull", "tiny-dcgan")
        assert result.returncode == 0, result.stderr
        assert not (snapshot(env) / "README.md").exists()
        assert mirror.proxy.gets("README.md") == 0 and _cache_bytes(env) < (1 << 20)
        assert genzoo_cli(env, "verify", "tiny-dcgan").returncode == 0
    finally:
        mirror.publish(repos / "tiny-dcgan", REPO)
    config = json.loads((folder / "config.json").read_text())
    config["padding"] = "x" * (2 << 20)
    (folder / "config.json").write_text(json.dumps(config))
    mirror.publish(folder, "genzoo-test/big-config")
    before = _cache_bytes(env)
    result = genzoo_cli(env, "pull", "hf-hub:genzoo-test/big-config")
    assert result.returncode == 1 and "config.json of genzoo-test/big-config" in result.stderr
    assert "more than the 1,048,576 such a file may hold" in result.stderr
    assert _cache_bytes(env) - before < (64 << 10)  # refs and metadata, no 2 MB of config


def _requests_per_file(mirror: Mirror, command: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (method, path), n in mirror.proxy.requests.items():
        if method == command and "/resolve/" in path:
            name = path.rsplit("/", 1)[-1]
            counts[name] = counts.get(name, 0) + n
    return counts


@pytest.mark.parametrize("blobs", [True, False])
def test_a_first_pull_asks_once_per_file_and_never_for_an_absent_one(env, mirror, blobs):
    """The repo's listing (one request) gives every size and blob name and says what is
    absent: each file is then one GET, with no metadata request of its own; a mirror that
    lists no blob names costs huggingface_hub's HEAD per file. Either way the preview a
    repo lacks (reconstructions.png) costs no request at all."""
    mirror.proxy.listing_blobs = blobs
    result = genzoo_cli(env, "pull", f"hf-hub:{REPO}")
    assert result.returncode == 0, result.stderr
    listings = [p for (m, p), _ in mirror.proxy.requests.items() if p.startswith("/api/models/")]
    assert len(listings) == 1
    heads, gets = _requests_per_file(mirror, "HEAD"), _requests_per_file(mirror, "GET")
    fetched = {"config.json", "generator.safetensors", "discriminator.safetensors"}
    assert fetched <= set(gets) and all(n == 1 for n in gets.values()), gets
    assert heads == ({} if blobs else dict.fromkeys(gets, 1)), "\n".join(
        map(str, sorted(mirror.proxy.requests.items()))
    )
    assert "reconstructions.png" not in heads | gets


def test_a_pull_by_the_listing_leaves_the_cache_huggingface_hub_writes(env, mirror):
    """Same snapshot, blob names and ref as hf_hub_download's: huggingface_hub's own
    download afterwards finds the file in place (its HEAD, no GET), and its cache scan
    finds nothing amiss."""
    assert genzoo_cli(env, "pull", f"hf-hub:{REPO}").returncode == 0
    mirror.proxy.requests.clear()
    script = (
        "import huggingface_hub as hub\n"
        f"print(hub.hf_hub_download({REPO!r}, 'generator.safetensors'))\n"
        "scan = hub.scan_cache_dir()\n"
        "assert not scan.warnings and scan.repos, scan.warnings\n"
    )
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert Path(run.stdout.strip()) == snapshot(env) / "generator.safetensors"
    assert mirror.proxy.gets("generator.safetensors") == 0


@pytest.mark.parametrize(
    "lie",
    [
        {"blobId": "1" * 40},  # another file's blob name
        {"blobId": "../../../../escaped"},  # a path, not a blob name
        {"size": 10},  # shorter than the file
        {"lfs": {"sha256": "2" * 64}},  # in LFS, under another hash
    ],
)
def test_a_listing_that_lies_costs_a_download_never_a_wrong_file(
    env, repos, plugin_dists, mirror, lie
):
    """What the listing says is checked against the bytes as they stream: a lie sends the
    file the usual way (huggingface_hub's HEAD and GET), and leaves nothing in the cache."""
    registered(plugin_dists, repos)
    mirror.proxy.listed["generator.safetensors"] = lie
    result = genzoo_cli(env, "pull", "tiny-dcgan")
    assert result.returncode == 0, result.stderr
    expected = read_config(repos / "tiny-dcgan").sha256["generator"]
    assert file_sha256(snapshot(env) / "generator.safetensors") == expected
    home = Path(env["HF_HOME"])
    blobs = {p.name for p in home.glob("hub/models--*/blobs/*")}
    assert not blobs & {"1" * 40, "2" * 64} and not list(home.parent.rglob("escaped"))
    assert not list(home.rglob("*.incomplete"))
    assert _requests_per_file(mirror, "HEAD").get("generator.safetensors") == 1


def test_a_listing_of_another_commit_than_the_one_asked_for_is_not_used(env, mirror):
    assert genzoo_cli(env, "pull", f"hf-hub:{REPO}").returncode == 0
    commit = snapshot(env).name
    other = {**env, "HF_HOME": env["HF_HOME"] + "-other"}
    mirror.proxy.listing_commit = "f" * 40
    mirror.proxy.requests.clear()
    result = genzoo_cli(other, "pull", f"hf-hub:{REPO}@{commit}")
    assert result.returncode == 0, result.stderr
    assert snapshot(other).name == commit
    assert _requests_per_file(mirror, "HEAD").get("generator.safetensors") == 1


@pytest.mark.parametrize("blobs", [True, False])
def test_a_link_planted_at_a_partial_download_is_never_written_through(
    env, repos, plugin_dists, mirror, tmp_path, blobs
):
    """Neither genzoo's download nor huggingface_hub's (which resumes a partial file)."""
    mirror.proxy.listing_blobs = blobs
    precious = tmp_path / "precious.txt"
    precious.write_text("the user's own")
    blob = mirror.proxy.blobs[REPO]["generator.safetensors"]
    blobs = Path(env["HF_HOME"]) / "hub" / f"models--{REPO.replace('/', '--')}" / "blobs"
    blobs.mkdir(parents=True)
    (blobs / f"{blob}.incomplete").symlink_to(precious)
    registered(plugin_dists, repos)
    result = genzoo_cli(env, "pull", "tiny-dcgan")
    assert result.returncode == 0, result.stderr
    assert precious.read_text() == "the user's own"
    expected = read_config(repos / "tiny-dcgan").sha256["generator"]
    assert file_sha256(snapshot(env) / "generator.safetensors") == expected


def test_sampling_fetches_what_it_needs_and_no_preview(env, mirror, tmp_path):
    """`genzoo sample` of a model not yet cached fetches its config, the generator and the
    card (which `save_pretrained` carries over), not the discriminator or the preview grid;
    a later `genzoo pull` fetches those."""
    grid = tmp_path / "grid.png"
    result = genzoo_cli(env, "sample", f"hf-hub:{REPO}", "-n", "4", "-o", str(grid))
    assert result.returncode == 0, result.stderr
    assert grid.is_file()
    gets = _requests_per_file(mirror, "GET")
    assert {"config.json", "generator.safetensors", "README.md"} <= set(gets)
    assert "samples.png" not in gets and "discriminator.safetensors" not in gets
    assert genzoo_cli(env, "pull", f"hf-hub:{REPO}").returncode == 0
    assert _requests_per_file(mirror, "GET").get("discriminator.safetensors") == 1


@pytest.mark.parametrize("listing", ["none", "names only"])
def test_a_mirror_without_sizes_in_its_listing_still_bounds_each_file(
    env, repos, plugin_dists, mirror, tmp_path, listing
):
    """A server that will not list the repo (its API answers 404), or lists names without
    sizes (olah): each file's size comes from its own metadata, and a card past its bound
    is still refused before its GET."""
    if listing == "none":
        mirror.proxy.faults["/api/models/"] = 404
    else:
        mirror.proxy.listing_sizes = False
    folder = _with_a_2_mb_card(repos, tmp_path)
    mirror.publish(folder, REPO)
    try:
        registered(plugin_dists, repos)
        result = genzoo_cli(env, "pull", "tiny-dcgan")
        assert result.returncode == 0, result.stderr
        assert not (snapshot(env) / "README.md").exists()
        assert mirror.proxy.gets("README.md") == 0
        heads = _requests_per_file(mirror, "HEAD")
        assert heads["generator.safetensors"] == 2  # its own metadata, then huggingface_hub's
        assert ("reconstructions.png" in heads) == (listing == "none")
    finally:
        mirror.publish(repos / "tiny-dcgan", REPO)


def test_the_users_example_pull_dcgan_mnist_over_the_network(env, mirror, tmp_path):
    """`genzoo pull dcgan-mnist` as the mission states it: the registered model, from a Hub
    (the mirror serving this project's hub/genzoo/dcgan-mnist), then sample and info."""
    hub = Path(__file__).resolve().parents[1] / "hub" / "genzoo" / "dcgan-mnist"
    mirror.publish(hub, "genzoo/dcgan-mnist")
    result = genzoo_cli(env, "pull", "dcgan-mnist")
    assert result.returncode == 0, result.stderr
    assert "dcgan-mnist: downloaded, verified" in result.stdout
    grid = tmp_path / "digits.png"
    sampled = genzoo_cli({**env, "HF_HUB_OFFLINE": "1"}, "sample", "dcgan-mnist", "-o", str(grid))
    assert sampled.returncode == 0 and grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    info = genzoo_cli(env, "info", "dcgan-mnist", "--json")
    assert json.loads(info.stdout)["metrics"]["frechet_distance"] > 0


def test_timms_own_hub_weights_load_as_a_classifier(env, mirror, tmp_path):
    """A repo written by timm's own saving function (config.json + model.safetensors),
    served as `timm/<arch>.<tag>`: loaded as a genzoo Classifier whose logits are timm's,
    its weights checked against the repo's own hash; tampered weights are refused."""
    import timm
    from timm.models._hub import save_for_hf

    torch.manual_seed(0)
    net = timm.create_model("resnet18", pretrained=False, num_classes=3).eval()
    folder = tmp_path / "resnet18.test_tag"
    save_for_hf(net, str(folder), safe_serialization=True,
                model_config={"label_names": ["cat", "dog", "cow"]})  # fmt: skip
    (folder / "pytorch_model.bin").unlink(missing_ok=True)
    mirror.publish(folder, "timm/resnet18.test_tag")
    script = (
        "import torch, genzoo\n"
        "m = genzoo.load('timm/resnet18.test_tag', device='cpu')\n"
        "c = m.classifier\n"
        "x = torch.rand(2, 3, 224, 224) * 2 - 1\n"
        "torch.save({'logits': c(x).detach(), 'x': x, 'names': c.class_names}, 'out.pt')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = torch.load(tmp_path / "out.pt", weights_only=True)
    assert out["names"] == ("cat", "dog", "cow")
    with torch.no_grad():
        assert torch.allclose(out["logits"], net(out["x"]), atol=1e-5)
    # a cached blob damaged after the download no longer matches the Hub's hash: refused
    (cached,) = Path(env["HF_HOME"]).rglob("snapshots/*/model.safetensors")
    blob = cached.resolve()
    data = bytearray(blob.read_bytes())
    data[-1] ^= 0xFF
    blob.write_bytes(bytes(data))
    offline = {**env, "HF_HUB_OFFLINE": "1"}
    damaged = subprocess.run([sys.executable, "-c", script], env=offline, cwd=tmp_path,
                             capture_output=True, text=True)  # fmt: skip
    assert damaged.returncode == 1 and "does not match the Hub's hash" in damaged.stderr
    assert "genzoo.zoo.repo.IntegrityError" in damaged.stderr and not blob.exists()
    bare = genzoo_cli(env, "info", "timm/resnet18")
    assert bare.returncode == 0  # the architecture: info describes it, load refuses it
    refused = subprocess.run(
        [sys.executable, "-c", "import genzoo; genzoo.load('timm/resnet18')"], env=env,
        capture_output=True, text=True,
    )  # fmt: skip
    assert "is an architecture (untrained)" in refused.stderr
    assert "timm/resnet18.<tag>" in refused.stderr


def test_pull_shows_which_file_it_downloads_on_a_terminal(env, repos, plugin_dists):
    import os
    import pty

    registered(plugin_dists, repos)
    leader, follower = pty.openpty()
    done = subprocess.run(
        [sys.executable, "-m", "genzoo", "pull", "tiny-dcgan"],
        env={**env, "TERM": "xterm"}, stdout=subprocess.PIPE, stderr=follower, timeout=120,
    )  # fmt: skip
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert done.returncode == 0
    assert b"downloading generator.safetensors" in shown
    piped = genzoo_cli(env, "pull", "tiny-dcgan")  # cached now; in a pipe, no spinner
    assert "downloading" not in piped.stderr


def test_a_pull_removes_what_a_killed_pull_of_its_repo_left(env, repos, plugin_dists):
    """A kill -9 mid-download leaves `<etag>.<id>.incomplete` (its lock dies with the
    process); the next successful pull of that repo removes it."""
    registered(plugin_dists, repos)
    repo = Path(env["HF_HOME"]) / "hub" / f"models--{REPO.replace('/', '--')}"
    (repo / "blobs").mkdir(parents=True)
    left = repo / "blobs" / ("ab" * 32 + ".1234abcd.incomplete")
    left.write_bytes(b"half a file")
    result = genzoo_cli(env, "pull", "tiny-dcgan")
    assert result.returncode == 0, result.stderr
    assert not left.exists() and not list(repo.rglob("*.incomplete"))
