"""Registry entries as data: each built-in plugin's `published.py` holds a table of the
models it publishes (DEFAULTS, the values its rows share, and MODELS, one row per model),
and this builds them.

A row is names, pins, recipes and figures, no logic: one shape for every model, easy to
diff and to check (tests/test_docs.py compares each row's figures with its card, where
they are measured). Third-party plugins may register `PretrainedModel`s any way they
like; this is how genzoo's own do it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from genzoo.core.entries import PretrainedModel


def published_models(
    defaults: Mapping[str, Any],
    models: Mapping[str, Mapping[str, Any]],
    base_config: Mapping[str, Any] | None = None,
) -> list[PretrainedModel]:
    """One `PretrainedModel` per row of `models`, in order: the row's fields over
    `defaults`, its config over the default config over `base_config` (the architecture's
    own, so that a plugin writes it once), its repo genzoo/<name> unless the row names
    another."""
    built = []
    for name, row in models.items():
        fields = {**defaults, **row}
        config = {**(base_config or {}), **defaults.get("config", {}), **row.get("config", {})}
        fields["config"] = config
        fields.setdefault("repo_id", f"genzoo/{name}")
        built.append(PretrainedModel(name=name, **fields))
    return built
