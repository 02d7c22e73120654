"""The model card (README.md of a Hub repo): Hub YAML metadata plus what a user must know.

The metadata is huggingface_hub's `ModelCardData` (library_name genzoo, the
pipeline_tag the Hub files the model under, licence, the dataset's Hub id, tags,
`EvalResult` metrics with short names), so the Hub indexes it like any other
library's; each metric's protocol is in the body's Evaluation table. The body is
plain Markdown written here: what the model is, how it was trained, what it scored
and how that was measured, and the sha256 of every weights file, which `check_repo`
compares with config.json before a push.
"""

from __future__ import annotations

import html
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genzoo.core import BadInputError
from genzoo.core.deprecation import moved
from genzoo.core.metric import Metric

if TYPE_CHECKING:
    from huggingface_hub import EvalResult


@dataclass(frozen=True)
class CardInfo:
    """What a card says beyond config.json. Everything is optional but the honest defaults."""

    description: str = ""
    dataset: str = ""  # genzoo's name, e.g. fashion-mnist
    dataset_id: str = ""  # the dataset's Hub id, e.g. zalando-datasets/fashion_mnist
    license: str = "mit"  # the weights'
    data_license: str = ""  # the training data's, when known
    paper: str = ""
    family: str = ""
    parameters: int | None = None
    task: str = ""  # the Hub's pipeline tag; by default from the roles (see `task_of`)
    conditional: bool = False  # a class-conditional generator: no unconditional tag
    metrics: Sequence[Metric] = ()
    training: Mapping[str, str] = field(default_factory=dict)  # command, seed, data, hardware, time
    # `genzoo evaluate` of the run's checkpoints while it trained, oldest first: each
    # {"step", "epochs", "samples", "seed", "metrics": {name: value}, "intervals": {...}}
    progress: Sequence[Mapping[str, Any]] = ()
    intended_use: str = "Research and teaching: sampling, evaluation baselines, plugin examples."
    limitations: str = "Small images at low resolution; not suited to any decision about people."
    tags: Sequence[str] = ()
    # the Hub repo of the model this one was trained from (--init-from, a distillation's
    # teacher): the Hub's `base_model`, which links the two
    base_model: str = ""


#: The task a class-conditional generator's results are filed under; the Hub has no
#: pipeline tag for it, so such a card has none rather than a wrong one.
CONDITIONAL_TASK = "class-conditional-image-generation"


def task_of(roles: Sequence[str], conditional: bool = False) -> str:
    """The Hub pipeline tag of a repo with these components ('' for a class-conditional
    generator: "unconditional-image-generation" would file it wrongly)."""
    if "classifier" in roles:
        return "image-classification"
    if list(roles) == ["encoder"]:  # a feature space (simclr)
        return "image-feature-extraction"
    return "" if conditional else "unconditional-image-generation"


def render_card(
    name: str,
    architecture: str,
    sha256: Mapping[str, str],
    info: CardInfo,
    samples: bool,
    install: str = "genzoo",
) -> str:
    """The full README.md text: YAML front matter, then the Markdown body. `install` is
    what `pip install` needs: genzoo, and the distribution of the architecture's plugin."""
    from huggingface_hub import ModelCardData

    roles = sorted(sha256)
    task = info.task or task_of(roles, info.conditional)
    dataset = info.dataset_id or info.dataset
    results = eval_results(info.metrics, dataset, task or CONDITIONAL_TASK, info.dataset)
    conditional = ["class-conditional"] if info.conditional else []
    data = ModelCardData(
        library_name="genzoo",
        pipeline_tag=task or None,
        license=info.license or None,
        datasets=[dataset] if dataset else None,
        tags=unique_tags(["genzoo", architecture, info.family, *conditional, *info.tags]),
        model_name=name,
        eval_results=results or None,
        base_model=info.base_model or None,
    )
    body = [f"# {name}", "", info.description or f"A genzoo `{architecture}` model.", ""]
    if samples:
        body += ["![samples](samples.png)", ""]
    body += ["## Use", "", "```bash", f"pip install {install}"]
    body += [f"genzoo pull {name}   # or hf-hub:<org>/<repo> when no plugin registers {name}"]
    if samples:
        body += [f"genzoo sample {name} -n 64 --seed 0 -o grid.png"]
    body += ["```", "", "```python", "import genzoo", f'model = genzoo.load("{name}")']
    body += [f"# components: {', '.join(roles)}", "```", ""]
    body += ["## Model", "", f"- architecture: `{architecture}`"]
    if info.parameters is not None:
        body.append(f"- parameters: {info.parameters:,}")
    if info.paper:
        body.append(f"- paper: {info.paper}")
    body += [f"- licence: {_licences(info)}", ""]
    body += _section("Training", [f"- {key}: {value}" for key, value in info.training.items()])
    body += _section("While it trained", _progress_rows(info.progress))
    body += _section("Evaluation", metric_rows(info.metrics))
    body += _section("Intended use", [info.intended_use])
    body += _section("Limitations", [info.limitations])
    files = ["| file | sha256 |", "| --- | --- |"]
    files += [f"| {role}.safetensors | `{digest}` |" for role, digest in sorted(sha256.items())]
    body += _section("Files", files)
    return f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(body)


