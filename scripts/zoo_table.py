"""The README's one-screen summary of the zoo, generated from the model cards in hub/.

    python scripts/zoo_table.py            # print the table
    python scripts/zoo_table.py --write    # put it into README.md between its markers

A figure is written once, in the card of the model it measures; `tests/test_docs.py`
fails when the README's table is not what this script makes from the cards.
"""

from __future__ import annotations

import argparse
import sys

from cards import ROOT, summary

START, END = "<!-- zoo table: scripts/zoo_table.py -->", "<!-- end of zoo table -->"


def rows() -> list[str]:
    return summary()


def table() -> str:
    return "\n".join([START, *rows(), END])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="update README.md in place")
    args = parser.parse_args()
    if not args.write:
        print(table())
        return
    readme = ROOT / "README.md"
    text = readme.read_text()
    if START not in text or END not in text:
        sys.exit(f"README.md has no {START} ... {END} markers")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    readme.write_text(before + table() + after)


if __name__ == "__main__":
    main()
