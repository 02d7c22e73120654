"""genzoo.cli: the typer application behind the `genzoo` command."""

from genzoo.cli.app import main, make_app

__all__ = ["main", "make_app"]
