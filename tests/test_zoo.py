"""The zoo's own weights: every registered model with a repo under hub/ loads from there,
offline, verified, and behaves (deterministic seeded samples, shapes, ranges, golden probes)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import genzoo
from genzoo.core.interfaces import sampler
from genzoo.plugins import installed
from genzoo.zoo.offline import import_repo
from genzoo.zoo.repo import read_config
from genzoo.zoo.source import registered
from genzoo.zoo.verify import verify_folder

HUB = Path(__file__).resolve().parents[1] / "hub"


def shipped() -> list[str]:
    """Registered models whose repo is committed under hub/."""
    return sorted(
        model.name
        for model in installed().registry.models.values()
        if (HUB / model.repo_id / "config.json").is_file()
    )


def test_published_models_are_shipped_and_unpublished_ones_are_not():
    for model in installed().registry.models.values():
        assert model.published == (model.name in shipped()), model.name


@pytest.mark.parametrize("name", shipped())
def test_a_shipped_model_pulls_offline_verifies_and_samples(name: str):
    registry = installed().registry
    ref = registered(name, registry)
    pulled = import_repo(ref, HUB)
    assert read_config(pulled.snapshot).sha256 == dict(ref.pins)
    checks = verify_folder(pulled.snapshot, registry, ref.pins)
    assert all(check.ok for check in checks), checks
    model = genzoo.load(name, device="cpu")
    if "classifier" in model:
        check_classifier(model.classifier, registry.model(name).dataset)
        return
    if list(model) == ["encoder"]:  # a feature space (simclr): features that vary, seeded
        images = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
        features = model.encoder(images)
        assert features.shape == (8, model.encoder.latent_dim) and features.std(0).mean() > 0
        return
    generator = sampler(model)  # a generator, or a VAE's decoder
    assert generator is not None
    first, again = generator.sample(8, seed=0), generator.sample(8, seed=0)
    assert torch.equal(first, again)
    assert first.shape == (8, *generator.image_shape)
    assert first.min() >= -1 and first.max() <= 1 and first.std() > 0.1  # not a constant image


def test_a_hub_repo_id_loads_the_registered_model_in_any_dtype():
    registry = installed().registry
    import_repo(registered("dcgan-fashion-mnist", registry), HUB)
    by_name = genzoo.load("dcgan-fashion-mnist", roles=["generator"], device="cpu")
    by_id = genzoo.load("genzoo/dcgan-fashion-mnist", roles=["generator"], device="cpu")
    reference = by_name.generator.sample(8, seed=0)
    assert torch.equal(by_id.generator.sample(8, seed=0), reference)
    for dtype in ("bfloat16", torch.float16):
        cast = genzoo.load("dcgan-fashion-mnist", roles=["generator"], device="cpu", dtype=dtype)
        images = cast.generator.sample(8, seed=0)
        assert images.dtype == (torch.bfloat16 if dtype == "bfloat16" else dtype)
        assert (images.float() - reference).abs().mean() < 0.03
    # a model cast after loading samples too (its codes are drawn in float32, then cast)
    assert by_name.generator.to(torch.bfloat16).sample(2, seed=0).dtype == torch.bfloat16


def check_classifier(classifier: torch.nn.Module, dataset: str) -> None:
    """The first 200 real test images are classified as well as the card says, roughly."""
    from genzoo.core import GenzooError
    from genzoo.core.lazy import resolve
    from genzoo.data.images import to_float

    try:
        test = resolve(installed().registry.dataset(dataset).loader)(None, "test")
    except GenzooError as err:
        pytest.skip(f"{dataset} is not on this machine: {err}")
    with torch.inference_mode():
        predicted = classifier(to_float(test.images[:200])).argmax(1)
    assert (predicted == test.labels[:200]).float().mean() >= 0.85


def test_an_old_card_is_restyled_to_the_hubs_spec_with_its_figures_kept():
    from genzoo.zoo.card import card_metadata
    from genzoo.zoo.card_migration import restyle

    old = """---
