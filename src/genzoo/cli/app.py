"""The root of the `genzoo` CLI: loads plugins, adds the command groups, makes errors one line."""

from __future__ import annotations

import errno
import importlib
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from genzoo.cli.output import command_stdout, errors, warn_plugin_failures
from genzoo.core import GenzooError, UnknownNameError
from genzoo.core.version import __version__
from genzoo.plugins import Plugins, installed
from genzoo.zoo.cache import check_endpoint

# Each built-in command group is a module of genzoo.cli with `register(app)`; the commands
# each adds, so that a run imports only the group it runs (`make_app(only=...)`).
COMMAND_GROUPS = {
    "list": ("list",),
    "info": ("info",),
    "hub": ("pull", "verify", "push"),
    "cache": ("cache",),
    "sample": ("sample", "interpolate"),
    "datasets": ("datasets",),
    "train": ("train",),
    "evaluate": ("evaluate",),
    "plugins": ("plugins",),
    "doctor": ("doctor",),
    "new_plugin": ("new-plugin",),
}

_REPORTS = ("plugins", "doctor")

DEBUG_ENV = "GENZOO_DEBUG"

# What the machine, not genzoo, refused: a full disk, a read-only or forbidden folder. One
# line naming the file; any other OSError is a bug and keeps its traceback.
_MACHINE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


class _OneLineErrors(TyperGroup):
    """Prints a GenzooError as one line and exits with its code (2: bad input, 1: failure).

    GENZOO_DEBUG=1 lets the traceback through instead.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            check_endpoint()
            return super().invoke(ctx)
        except GenzooError as err:
            if os.environ.get(DEBUG_ENV) == "1":
                raise
            errors.print(f"error: {err}", style="red", markup=False, soft_wrap=True)
            if isinstance(err, UnknownNameError) and isinstance(ctx.obj, Plugins):
                # the name may be one a broken plugin would have registered
                warn_plugin_failures(ctx.obj, slow=False)
            raise typer.Exit(err.exit_code) from None
        except OSError as err:
            if err.errno not in _MACHINE_ERRNOS or os.environ.get(DEBUG_ENV) == "1":
                raise
            where = f": {err.filename}" if err.filename else ""
            errors.print(f"error: {err.strerror}{where}", style="red", markup=False, soft_wrap=True)
            raise typer.Exit(1) from None


def make_app(plugins: Plugins, only: str | None = None) -> typer.Typer:
    """The CLI with the built-in commands and those the loaded plugins add.

    With `only` naming one of them, the app imports and keeps that command's group alone:
    typer turns every command's signature into click parameters up front, ~50 ms for all
    of them, a sixth of a cached `genzoo pull`, and each group's module has imports of its
    own. An unknown `only` (a plugin's command, a typo) keeps them all, for typer's error.
    """
    app = typer.Typer(
        cls=_OneLineErrors,
        name="genzoo",
        help="A zoo of pretrained generative models for PyTorch: list, inspect and extend it.",
        invoke_without_command=True,
        add_completion=True,  # genzoo --install-completion: bash, zsh, fish, PowerShell
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def root(
        ctx: typer.Context,
        version: Annotated[
            bool,
            typer.Option("--version", help="Print the genzoo version and exit.", is_eager=True),
        ] = False,
    ) -> None:
        if version:
            typer.echo(f"genzoo {__version__}")
            raise typer.Exit()
        ctx.obj = plugins
        if ctx.invoked_subcommand is None:
            typer.echo(ctx.get_help())

    # `plugins` and `doctor` report what plugin commands did against the built-in ones
    owner = [g for g, names in COMMAND_GROUPS.items() if only in names and g not in _REPORTS]
    for group in owner or COMMAND_GROUPS:  # a plugin's command or none: all, for typer
        importlib.import_module(f"genzoo.cli.{group}").register(app)
    if not owner:
        plugins.register_commands(app)
    if only is not None:
        _keep_only(app, only)
    return app


def _keep_only(app: typer.Typer, name: str) -> None:
    from typer.main import get_command_name  # how typer names a command from its function

    commands = [
        info
        for info in app.registered_commands
        if (info.name or get_command_name(info.callback.__name__ if info.callback else "")) == name
    ]
    groups = [info for info in app.registered_groups if info.name == name]
    if commands or groups:  # an unnamed group is never matched: all are kept, still correct
        app.registered_commands, app.registered_groups = commands, groups


def invoked_command(args: list[str]) -> str | None:
    """The command `args` run (`pull` in `pull NAME --from hub`); None when a root option
    (--help, --version) or no command comes first."""
    if not args or args[0].startswith("-"):
        return None
    return args[0]


def main() -> None:
    """The `genzoo` console script: plugin code never reaches the command's stdout."""
    with command_stdout():
        make_app(installed(), only=invoked_command(sys.argv[1:]))()
