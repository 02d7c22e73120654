"""What a user types, read one way everywhere: `genzoo.zoo.source.locate`'s precedence rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from genzoo.cli.app import make_app
from genzoo.core import BadInputError, GenzooError, UnknownNameError
from genzoo.plugins import installed
from genzoo.zoo.source import LocalRepo, RepoRef, choose_roles, locate

HUB = Path(__file__).resolve().parents[1] / "hub"


@pytest.fixture
def registry():
    """The built-ins, and one model registered without weights (as a recipe is before its
    weights are published)."""
    from genzoo.core import PretrainedModel

    found = installed().registry
    found.add(PretrainedModel("dcgan-unpublished", "dcgan", "genzoo/dcgan-unpublished"), "test")
    return found


def test_a_registered_name_is_its_pinned_repo(registry):
    source = locate("dcgan-fashion-mnist", registry)
    entry = registry.model("dcgan-fashion-mnist")
    assert isinstance(source, RepoRef)
    assert (source.repo_id, source.pins, source.model) == (
        entry.repo_id,
        dict(entry.sha256),
        "dcgan-fashion-mnist",
    )


def test_a_folder_named_like_a_model_does_not_shadow_it(registry, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dcgan-fashion-mnist").mkdir()
    assert isinstance(locate("dcgan-fashion-mnist", registry), RepoRef)
    local = locate("./dcgan-fashion-mnist", registry)
    assert isinstance(local, LocalRepo) and local.folder == Path("dcgan-fashion-mnist")


def test_folders_and_hub_repo_ids(registry, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "mine").mkdir(parents=True)
    (tmp_path / "myrun").mkdir()
    assert isinstance(locate("runs/mine", registry), LocalRepo)  # an existing folder wins
    assert isinstance(locate("myrun", registry), LocalRepo)  # unregistered, and a folder
    assert isinstance(locate(str(tmp_path / "myrun"), registry), LocalRepo)
    # the zoo's own repo id keeps the registry's pins, as the registered name does
    ours = locate("genzoo/dcgan-fashion-mnist", registry)
    assert isinstance(ours, RepoRef) and ours.pins == locate("dcgan-fashion-mnist", registry).pins
    theirs = locate("someone/their-gan@v2", registry)
    assert isinstance(theirs, RepoRef)
    assert (theirs.repo_id, theirs.revision, theirs.pins) == ("someone/their-gan", "v2", None)
    explicit = locate("hf-hub:someone/their-gan", registry)
    assert isinstance(explicit, RepoRef) and explicit.revision == "main"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("./missing", BadInputError, "no such folder"),
        ("~/surely-not-here-genzoo", BadInputError, "no such folder"),
        ("dcgan-fashon-mnist", UnknownNameError, "dcgan-fashion-mnist"),
        ("hf-hub:not a repo", BadInputError, "hf-hub:org/name"),
        ("a/b/c", BadInputError, "neither a folder here nor a Hub repo id"),
        ("dcgan-unpublished", GenzooError, "no published weights yet"),
    ],
)
def test_what_cannot_be_located_is_one_clear_error(registry, text, error, message):
    with pytest.raises(error, match=message):
        locate(text, registry)


def test_a_role_the_model_lacks_is_bad_input_everywhere(registry):
    with pytest.raises(BadInputError, match="has no encoder; its components are generator"):
        choose_roles(["generator", "discriminator"], ["encoder"], "dcgan-fashion-mnist")
    result = CliRunner().invoke(
        make_app(installed()), ["pull", "dcgan-fashion-mnist", "--from", str(HUB), "--only", "x"]
    )
    assert result.exit_code == 2 and "has no x" in result.output