def _progress_rows(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """FD (and bits/dim, for a likelihood model) against steps, as the run was evaluated."""
    if not rows:
        return []
    likelihood = all("bits_per_dim" in row["metrics"] for row in rows)
    measured = {(row.get("features", ""), row.get("dataset", "")) for row in rows}
    on = ""
    if len(measured) == 1:
        features, dataset = next(iter(measured))
        on = f", on {_cell(features)}" if features else ""
        on += f", against {_cell(dataset)}'s test split" if dataset else ""
    columns = ["step", "epochs", "samples, seed", "FD [95% CI]"]
    columns += [] if len(measured) == 1 else ["measured on"]
    columns += ["bits/dim"] if likelihood else []
    lines = [
        "`genzoo evaluate` of the run's checkpoints as it trained, each with the weights it "
        f"would have published then{on}. FD depends on the sample count: compare rows with "
        "rows.",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + " --- |" * len(columns),
    ]
    for row in rows:
        interval = row.get("intervals", {}).get("frechet_distance")
        value = row["metrics"]["frechet_distance"]
        fd = Metric("frechet_distance", value, "", interval=tuple(interval) if interval else None)
        how = "".join(f", {key} {option}" for key, option in row.get("sampling", {}).items())
        how = _cell(how)
        cells = [f"{row['step']:,}", f"{row['epochs']:.1f}"]
        cells += [f"{row['samples']:,}, {row['seed']}{how}", fd.shown()]
        if len(measured) > 1:
            cells.append(_cell(f"{row.get('features', '')}, {row.get('dataset', '')}"))
        if likelihood:
            cells.append(f"{row['metrics']['bits_per_dim']:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def for_repo(text: str, name: str, repo_id: str) -> str:
    """A card's text as published to `repo_id`: its Use section names that repo
    (`hf-hub:org/name`), not the model name it was trained under, which would send readers
    to the zoo's weights; unchanged when `repo_id` is the zoo's own repo of that name."""
    if not name or repo_id == f"genzoo/{name}":
        return text
    hub = f"hf-hub:{repo_id}"
    section = section_of(text, "Use")
    if not section:
        return text
    updated = re.sub(rf"^genzoo pull {re.escape(name)}\b.*$", f"genzoo pull {hub}", section,
                     flags=re.MULTILINE)  # fmt: skip
    updated = updated.replace(f"genzoo sample {name} ", f"genzoo sample {hub} ")
    updated = updated.replace(f'genzoo.load("{name}")', f'genzoo.load("{hub}")')
    return text.replace(section, updated)


def portable(command: str) -> str:
    """A command as a card may show it: a path under the working folder relative, any other
    absolute path as .../its-name. A published card must not carry one machine's layout."""
    here = Path.cwd()

    def shown(word: str) -> str:
        option, equals, value = word.partition("=") if word.startswith("--") else ("", "", word)
        if not value.startswith(os.sep):
            return word
        path = Path(value)
        short = str(path.relative_to(here)) if path.is_relative_to(here) else f".../{path.name}"
        return f"{option}{equals}{short}"

    try:
        words = shlex.split(command)
    except ValueError:  # unbalanced quotes: shown as typed
        return command
    return shlex.join(shown(word) for word in words)


def card_metrics(text: str) -> list[Metric]:
    """The metrics a card records (its Evaluation table at its metadata's precision, with
    intervals): where every other place that shows a shipped model's figures reads them."""
    from huggingface_hub import ModelCard, ModelCardData

    card = ModelCard(text, ignore_metadata_errors=True)
    data = card.data
    results = (data.eval_results or []) if isinstance(data, ModelCardData) else []
    return table_metrics(card.text, results)


TABLE_ROW = re.compile(r"^\| (\w+) \| ([^|]+) \| (\w+) \| (.*) \|$", re.M)
_SHOWN = re.compile(r"^(-?[\d.e+-]+)(?: \[(-?[\d.e+-]+), (-?[\d.e+-]+)\]| ± ([\d.e+-]+).*)?$")


def table_metrics(body: str, results: Sequence[EvalResult]) -> list[Metric]:
    """The metrics of a card's Evaluation table, at the metadata's full precision."""
    exact = {r.metric_type: float(r.metric_value) for r in results}
    section = section_of(body, "Evaluation")
    metrics = []
    for name, shown, split, protocol in TABLE_ROW.findall(section):
        found = _SHOWN.match(shown.strip())
        if name == "metric" or found is None:
            continue
        value = exact.get(name, float(found.group(1)))
        interval = spread = None
        if found.group(2) is not None:
            low, high = float(found.group(2)), float(found.group(3))
            if name == "kernel_distance":  # an older card showed KID's std as an interval
                spread = (high - low) / 2
            else:
                interval = (low, high)
        elif found.group(4) is not None:
            spread = float(found.group(4))
        protocol = html.unescape(protocol.strip().replace("\\|", "|"))  # as `_cell` escaped it
        metrics.append(Metric(name, value, protocol, split, interval, spread))
    return metrics


def _licences(info: CardInfo) -> str:
    """The weights' licence, genzoo's, and the data's: a user must know all three."""
    text = f"{info.license or 'unspecified'} (these weights); genzoo's code: MIT"
    if info.data_license:
        text += f"; the data, {info.dataset or 'unnamed'}: {info.data_license}"
    return text


def with_metrics(
    text: str,
    metrics: Sequence[Metric],
    dataset: str,
    task: str,
    figures: Sequence[str] = (),
    dataset_id: str = "",
) -> str:
    """The card `text` with its Hub eval results and its Evaluation section replaced;
    `figures` are image files of the repo shown in that section."""
    from huggingface_hub import ModelCard, ModelCardData

    card = ModelCard(text, ignore_metadata_errors=True)
    data = card.data
    assert isinstance(data, ModelCardData)
    filed = task or CONDITIONAL_TASK
    data.eval_results = eval_results(metrics, dataset_id or dataset, filed, dataset) or None
    data.pipeline_tag = (data.pipeline_tag or task) if task else None
    if dataset_id:
        data.datasets = [dataset_id]
    data.model_name = data.model_name or "model"  # the Hub requires it beside eval results
    shown = [f"![{Path(name).stem}]({name})" for name in figures]
    section = "## Evaluation\n\n" + "\n".join([*metric_rows(metrics), "", *shown]).strip() + "\n\n"
    body = re.sub(r"## Evaluation\n.*?(?=^## |\Z)", section, card.text, flags=re.S | re.M)
    card.text = body if "## Evaluation" in card.text else card.text + "\n" + section
    return str(card)


def eval_results(
    metrics: Sequence[Metric], dataset_id: str, task: str, dataset: str = ""
) -> list[EvalResult]:
    """The Hub's model-index entries: each metric's type, a name that says what it is (and
    on which features), its value as far as its uncertainty supports, and its protocol in
    `args`."""
    from huggingface_hub import EvalResult

    return [
        EvalResult(
            task_type=task,
            dataset_type=dataset_id or "unknown",
            dataset_name=dataset or dataset_id or "unknown",
            dataset_split=metric.split,
            metric_type=metric.name,
            metric_value=metric.rounded,
            metric_name=_display_name(metric),
            metric_args={"protocol": metric.protocol},
        )
        for metric in metrics
    ]


_NAMES = {
    "frechet_distance": "Fréchet distance",
    "frechet_distance_label_free": "Fréchet distance",  # its protocol names the features
    "kernel_distance": "kernel distance (KID)",
    "inception_score": "Inception-style score",
    "precision": "precision",
    "recall": "recall",
    "density": "density",
    "coverage": "coverage",
    "classification_accuracy_score": "classification accuracy score",
    "accuracy": "accuracy",
    "knn_accuracy": "k-nearest-neighbour accuracy",
}
_STEPS = re.compile(r"^(\w+?)_(\d+)_steps$")


def _display_name(metric: Metric) -> str:
    """'Fréchet distance on resnet18-mnist features', 'Fréchet distance, 5 steps, 1,000
    samples, on ...': the name says what was measured and where."""
    base, steps = metric.name, ""
    if found := _STEPS.match(metric.name):
        base, steps = found.group(1), f", {found.group(2)} steps"
    samples = re.search(r"([\d,]+) samples", metric.protocol)
    if steps and samples:
        steps += f", {samples.group(1)} samples"
    features = re.match(r"^(\S+) features\b", metric.protocol)  # a name, or a folder's path
    where = f" on {Path(features.group(1)).name} features" if features else ""
    return f"{_NAMES.get(base, base.replace('_', ' '))}{steps}{where}"


def metric_rows(metrics: Sequence[Metric]) -> list[str]:
    if not metrics:
        return ["Not evaluated yet."]
    rows = ["| metric | value | split | protocol |", "| --- | --- | --- | --- |"]
    return rows + [f"| {m.name} | {m.shown()} | {m.split} | {_cell(m.protocol)} |" for m in metrics]


def _cell(text: str) -> str:
    """`text` fit for one Markdown table cell: a '|' in an evaluator's folder name, say,
    would otherwise start a new column, and a line break end the row; and HTML, which the
    Hub renders inside Markdown, is shown as text (a run's records are anyone's input)."""
    escaped = html.escape(text, quote=False)
    return escaped.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def card_metadata(text: str) -> dict[str, object]:
    """The YAML metadata of a card text ({} when it has none).

    It is parsed as safe YAML (no `!!python/object` tags); anything else is a one-line error.
    """
    import yaml
    from huggingface_hub import ModelCard

    try:
        return ModelCard(text, ignore_metadata_errors=True).data.to_dict()
    except yaml.YAMLError as err:
        problem = str(getattr(err, "problem", None) or type(err).__name__)
        raise BadInputError(f"the model card's metadata is not plain YAML: {problem}") from None
    except RecursionError:  # YAML nested deeper than Python's stack: 100 KB of '[' does it
        raise BadInputError("the model card's metadata is nested too deeply to read") from None


def carried_over(loaded: str, fresh: str) -> str:
    """`fresh` (a card just rendered for a saved model: its files, hashes and install
    line) keeping what the card it was loaded with said about it: the datasets, the
    evaluation results (model-index), licence and tags, and its Training and Evaluation
    sections. What `save_pretrained` writes for a model `genzoo.load` returned."""
    from huggingface_hub import ModelCard

    old = ModelCard(loaded, ignore_metadata_errors=True)
    new = ModelCard(fresh, ignore_metadata_errors=True)
    for key in ("datasets", "eval_results", "license", "pipeline_tag"):
        value = getattr(old.data, key, None)
        if value:
            setattr(new.data, key, value)
    tags = [*(getattr(new.data, "tags", None) or []), *(getattr(old.data, "tags", None) or [])]
    new.data.tags = unique_tags(tags)  # type: ignore[attr-defined]
    body = new.text
    for title in ("Training", "Evaluation"):
        kept = section_of(old.text, title)
        if kept:
            present = section_of(body, title)
            body = body.replace(present, kept) if present else _before_files(body, kept)
    new.text = body
    return str(new)


def section_of(body: str, title: str) -> str:
    """The text of `## title` up to the next `## ` heading ('' when absent)."""
    start = body.find(f"## {title}\n")
    if start < 0:
        return ""
    end = body.find("\n## ", start + 1)
    return body[start : end + 1 if end >= 0 else len(body)]


def _before_files(body: str, section: str) -> str:
    at = body.find("## Intended use\n")
    return body[:at] + section + "\n" + body[at:] if at >= 0 else body + "\n" + section


def _section(title: str, lines: Sequence[str]) -> list[str]:
    return [f"## {title}", "", *lines, ""] if lines else []


def unique_tags(tags: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(tag for tag in tags if tag))


# Moved in 0.2.0 (removed in 0.3.0): restyle, for older cards, lives in genzoo.zoo.card_migration.
__getattr__ = moved(__name__, {"restyle": "genzoo.zoo.card_migration"})
