"""The Hugging Face habits: save_pretrained, push_to_hub and from_pretrained on genzoo models."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import genzoo
from genzoo.zoo import push as push_module
from genzoo.zoo.repo import check_repo, read_config

SMALL = {"latent_dim": 8, "base_channels": 4}


def test_save_pretrained_writes_a_repo_that_loads_back_the_same(tmp_path: Path):
    torch.manual_seed(0)
    model = genzoo.build("dcgan", **SMALL)
    folder = model.save_pretrained(tmp_path / "mine")
    assert check_repo(folder) == []  # fit to publish as it is
    again = genzoo.from_pretrained(str(folder), device="cpu")
    assert torch.equal(again.generator.sample(4, seed=0), model.generator.sample(4, seed=0))
    assert hasattr(again, "push_to_hub")  # a loaded model saves and publishes too


def test_a_bfloat16_model_saves_its_own_dtype_and_loads_back_bit_exact(tmp_path: Path):
    from safetensors import safe_open

    from genzoo.zoo.verify import verify_folder

    model = genzoo.build("dcgan", **SMALL).to(torch.bfloat16)
    folder = model.save_pretrained(tmp_path / "half")
    with safe_open(str(folder / "generator.safetensors"), "pt") as stored:
        tensors = [stored.get_tensor(key) for key in stored.keys()]  # noqa: SIM118
        assert {t.dtype for t in tensors if t.is_floating_point()} == {torch.bfloat16}
    assert all(check.ok for check in verify_folder(folder, genzoo.registry(), None))
    loaded = genzoo.load(folder, device="cpu", torch_dtype=torch.bfloat16)
    pairs = zip(model.state_dict().items(), loaded.state_dict().values(), strict=True)
    for (name, ours), theirs in pairs:
        assert torch.equal(ours, theirs), name
    assert next(genzoo.load(folder, device="cpu").parameters()).dtype == torch.float32


def test_saving_a_loaded_model_keeps_its_cards_record(tmp_path: Path):
    """The card's datasets, results (model-index) and training record survive a round trip
    through save_pretrained, beside the new files' hashes."""
    from genzoo.zoo.card import card_metadata
    from genzoo.zoo.offline import import_repo
    from genzoo.zoo.source import registered

    hub = Path(__file__).resolve().parents[1] / "hub"
    import_repo(registered("dcgan-fashion-mnist", genzoo.registry()), hub)
    loaded = genzoo.load("dcgan-fashion-mnist", device="cpu")
    folder = loaded.save_pretrained(tmp_path / "mine")
    original = (hub / "genzoo" / "dcgan-fashion-mnist" / "README.md").read_text()
    saved = (folder / "README.md").read_text()
    before, after = card_metadata(original), card_metadata(saved)
    assert after["datasets"] == before["datasets"] == ["zalando-datasets/fashion_mnist"]
    assert after["model-index"] == before["model-index"]
    for section in ("## Training", "## Evaluation"):
        kept = original[original.index(section) :].split("\n## ")[0]
        assert kept in saved, section
    assert check_repo(folder) == []  # its Files table lists the saved weights' hashes
    again = genzoo.load(folder, device="cpu")
    assert torch.equal(again.generator.sample(4, seed=0), loaded.generator.sample(4, seed=0))


def test_push_to_hub_uploads_a_complete_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    sent: dict[str, object] = {}

    def fake_push(
        folder: Path, repo_id: str, revision: str, private: bool, message: str, token
    ) -> str:
        sent["token"] = token
        sent.update(files=sorted(p.name for p in folder.iterdir()), problems=check_repo(folder))
        sent.update(repo_id=repo_id, revision=revision, private=private, message=message)
        sent["name"] = read_config(folder).name
        return f"https://hub.example/{repo_id}/commit/1"

    monkeypatch.setattr(push_module, "push", fake_push)
    model = genzoo.build("dcgan", **SMALL)
    url = model.push_to_hub("me/tiny", private=True, commit_message="first", token="hf_w")
    assert url == "https://hub.example/me/tiny/commit/1"
    assert sent["problems"] == [] and sent["repo_id"] == "me/tiny" and sent["private"] is True
    assert {"config.json", "generator.safetensors", "README.md"} <= set(sent["files"])  # type: ignore[arg-type]
    assert sent["message"] == "first" and sent["name"] == "dcgan" and sent["token"] == "hf_w"


def test_load_hands_token_and_cache_dir_to_huggingface_hub(monkeypatch, tmp_path):
    import huggingface_hub

    seen = {}

    class Stop(Exception):
        pass

    def download(repo_id, filename, **kwargs):
        seen.update(kwargs, repo_id=repo_id)
        raise Stop

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    with pytest.raises(Stop):
        genzoo.load("hf-hub:me/private-gan", token="hf_secret", cache_dir=tmp_path, revision="v2")
    assert (seen["repo_id"], seen["token"], seen["cache_dir"]) == (
        "me/private-gan",
        "hf_secret",
        tmp_path,
    )
    assert (seen["revision"], seen["local_files_only"]) == ("v2", False)


def test_push_to_hub_without_a_token_is_one_line_before_any_request(tmp_path, monkeypatch):
    from genzoo.core import GenzooError

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-home"))  # no saved login either
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
    monkeypatch.setattr("huggingface_hub.constants.HF_TOKEN_PATH", str(tmp_path / "no-token"))
    model = genzoo.build("dcgan", latent_dim=8, base_channels=4)
    with pytest.raises(GenzooError, match="pushing needs a Hugging Face token"):
        model.push_to_hub("me/my-gan")
