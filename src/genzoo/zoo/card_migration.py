"""Cards written by an earlier genzoo brought to the current spec, their figures unchanged
(scripts/restyle_cards.py runs it over hub/). What a card looks like now is `zoo.card`'s;
this module knows what older cards looked like.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from genzoo.core.metric import Metric
from genzoo.zoo.card import (
    CONDITIONAL_TASK,
    TABLE_ROW,
    eval_results,
    metric_rows,
    portable,
    section_of,
    table_metrics,
    task_of,
    unique_tags,
)


def restyle(
    text: str, task: str, dataset_id: str = "", family: str = "", conditional: bool = False
) -> str:
    """A card written by an earlier genzoo brought to the current spec, figures unchanged:
    the pipeline tag (none for a class-conditional generator, which is tagged so), the
    family tag, the dataset's Hub id, metric names that say what each is, each metric's
    protocol in its args, values rounded to what their intervals support, KID's spread
    labelled a spread, no machine paths."""
    from huggingface_hub import ModelCard, ModelCardData

    card = ModelCard(text, ignore_metadata_errors=True)
    data = card.data
    assert isinstance(data, ModelCardData)
    roles = {"image-classification": ["classifier"], "image-feature-extraction": ["encoder"]}
    task = task_of(roles.get(task, []), conditional)
    data.pipeline_tag = task or None
    if dataset_id:
        data.datasets = [dataset_id]
    tags = [*(data.tags or []), family, *(["class-conditional"] if conditional else [])]
    data.tags = unique_tags(tags)
    metrics = table_metrics(card.text, data.eval_results or [])
    if metrics:
        first = (data.eval_results or [])[:1]
        shown = first[0].dataset_name if first else ""
        hub_id = dataset_id or (first[0].dataset_type if first else "")
        data.eval_results = eval_results(metrics, hub_id, task or CONDITIONAL_TASK, shown or "")
        card.text = _with_table(card.text, metrics)
    for result in [] if metrics else data.eval_results or []:  # no table to read protocols from
        result.metric_name = result.metric_type
        result.dataset_type = dataset_id or result.dataset_type
    card.text = _MACHINE_LINES.sub(_portable_line, card.text)
    return str(card)


def _with_table(body: str, metrics: Sequence[Metric]) -> str:
    table = section_of(body, "Evaluation")
    rows = [line for line in table.splitlines() if TABLE_ROW.match(line)]
    if not rows:
        return body
    start, end = table.index(rows[0]), table.index(rows[-1]) + len(rows[-1])
    return body.replace(table, table[:start] + "\n".join(metric_rows(metrics)) + table[end:])


# a training section's command and data lines, as cards of 0.1 wrote them
_MACHINE_LINES = re.compile(r"^- (command|data): (.*)$", re.M)


def _portable_line(match: re.Match[str]) -> str:
    key, value = match.groups()
    if key == "data":  # "fashion-mnist, train split, 60,000 images (/usr/share/...)"
        return f"- data: {re.sub(r' [(]/[^)]*[)]$', '', value)}"
    commands = re.sub(r"`([^`]*)`", lambda m: f"`{portable(m.group(1))}`", value)
    return f"- command: {commands}"
