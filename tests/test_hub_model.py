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


def test_a_half_precision_model_saves_float32_weights(tmp_path: Path):
    model = genzoo.build("dcgan", **SMALL).to(torch.bfloat16)
    folder = model.save_pretrained(tmp_path / "half")
    loaded = genzoo.load(str(folder), device="cpu")
    assert next(loaded.parameters()).dtype == torch.float32
    assert next(model.parameters()).dtype == torch.bfloat16  # the caller's model is untouched


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
