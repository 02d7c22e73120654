"""Publishing a repo folder to the Hub (or the endpoint HF_ENDPOINT names) with HfApi."""

from __future__ import annotations

from pathlib import Path

from genzoo.core import BadInputError, GenzooError
from genzoo.core.entries import REPO_ID
from genzoo.core.files import read_text_bounded, write_text
from genzoo.zoo.repo import (
    CARD_FILE,
    CONFIG_FILE,
    EXTRA_FILES,
    MAX_CARD_BYTES,
    check_repo,
    plain_files,
    read_config,
)


def publishable_files(folder: Path) -> list[str]:
    """The files of the format that `push` uploads; anything else in the folder stays local."""
    names = [CONFIG_FILE, *EXTRA_FILES]
    names += [f"{role}.safetensors" for role in read_config(folder).sha256]
    present = [name for name in names if (folder / name).is_file() or (folder / name).is_symlink()]
    return sorted(plain_files(folder, present))


def check_publishable(folder: Path, repo_id: str) -> list[str]:
    """The files to upload, after refusing a folder that is not a consistent genzoo repo."""
    if not REPO_ID.match(repo_id):
        raise BadInputError(f"--repo must look like org/name, got {repo_id!r}")
    if not folder.is_dir():
        raise BadInputError(f"no such folder: {folder}")
    if problems := check_repo(folder):
        raise GenzooError(f"{folder} is not fit to publish: " + "; ".join(problems))
    return publishable_files(folder)


def name_the_repo(folder: Path, repo_id: str) -> None:
    """Make the folder's card tell readers to pull `repo_id`, where it is published (a run
    trained from the zoo's recipe carries the zoo model's name, which is not this repo)."""
    from genzoo.zoo.card import for_repo

    card = folder / CARD_FILE
    if not card.is_file():
        return
    text = read_text_bounded(card, MAX_CARD_BYTES)
    updated = for_repo(text, read_config(folder).name, repo_id)
    if updated != text:
        write_text(card, updated)


def push(
    folder: Path,
    repo_id: str,
    revision: str = "main",
    private: bool = False,
    message: str = "",
    token: str | None = None,
) -> str:
    """Create `repo_id` if needed and upload the folder's files in one commit; the commit URL.
    `token` (default: HF_TOKEN or the saved login) needs write access."""
    from huggingface_hub import HfApi, constants, get_token
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    files = check_publishable(folder, repo_id)
    api = HfApi(library_name="genzoo", token=token)
    if constants.HF_HUB_OFFLINE:
        raise GenzooError("cannot push while HF_HUB_OFFLINE is set: unset it")
    if api.token is None and get_token() is None:  # the Hub would answer 401 after the work
        raise GenzooError(
            "pushing needs a Hugging Face token with write access: set HF_TOKEN or run "
            "`hf auth login`"
        )
    name_the_repo(folder, repo_id)
    try:
        api.create_repo(repo_id, private=private, exist_ok=True)
        commit = api.upload_folder(
            repo_id=repo_id,
            folder_path=folder,
            revision=revision,
            allow_patterns=files,
            commit_message=message or f"Upload {read_config(folder).name or folder.name}",
        )
    except HfHubHTTPError as err:
        raise GenzooError(f"{api.endpoint} refused the upload: {err}") from None
    except OfflineModeIsEnabled:
        raise GenzooError("cannot push while HF_HUB_OFFLINE is set: unset it") from None
    except Exception as err:
        if isinstance(err, OSError) or type(err).__module__.startswith(("httpx", "httpcore")):
            raise GenzooError(f"cannot reach {api.endpoint}: {type(err).__name__}: {err}") from None
        raise
    return str(commit.commit_url)


def push_to_folder(folder: Path, repo_id: str, destination: Path) -> Path:
    """Publish into a folder of repos instead (`destination/<org>/<name>/`, e.g. this
    project's hub/ or a mirror for machines without network); stale files are removed."""
    from genzoo.zoo.offline import write_into

    files = check_publishable(folder, repo_id)
    name_the_repo(folder, repo_id)
    return write_into(destination, repo_id, [folder / name for name in files])
