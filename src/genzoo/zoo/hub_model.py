"""A model that saves and publishes itself, as Hugging Face users expect of a loaded model.

    model = genzoo.load("dcgan-fashion-mnist")        # or genzoo.from_pretrained(...)
    model.save_pretrained("my-dcgan")                 # a complete genzoo repo folder
    model.push_to_hub("me/my-dcgan")                  # the same, as one commit on the Hub

huggingface_hub's `ModelHubMixin` writes one config.json and one weights file per model;
a genzoo repo holds several components (a generator and a discriminator, an encoder and
a decoder), each its own safetensors file, plus golden probes and a card. So the method
names and what they take follow the mixin (`save_directory`, `repo_id`, `revision`,
`private`, `commit_message`), and what they write is genzoo's format (`zoo.repo`), which
`genzoo.load` and `genzoo pull` read back.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from genzoo.core.model import ZooModel
from genzoo.zoo.card import CardInfo
from genzoo.zoo.repo import RepoConfig, write_repo


class HubModel(ZooModel):
    """A ZooModel with `save_pretrained` and `push_to_hub` (what `genzoo.load` and
    `genzoo.build` return)."""

    def save_pretrained(self, save_directory: str | Path, card: CardInfo | None = None) -> Path:
        """Write this model as a genzoo repo folder: weights, pinned config.json, card, preview."""
        folder = Path(save_directory)
        self._write(folder, card)
        return folder

    def push_to_hub(
        self,
        repo_id: str,
        *,
        revision: str = "main",
        private: bool = False,
        commit_message: str = "",
        token: str | None = None,
        card: CardInfo | None = None,
    ) -> str:
        """Save to a temporary folder and upload it to `repo_id` in one commit (`token`, by
        default HF_TOKEN or the saved login, and HF_ENDPOINT apply, as for `genzoo push`);
        returns the commit's URL."""
        from genzoo.zoo.push import push

        with tempfile.TemporaryDirectory(prefix="genzoo-push-") as scratch:
            folder = Path(scratch)
            self._write(folder, card)
            return push(folder, repo_id, revision, private, commit_message, token)

    def _write(self, folder: Path, card: CardInfo | None) -> RepoConfig:
        import torch

        weights = [p for p in self.parameters() if p.is_floating_point()]
        if weights and weights[0].dtype != torch.float32:  # the format stores float32
            return write_repo(_float32_copy(self), folder, card)
        return write_repo(self, folder, card)


def _float32_copy(model: ZooModel) -> ZooModel:
    import copy

    return copy.deepcopy(model).float()
