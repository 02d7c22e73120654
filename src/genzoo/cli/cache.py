"""`genzoo cache ls | rm | export`: the genzoo repos in the shared Hugging Face cache."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from genzoo.cli.output import (
    JsonFlag,
    console,
    errors,
    human_count,
    plugins_of,
    print_json,
    table,
)
from genzoo.core import BadInputError, GenzooError, Registry

if TYPE_CHECKING:
    from huggingface_hub import CachedRepoInfo

cache_app = typer.Typer(
    help="The genzoo models in the Hugging Face cache: list, remove, export for another machine.",
    no_args_is_help=True,
)


def genzoo_repos() -> list[CachedRepoInfo]:
    """Cached model repos with at least one snapshot in genzoo's format."""
    from huggingface_hub import scan_cache_dir

    from genzoo.zoo.cache import hub_cache
    from genzoo.zoo.repo import CONFIG_FILE, read_config

    if not hub_cache().is_dir():
        return []

    def is_genzoo(snapshot: Path) -> bool:
        try:
            return (snapshot / CONFIG_FILE).is_file() and bool(read_config(snapshot).architecture)
        except GenzooError:
            return False

    return sorted(
        (
            repo
            for repo in scan_cache_dir(hub_cache()).repos
            if repo.repo_type == "model"
            and any(is_genzoo(rev.snapshot_path) for rev in repo.revisions)
        ),
        key=lambda repo: repo.repo_id,
    )


def _names_by_repo(registry: Registry) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for model in registry.find_models():
        names.setdefault(model.repo_id, []).append(model.name)
    return names


@cache_app.command("ls")
def ls_command(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List the cached genzoo repos: registered names, revisions, size.

    Example:

        genzoo cache ls --json
    """
    from genzoo.zoo.cache import hub_cache

    names = _names_by_repo(plugins_of(ctx).registry)
    repos = genzoo_repos()
    rows: list[dict[str, Any]] = [
        {
            "repo_id": repo.repo_id,
            "names": names.get(repo.repo_id, []),
            "revisions": sorted(ref for rev in repo.revisions for ref in rev.refs)
            or sorted(rev.commit_hash for rev in repo.revisions),
            "size": repo.size_on_disk,
            "files": repo.nb_files,
            "path": str(repo.repo_path),
        }
        for repo in repos
    ]
    if as_json:
        print_json(rows)
        return
    from genzoo.zoo.cache import stale_downloads

    stale = stale_downloads()
    if stale:
        size = human_count(sum(path.stat().st_size for path in stale))
        errors.print(f"{len(stale)} stale partial download(s), {size}B: `genzoo cache clean`")
    if not rows:
        console.print(f"no genzoo models in the cache at {hub_cache()}")
        return
    grid = table("repo", "name", "revisions", "size", "files")
    for row in rows:
        grid.add_row(
            row["repo_id"],
            ", ".join(row["names"]) or "-",
            ", ".join(rev[:12] for rev in row["revisions"]),
            f"{human_count(row['size'])}B",
            str(row["files"]),
        )
    console.print(grid)
    console.print(f"cache: {hub_cache()}")


def _repo_ids(names: list[str], registry: Registry) -> list[str]:
    """Registered names, hf-hub: names or bare org/name repo ids -> repo ids."""
    from genzoo.zoo.source import locate_repo

    return [locate_repo(name, registry).repo_id for name in names]


@cache_app.command("clean")
def clean_command(
    minutes: Annotated[
        float,
        typer.Option(min=0, help="Only files untouched at least this long."),
    ] = 0,
) -> None:
    """Remove the partial downloads that an interrupted pull left in the cache.

    A download in progress holds a lock on its `.incomplete` file; a file whose lock is
    free was left by a killed process and is removed (`genzoo cache ls` counts them;
    a pull removes its own repo's leftovers once it has succeeded).

    Example:

        genzoo cache clean --minutes 0
    """
    from genzoo.zoo.cache import remove_stale_downloads, stale_downloads

    sizes = {path: path.stat().st_size for path in stale_downloads(older_than=minutes * 60)}
    removed = remove_stale_downloads(older_than=minutes * 60)
    size = sum(sizes.get(path, 0) for path in removed)
    console.print(f"removed {len(removed)} partial download(s), {human_count(size)}B")


@cache_app.command("rm")
def rm_command(
    ctx: typer.Context,
    names: Annotated[
        list[str], typer.Argument(help="Registered names, hf-hub: names or org/name.")
    ],
) -> None:
    """Remove models from the cache (every cached revision), through huggingface_hub.

    Example:

        genzoo cache rm dcgan-fashion-mnist
    """
    repos = {repo.repo_id: repo for repo in genzoo_repos()}
    wanted = _repo_ids(names, plugins_of(ctx).registry)
    if missing := [repo_id for repo_id in wanted if repo_id not in repos]:
        raise BadInputError(f"not in the cache: {', '.join(missing)} (see `genzoo cache ls`)")
    from huggingface_hub import scan_cache_dir

    from genzoo.zoo.cache import hub_cache

    commits = [rev.commit_hash for repo_id in wanted for rev in repos[repo_id].revisions]
    strategy = scan_cache_dir(hub_cache()).delete_revisions(*commits)
    strategy.execute()
    console.print(f"removed {', '.join(wanted)} ({human_count(strategy.expected_freed_size)}B)")


@cache_app.command("export")
def export_command(
    ctx: typer.Context,
    destination: Annotated[Path, typer.Argument(help="Folder to write DIR/org/name/ repos into.")],
    names: Annotated[
        list[str] | None, typer.Argument(help="Models to export (default: every cached one).")
    ] = None,
) -> None:
    """Copy cached models, verified, into a folder of repos for a machine without network.

    There, `genzoo pull NAME --from DIR` puts them into its own cache exactly as the
    download left them here (the same commit and blob names, recorded beside each repo
    in .hf-cache.json), so `hf cache verify` accepts them and a later online pull of the
    same revision fetches nothing again.

    Example:

        genzoo cache export /media/usb/genzoo-repos dcgan-fashion-mnist
    """
    from genzoo.zoo.offline import export_repo
    from genzoo.zoo.pull import cached
    from genzoo.zoo.source import RepoRef, locate_repo

    registry = plugins_of(ctx).registry
    if names:
        refs = [locate_repo(name, registry) for name in names]
    else:
        refs = [
            RepoRef(f"hf-hub:{repo.repo_id}@{rev.commit_hash}", repo.repo_id, rev.commit_hash)
            for repo in genzoo_repos()
            for rev in repo.revisions
        ]
    if not refs:
        raise GenzooError("no genzoo models in the cache to export")
    for ref in refs:
        pulled = cached(ref, None)
        if pulled is None:
            raise GenzooError(f"{ref.name} is not complete and intact in the cache; pull it first")
        folder = export_repo(pulled, destination)
        console.print(f"{ref.name}: {len(pulled.files)} files -> {folder}")


def register(app: typer.Typer) -> None:
    app.add_typer(cache_app, name="cache")
