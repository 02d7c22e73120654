"""`python -m genzoo` runs the CLI (and lets torchrun launch it)."""

from genzoo.cli import main

main()
