"""`genzoo pull`, `verify` and `push`: moving verified repos between the Hub and this machine."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from genzoo.cli.output import (
    complete_models,
    console,
    errors,
    human_count,
    plugins_of,
    refuse_training_run,
    table,
)
from genzoo.core import BadInputError, GenzooError

NameArgument = Annotated[
    str,
    # "\[" : typer reads help as rich markup, where [@revision] would vanish as a tag
    typer.Argument(
        help="A registered model, a Hub repo (org/name or hf-hub:org/name\\[@revision]), "
        "or (verify) a folder.",
        autocompletion=complete_models,
    ),
]


def pull_command(
    ctx: typer.Context,
    name: NameArgument,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Fetch only this component (repeatable): generator, ..."),
    ] = None,
    source: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Copy from a folder of repos (DIR/org/name/, e.g. this project's hub/ "
            "or `genzoo cache export`) instead of downloading.",
        ),
    ] = None,
) -> None:
    """Fetch a model's weights into the Hugging Face cache, checking every file's sha256.

    Downloads go to HF_ENDPOINT (default huggingface.co) into HF_HOME's cache;
    with HF_HUB_OFFLINE=1 only the cache (or --from) is used. A cached model is
    verified and returned at once.

    Examples:

        genzoo pull dcgan-fashion-mnist

        genzoo pull dcgan-fashion-mnist --only generator

        genzoo pull hf-hub:someone/their-gan@main

        genzoo pull dcgan-fashion-mnist --from hub/
    """
    from genzoo.zoo.cache import HubAccess, hub_access
    from genzoo.zoo.pull import pull
    from genzoo.zoo.source import locate_repo

    ref = locate_repo(name, plugins_of(ctx).registry)
    if source is not None:
        from genzoo.zoo.offline import import_repo

        if not source.is_dir():
            raise BadInputError(f"--from {source}: no such folder")
        pulled = import_repo(ref, source, only)
    else:
        with _download_status() as show, hub_access(HubAccess(progress=show)):
            pulled = pull(ref, only)
    how = f"copied from {source}" if source else "downloaded" if pulled.downloaded else "cached"
    console.print(f"{name}: {how}, verified, in {pulled.snapshot}")
    for path in pulled.files:
        console.print(f"  {path.name:<28} {human_count(path.stat().st_size)}B")


@contextlib.contextmanager
def _download_status() -> Iterator[Callable[[str], None] | None]:
    """On a terminal, a spinner naming the file being fetched (huggingface_hub draws each
    large file's byte bar below it); in a pipe or a log, nothing."""
    if not errors.is_terminal:
        yield None
        return
    from rich.live import Live
    from rich.spinner import Spinner

    spinner = Spinner("dots", Text("resolving"), style="status.spinner")
    with Live(spinner, console=errors, refresh_per_second=12.5, transient=True) as live:

        def show(filename: str) -> None:
            spinner.update(text=Text(f"downloading {filename}"))
            live.refresh()  # every file's name is drawn, however fast it downloads

        yield show


def verify_command(ctx: typer.Context, name: NameArgument) -> None:
    """Check a cached model (or a repo folder): every file's sha256, then a fixed-seed golden
    sample against the one recorded when it was published.

    Nothing is downloaded: a model must be pulled first. Exits 1 if any check fails.

    Examples:

        genzoo verify dcgan-fashion-mnist

        genzoo verify runs/dcgan-fmnist
    """
    from genzoo.zoo.cache import snapshot_dir
    from genzoo.zoo.source import LocalRepo, locate
    from genzoo.zoo.verify import verify_folder

    registry = plugins_of(ctx).registry
    source = locate(name, registry)
    if isinstance(source, LocalRepo):
        refuse_training_run(source.folder)
        folder, pins, config_pin = source.folder, None, None
    else:
        found = snapshot_dir(source.repo_id, source.revision)
        if found is None:
            raise GenzooError(f"{name} is not in the cache; `genzoo pull {name}` first")
        folder, pins, config_pin = found, source.pins, source.config_pin
    checks = verify_folder(folder, registry, pins, config_pin)
    rows = table("check", "result", "detail")
    for check in checks:
        result = Text("ok", style="green") if check.ok else Text("FAILED", style="red")
        rows.add_row(check.what, result, check.detail)
    console.print(rows)
    if not all(check.ok for check in checks):
        errors.print(f"error: {name} failed verification", style="red", markup=False)
        raise typer.Exit(1)


def push_command(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="A repo folder, e.g. the --out of genzoo train.")],
    repo: Annotated[str, typer.Option("--repo", help="The Hub repo to publish to: org/name.")],
    revision: Annotated[str, typer.Option(help="Branch to commit to.")] = "main",
    private: Annotated[bool, typer.Option(help="Create the repo as private.")] = False,
    message: Annotated[str, typer.Option("-m", "--message", help="Commit message.")] = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the folder and list what would be uploaded.")
    ] = False,
    to_folder: Annotated[
        Path | None,
        typer.Option(
            "--to-folder",
            help="Publish into a folder of repos (DIR/org/name/, e.g. hub/) instead of the Hub.",
        ),
    ] = None,
    half: Annotated[
        bool,
        typer.Option(
            "--half",
            help="Publish float16 weights (half the download; pins and golden probes "
            "recomputed; the folder keeps its float32 weights).",
        ),
    ] = False,
) -> None:
    """Publish a repo folder: create the Hub repo if needed and upload it in one commit.

    The folder must be consistent: every file pinned in config.json present with
    its sha256, no pickles, and a model card (README.md) that declares
    library_name genzoo and lists the same hashes. Uses HF_TOKEN and HF_ENDPOINT.

    Examples:

        genzoo push runs/dcgan-fmnist --repo myorg/dcgan-fashion-mnist --dry-run

        genzoo push runs/dcgan-fmnist --repo myorg/dcgan-fashion-mnist

        genzoo push runs/dcgan-fmnist --repo genzoo/dcgan-fashion-mnist --to-folder hub

        genzoo push runs/resnet18 --repo myorg/resnet18-fashion-mnist --half
    """
    refuse_training_run(folder)
    with ExitStack() as stack:
        if half:
            from genzoo.zoo.precision import half_copy
            from genzoo.zoo.push import check_publishable

            check_publishable(folder, repo)  # refuse a bad folder before any work
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="genzoo-half-"))
            folder = half_copy(folder, Path(scratch), plugins_of(ctx).registry)
        _publish(folder, repo, revision, private, message, dry_run, to_folder)


def _publish(
    folder: Path,
    repo: str,
    revision: str,
    private: bool,
    message: str,
    dry_run: bool,
    to_folder: Path | None,
) -> None:
    from genzoo.zoo.push import check_publishable, push, push_to_folder

    if dry_run:
        files = check_publishable(folder, repo)
        console.print(f"{folder} is consistent; would upload to {repo}@{revision}:")
        for name in files:
            console.print(f"  {name:<28} {human_count((folder / name).stat().st_size)}B")
        return
    if to_folder is not None:
        target = push_to_folder(folder, repo, to_folder)
        console.print(f"published {folder} as {repo} in {target}")
        return
    url = push(folder, repo, revision, private, message)
    console.print(f"pushed {folder} to {repo}@{revision}: {url}")


def register(app: typer.Typer) -> None:
    app.command("pull")(pull_command)
    app.command("verify")(verify_command)
    app.command("push")(push_command)