datasets:
- fashion-mnist
library_name: genzoo
model-index:
- name: m
  results:
  - task:
      type: unconditional-image-generation
    dataset:
      name: fashion-mnist
      type: fashion-mnist
      split: test
    metrics:
    - type: frechet_distance
      value: 4.9
      name: frechet_distance (lenet5 features; 10,000 samples)
---

# m

## Training

- command: `genzoo train m --out /home/someone/runs/m`
- data: fashion-mnist, train split, 60,000 images (/usr/share/datasets/fashion-mnist)
"""
    new = restyle(old, "unconditional-image-generation", "zalando-datasets/fashion_mnist")
    meta = card_metadata(new)
    assert meta["pipeline_tag"] == "unconditional-image-generation"
    assert meta["datasets"] == ["zalando-datasets/fashion_mnist"]
    (metric,) = meta["model-index"][0]["results"][0]["metrics"]
    assert metric == {"type": "frechet_distance", "value": 4.9, "name": "frechet_distance"}
    assert "- command: `genzoo train m --out .../m`" in new
    assert "- data: fashion-mnist, train split, 60,000 images\n" in new
    assert restyle(new, "unconditional-image-generation", "zalando-datasets/fashion_mnist") == new


def test_a_card_names_each_metric_with_its_protocol_and_rounds_it_to_its_interval():
    """The Hub reads each metric's name (what it is, on which features), its protocol in
    `args`, a value no finer than its interval; KID's std is a spread, not an interval;
    a class-conditional generator is tagged so, with no unconditional pipeline tag."""
    from genzoo.core.metric import Metric
    from genzoo.zoo.card import card_metadata, task_of, with_metrics
    from genzoo.zoo.card_migration import restyle

    protocol = "resnet18-mnist features (classifier sha256 2c867a911704); 10,000 samples"
    metrics = [
        Metric("frechet_distance", 8.31723, f"{protocol}; bootstrap", interval=(8.1, 8.645)),
        Metric("kernel_distance", 0.017634, f"{protocol}; MMD", spread=0.00163),
        Metric("frechet_distance_5_steps", 15.7, "resnet18-mnist features; 1,000 samples"),
        Metric("kl", 69.6, "nats per image; KL(q(z|x) || p(z))"),  # '|' in a table cell
    ]
    card = "---\nlibrary_name: genzoo\n---\n\n# m\n\n## Evaluation\n\nNot evaluated yet.\n"
    task = task_of(["generator"], conditional=True)
    text = with_metrics(card, metrics, "mnist", task, [], "ylecun/mnist")
    meta = card_metadata(text)
    assert "pipeline_tag" not in meta
    results = meta["model-index"][0]["results"][0]
    assert results["task"]["type"] == "class-conditional-image-generation"
    fd, kid, steps, kl = results["metrics"]
    assert kl["args"]["protocol"] == "nats per image; KL(q(z|x) || p(z))"
    assert "| kl | 69.6 | test | nats per image; KL(q(z\\|x) \\|\\| p(z)) |" in text
    assert fd["name"] == "Fréchet distance on resnet18-mnist features"
    assert fd["value"] == 8.32 and fd["args"]["protocol"].endswith("; bootstrap")
    assert kid["value"] == 0.0176 and kid["name"].startswith("kernel distance (KID)")
    assert steps["name"] == "Fréchet distance, 5 steps, 1,000 samples on resnet18-mnist features"
    assert "| 8.32 [8.10, 8.64] |" in text
    assert "| 0.0176 ± 0.0016 (std over subsets) |" in text
    again = restyle(text, task, "ylecun/mnist", "gan", conditional=True)
    assert "class-conditional" in card_metadata(again)["tags"]
    assert restyle(again, task, "ylecun/mnist", "gan", conditional=True) == again
    assert "| kl | 69.6 | test | nats per image; KL(q(z\\|x) \\|\\| p(z)) |" in again


def test_the_shipped_cards_are_in_the_current_style():
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "scripts" / "restyle_cards.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
