"""MkDocs hooks (mkdocs.yml): the pages made from the repository rather than written.

- The zoo (`zoo/`): an overview, a page per dataset and a page per shipped model, made from
  the model cards in hub/genzoo/ with their sample grids, so that a figure is written once.
- The CLI reference (`cli-reference.md`): every command and option, made from the typer
  app itself, so it cannot drift from `genzoo --help`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mkdocs.structure.files import File, Files

from cards import Card, cards

ZOO = "zoo"


def on_config(config: Any) -> Any:
    """The zoo's pages in the navigation: the overview, then each dataset's models."""
    by_dataset: dict[str, list[dict[str, str]]] = {}
    for card in cards():
        by_dataset.setdefault(card.dataset, []).append({card.name: f"{ZOO}/{card.name}.md"})
    section = [{"Overview": f"{ZOO}/index.md"}] + [
        {dataset: [{"All models": f"{ZOO}/{dataset}.md"}, *models]}
        for dataset, models in by_dataset.items()
    ]
    for index, entry in enumerate(config["nav"]):
        if isinstance(entry, dict) and "The zoo" in entry:
            config["nav"][index] = {"The zoo": section}
    return config


def on_files(files: Files, config: Any) -> Files:
    def page(path: str, content: str) -> None:
        files.append(File.generated(config, path, content=content))

    shipped = cards()
    page(f"{ZOO}/index.md", overview(shipped))
    for dataset in sorted({card.dataset for card in shipped}):
        page(
            f"{ZOO}/{dataset}.md",
            dataset_page(dataset, [c for c in shipped if c.dataset == dataset]),
        )
    for card in shipped:
        page(f"{ZOO}/{card.name}.md", model_page(card))
        for image in card.images():
            files.append(
                File.generated(config, f"{ZOO}/{card.name}/{image.name}", abs_src_path=str(image))
            )
    page("cli-reference.md", cli_reference())
    return files


def _thumbnail(card: Card, width: int) -> str:
    """The model's sample grid, small (a page of zoo/ links it beside the page)."""
    if not (card.folder / "samples.png").is_file():
        return ""
    return f'![{card.name} samples]({card.name}/samples.png){{ width="{width}" }}'


def _rows(shipped: list[Card], link: str) -> list[str]:
    lines = [
        "| | model | what it is | FD, classifier [95% CI] | FD, label-free [95% CI] | other |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for card in shipped:
        lines.append(
            f"| {_thumbnail(card, 72)} | [{card.name}]({link.format(name=card.name)}) | "
            f"{card.description.replace('|', '/')} | "
            f"{card.shown('frechet_distance')} | {card.shown('frechet_distance_label_free')} | "
            f"{card.others()} |"
        )
    return lines


def overview(shipped: list[Card]) -> str:
    datasets = sorted({card.dataset for card in shipped})
    parts = [
        "# The zoo",
        "",
        "Every model genzoo ships, trained here by the project's own recipes. Each figure "
        "comes from the model's card, with the protocol that produced it; FD is the Fréchet "
        "distance of 10,000 samples to the test split in two feature spaces, the dataset's "
        "classifier and a self-supervised encoder ([evaluation](../evaluation.md)). Lower "
        "is better; a difference counts only beyond both intervals. Pull and sample any of "
        "them:",
        "",
        "```bash",
        "genzoo pull NAME",
        "genzoo sample NAME -n 64 --seed 0 -o grid.png",
        "```",
        "",
    ]
    for dataset in datasets:
        parts += [f"## [{dataset}]({dataset}.md)", ""]
        parts += _rows([card for card in shipped if card.dataset == dataset], "{name}.md")
        parts.append("")
    return "\n".join(parts)


def dataset_page(dataset: str, shipped: list[Card]) -> str:
    from genzoo.plugins import installed

    entry = installed().registry.datasets.get(dataset)
    about = []
    if entry is not None:
        about = [
            entry.description,
            "",
            f"- licence: {entry.license or 'unknown'}",
            f"- evaluator (classifier features): `{entry.evaluator or '-'}`",
            f"- label-free evaluator: `{entry.label_free_evaluator or '-'}`",
            f"- get it: `genzoo datasets get {dataset}`",
            "",
        ]
    return "\n".join([f"# {dataset}", "", *about, *_rows(shipped, "{name}.md"), ""])


def model_page(card: Card) -> str:
    """The card itself: the same text a Hub user reads, its images beside it."""
    body = card.body
    for image in card.images():
        body = body.replace(f"]({image.name})", f"]({card.name}/{image.name})")
    return body


def cli_reference() -> str:
    import typer

    from genzoo.cli.app import make_app
    from genzoo.plugins import installed

    root = typer.main.get_command(make_app(installed()))
    parts = [
        "# CLI reference",
        "",
        "Every command and option, made from the CLI itself when this site was built: "
        "`genzoo COMMAND --help` prints the same. Commands that plugins add are not listed.",
        "",
    ]

    # typer carries its own copy of click: the commands are read by what they have
    def walk(command: Any, path: list[str]) -> None:
        ctx = command.context_class(command, info_name=" ".join(path))
        if path[1:]:
            parts.extend(_command_section(command, ctx, path))
        if hasattr(command, "list_commands"):
            for name in sorted(command.list_commands(ctx)):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    walk(sub, [*path, name])

    walk(root, ["genzoo"])
    return "\n".join(parts)


def _command_section(command: Any, ctx: Any, path: list[str]) -> list[str]:
    level = "#" * min(len(path), 4)
    usage = " ".join(command.collect_usage_pieces(ctx))
    lines = [f"{level} `{' '.join(path)}`", "", "```text", f"{' '.join(path)} {usage}", "```", ""]
    lines += [_help_markdown(command.help or ""), ""]
    rows = []
    for param in command.params:
        if getattr(param, "hidden", False):
            continue
        if param.param_type_name == "argument":
            names = f"`{param.human_readable_name}`"
        else:
            names = ", ".join(f"`{opt}`" for opt in [*param.opts, *param.secondary_opts])
        default = param.default if param.show_default or isinstance(param.default, bool) else None
        help_text = " ".join((getattr(param, "help", None) or "").split())
        shown = "" if default in (None, "", ()) or callable(default) else f"`{default}`"
        rows.append(f"| {names} | {help_text.replace('|', '/')} | {shown} |")
    if rows:
        lines += ["| argument or option | meaning | default |", "| --- | --- | --- |", *rows, ""]
    return lines


def _help_markdown(text: str) -> str:
    """A command's docstring as markdown: its indented examples become a code block."""
    out: list[str] = []
    block: list[str] = []
    for line in text.replace("\b\n", "").splitlines():
        if line.startswith("    ") or (block and not line.strip()):
            block.append(line[4:])
            continue
        if block:
            out += ["```bash", *_trim(block), "```"]
            block = []
        out.append(line)
    if block:
        out += ["```bash", *_trim(block), "```"]
    return "\n".join(out)


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines.pop()
    return lines
