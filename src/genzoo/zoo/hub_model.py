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

from genzoo.core.files import atomic_path
from genzoo.core.model import ZooModel
from genzoo.zoo.card import CardInfo, carried_over
from genzoo.zoo.repo import CARD_FILE, RepoConfig
from genzoo.zoo.weights import write_repo


class HubModel(ZooModel):
    """A ZooModel with `save_pretrained` and `push_to_hub` (what `genzoo.load` and
    `genzoo.build` return). A loaded one remembers its card (`card_text`): saving it keeps
    the card's datasets, results and training record."""

    card_text: str = ""

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
        """The weights in their own dtype (a bfloat16 model stays bfloat16; golden probes
        run in float32 either way), and the loaded card's record when no card is given."""
        repo = write_repo(self, folder, card)
        if card is None and self.card_text:
            path = folder / CARD_FILE
            with atomic_path(path) as tmp:
                tmp.write_text(carried_over(self.card_text, path.read_text()))
        return repo
