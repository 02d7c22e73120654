"""The shipped models' cards (hub/genzoo/<name>/README.md), read once for everything that
shows their figures: the README's zoo table (scripts/zoo_table.py) and the documentation
site's zoo pages (scripts/site_hooks.py). A figure is written once, in the card of the
model it measures.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "hub" / "genzoo"

#: Figures shown beside the FDs, and how a table names them.
OTHER_METRICS = (
    ("accuracy", "accuracy"),
    ("knn_accuracy", "k-NN accuracy, no labels"),
    ("bits_per_dim", "bits/dim"),
    ("classification_accuracy_score", "CAS"),
    ("negative_elbo", "-ELBO (nats)"),
)


@dataclass(frozen=True)
class Card:
    folder: Path

    @property
    def name(self) -> str:
        return self.folder.name

    @cached_property
    def text(self) -> str:
        return (self.folder / "README.md").read_text()

    @cached_property
    def metadata(self) -> dict[str, object]:
        from genzoo.zoo.card import card_metadata

        return card_metadata(self.text)

    @cached_property
    def metrics(self) -> dict[str, object]:
        from genzoo.zoo.card import card_metrics

        return {m.name: m for m in card_metrics(self.text)}

    @property
    def dataset(self) -> str:
        datasets = self.metadata.get("datasets") or [""]
        return str(datasets[0]).split("/")[-1].replace("_", "-")  # type: ignore[index]

    @property
    def family(self) -> str:
        tags = [str(t) for t in self.metadata.get("tags") or []]  # type: ignore[union-attr]
        return tags[-1] if len(tags) > 2 else ""

    @property
    def pipeline(self) -> str:
        return str(self.metadata.get("pipeline_tag") or "")

    @property
    def body(self) -> str:
        """The card's text below its metadata."""
        text = self.text
        if text.startswith("---\n"):
            text = text.split("\n---\n", 1)[1]
        return text.lstrip("\n")

    @property
    def description(self) -> str:
        """The card's first paragraph below its title: what the model is (the registry's
        description, `genzoo info` shows the same; tests/test_docs.py keeps them equal)."""
        paragraphs = [part.strip() for part in self.body.split("\n\n")]
        return paragraphs[1] if len(paragraphs) > 1 else ""

    def shown(self, metric: str) -> str:
        found = self.metrics.get(metric)
        return found.shown() if found is not None else ""  # type: ignore[attr-defined]

    def others(self) -> str:
        return ", ".join(
            f"{label} {self.shown(name)}" for name, label in OTHER_METRICS if name in self.metrics
        )

    def images(self) -> list[Path]:
        return sorted(self.folder.glob("*.png")) + sorted(self.folder.glob("*.gif"))


def cards() -> list[Card]:
    """Every shipped card, by dataset, then name."""
    found = [Card(folder) for folder in HUB.iterdir() if (folder / "README.md").is_file()]
    return sorted(found, key=lambda card: (card.dataset, card.name))


def summary(link: str = "hub/genzoo/{name}/README.md") -> list[str]:
    """One row per shipped model: its FD in each feature space (with its interval) and its
    other figures; `link` makes a row's link from the model's name."""
    lines = [
        "| model | dataset | FD, classifier [95% CI] | FD, label-free [95% CI] | other |",
        "| --- | --- | --- | --- | --- |",
    ]
    import genzoo

    registry = genzoo.registry()
    for card in cards():
        label_free = card.shown("frechet_distance_label_free")
        if card.shown("frechet_distance") and not label_free:  # a generator: say why
            entry = registry.datasets.get(card.dataset)
            has_space = entry is not None and entry.label_free_evaluator
            label_free = "not measured" if has_space else f"no {card.dataset} space yet"
        lines.append(
            f"| [`{card.name}`]({link.format(name=card.name)}) | {card.dataset} | "
            f"{card.shown('frechet_distance')} | {label_free} | {card.others()} |"
        )
    return lines
