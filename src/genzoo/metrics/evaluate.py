"""`genzoo evaluate`: a model's metrics on a dataset's test split, with their protocol.

Generators: Fréchet distance, Inception-Score-style score and precision/recall
on the evaluator's features of `samples` generated images vs the test split,
each read beside its floor (the same metric between train and test images);
conditional generators also get the classification accuracy score (how often
the evaluator recognises the asked class). Variational models (VAE, DRAW): the
test-set negative ELBO and its two terms, in nats per image. Autoregressive models
(PixelRNN): the test set's exact negative log-likelihood, in bits per dimension and in
nats per image. Classifiers: test accuracy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import torch
from torch import Tensor, nn

from genzoo.core import GenzooError, Registry
from genzoo.core.interfaces import (
    AutoregressiveGenerator,
    Classifier,
    ELBOTerms,
    Encoder,
    Generator,
    evaluating,
    sampler,
)
from genzoo.core.likelihood import ELBOObjective, bits_per_dim
from genzoo.core.metric import Metric
from genzoo.core.model import ZooModel
from genzoo.core.ranks import Ranks
from genzoo.data.images import ImageData, to_float
from genzoo.metrics.distances import (
    MIN_INTERVAL_SAMPLES,
    frechet_bootstrap,
    frechet_distance,
    inception_score,
    kernel_distance,
    knn_radii,
    neighbourhoods,
)
from genzoo.metrics.references import Embedding, cached_embedding, reference_key
from genzoo.zoo.source import Source

BATCH = 500


@dataclass(frozen=True)
class Evaluator:
    """The feature space the generative metrics compare in, and what names it.

    `features` maps (N, C, H, W) images in [-1, 1] to (N, D) features; `logits`, when the
    evaluator is a classifier of the model's classes, to (N, classes) logits (the
    Inception-style score and the classification accuracy score need them).
    """

    features: Callable[[Tensor], Tensor]
    description: str  # e.g. "resnet18-fashion-mnist features (classifier sha256 1a2b...)"
    device: torch.device
    logits: Callable[[Tensor], Tensor] | None = None
    # the real images' embeddings by (split, count, seed): evaluating several models in one
    # process embeds the test and train subsets once
    references: dict[tuple[str, int, int], Embedding] = field(
        default_factory=dict, compare=False, repr=False
    )
    # the weights' sha256, when known: the real images' embeddings are then kept on disk
    # (`genzoo.metrics.references`) and the next evaluation skips embedding them
    weights_sha256: str = ""

    # the classifier's last layer alone, (N, D) features -> logits: then `embed` runs the
    # network once per image instead of once for the features and again for the logits
    head: Callable[[Tensor], Tensor] | None = None

    @classmethod
    def of_classifier(
        cls, classifier: Classifier, description: str, weights_sha256: str = ""
    ) -> Evaluator:
        device = next(classifier.parameters()).device
        classifier.eval()
        overridden = type(classifier).logits_from_features is not Classifier.logits_from_features
        head = classifier.logits_from_features if overridden else None
        return cls(classifier.features, description, device, classifier, {}, weights_sha256, head)

    def reference(
        self, data: ImageData, split: str, n: int, seed: int, ranks: Ranks | None = None
    ) -> Embedding:
        """The embedding of `n` images of `data` drawn by `seed` (remembered, and kept on
        disk when the evaluator's weights are pinned); `ranks` share the work."""
        key = (split, n, seed)
        if key not in self.references:
            rng = torch.Generator().manual_seed(seed + (split == "train"))
            pick = torch.randperm(len(data), generator=rng)[:n]
            images = data.images[pick]
            embed = partial(self.embed, to_float(images), ranks=ranks)
            if self.weights_sha256:
                digest = reference_key(self.weights_sha256, images, self.device)
                self.references[key] = cached_embedding(digest, n, embed)
            else:
                self.references[key] = embed()
        return self.references[key]

    def embed(self, images: Tensor, *, ranks: Ranks | None = None) -> Embedding:
        """(features, logits or None) of float images in [-1, 1], in batches on the device;
        under torchrun `ranks` embed a share each (the same figures as one process)."""
        if ranks is None or ranks.size == 1:
            return self._embed(images)
        return joined(ranks.split(len(images), BATCH, lambda a, b: self._embed(images[a:b])))

    @torch.inference_mode()
    def _embed(self, images: Tensor) -> Embedding:
        features, logits = [], []
        for start in range(0, len(images), BATCH):
            batch = images[start : start + BATCH].to(self.device)
            found = self.features(batch)
            features.append(found.float().cpu())
            if self.head is not None:
                logits.append(self.head(found).float().cpu())
            elif self.logits is not None:
                logits.append(self.logits(batch).float().cpu())
        return torch.cat(features), torch.cat(logits) if logits else None


def evaluate(
    model: ZooModel,
    train: ImageData,
    test: ImageData,
    evaluator: Evaluator | None,
    samples: int = 10_000,
    seed: int = 0,
    progress: Callable[[str], None] = lambda text: None,
    elbo: ELBOObjective | None = None,
    sampling: Mapping[str, Any] | None = None,
    ranks: Ranks | None = None,
    advance: Callable[[int], None] = lambda count: None,
    independent: Evaluator | None = None,
) -> list[Metric]:
    """The metrics that fit the model's components; `elbo` is the model's variational
    objective (`ELBOTrainer.objective_of`) when it has one; `sampling` holds an iterative
    generator's options (steps, solver, guidance). Under torchrun, `ranks` share the
    generator's sampling and embedding; rank 0 alone computes and returns the metrics
    (the others return none). `advance(count)` is told of each batch of images generated
    and embedded (a progress bar). `independent`, a second feature space (the dataset's
    label-free encoder), embeds the same samples: FD there too, as
    `frechet_distance_label_free`, so that a ranking can be checked in both."""
    ranks = ranks or Ranks()
    metrics: list[Metric] = []
    if "classifier" in model and ranks.main:
        classifier = model["classifier"]
        if not isinstance(classifier, Classifier):
            raise GenzooError(f"{model.name}'s classifier does not implement genzoo.Classifier")
        progress("classifying the test split")
        device = next(classifier.parameters()).device
        logits, _ = Evaluator(classifier.eval(), model.name, device).embed(to_float(test.images))
        accuracy = float((logits.argmax(1) == test.labels).double().mean())
        protocol = f"top-1 on all {len(test):,} test images"
        metrics.append(Metric("accuracy", accuracy, protocol))
    if list(model) == ["encoder"] and ranks.main:  # a feature space of its own (simclr)
        progress(f"classifying the {len(test):,} test images by their neighbours' labels")
        metrics.append(_neighbour_accuracy(model["encoder"], train, test))
    if elbo is not None and ranks.main:
        progress(f"bounding the likelihood of {len(test):,} test images")
        metrics += _elbo_metrics(elbo, test, seed)
    generator = sampler(model)
    if isinstance(generator, AutoregressiveGenerator) and ranks.main:
        progress(f"measuring the likelihood of {len(test):,} test images")
        metrics += _likelihood_metrics(generator, test)
    if generator is not None:
        if evaluator is None:
            raise GenzooError("evaluating a generator needs an evaluator classifier")
        options = generator.check_options(sampling or {})
        metrics += _generator_metrics(
            generator, train, test, evaluator, samples, seed, progress, options, ranks, advance,
            independent,
        )  # fmt: skip
    if not metrics and ranks.main:
        raise GenzooError(f"genzoo evaluate knows no metric for {', '.join(model)} components")
    return metrics


KNN = 20


@torch.inference_mode()
def _neighbour_accuracy(encoder: nn.Module, train: ImageData, test: ImageData) -> Metric:
    """How much of the classes an encoder's features hold, learnt without labels: each test
    image takes the majority label of its KNN nearest train images (cosine similarity of
    the features), the usual yardstick of self-supervised features (Wu et al. 2018)."""
    device = next(encoder.parameters()).device
    was_training = encoder.training
    encoder.eval()

    def embed(data: ImageData) -> Tensor:
        images = to_float(data.images)
        parts = [
            encoder(images[i : i + BATCH].to(device)).float() for i in range(0, len(images), BATCH)
        ]
        return torch.nn.functional.normalize(torch.cat(parts), dim=1)

    known, asked = embed(train), embed(test)
    labels = train.labels.to(device)
    classes = int(max(int(train.labels.max()), int(test.labels.max())) + 1)
    right = 0
    for start in range(0, len(asked), BATCH):
        nearest = (asked[start : start + BATCH] @ known.T).topk(KNN, dim=1).indices
        votes = torch.nn.functional.one_hot(labels[nearest], classes).sum(1)
        right += int((votes.argmax(1).cpu() == test.labels[start : start + BATCH]).sum())
    encoder.train(was_training)
    protocol = (
        f"top-1 of a {KNN}-nearest-neighbour vote among all {len(train):,} train images "
        f"(cosine similarity of the encoder's outputs), on all {len(test):,} test images; "
        "no labels in training"
    )
    return Metric("knn_accuracy", right / len(asked), protocol)


@torch.inference_mode()
def _elbo_metrics(objective: ELBOObjective, test: ImageData, seed: int) -> list[Metric]:
    device = next(objective.parameters()).device
    rng = torch.Generator(device).manual_seed(seed)
    objective.eval()
    totals = torch.zeros(2, dtype=torch.float64)
    for start in range(0, len(test), BATCH):
        terms: ELBOTerms = objective(to_float(test.images[start : start + BATCH]).to(device), rng)
        totals += torch.stack([terms.reconstruction.sum(), terms.kl.sum()]).double().cpu()
    reconstruction, kl = (totals / len(test)).tolist()
    where = (
        f"nats per image on all {len(test):,} test images, one posterior draw each (seed "
        f"{seed}); Bernoulli likelihood of intensities (x+1)/2; beta 1"
    )
    return [
        Metric("negative_elbo", reconstruction + kl, f"{where}; lower is better"),
        Metric("reconstruction_nll", reconstruction, f"{where}; -E_q log p(x|z)"),
        Metric("kl", kl, f"{where}; KL(q(z|x) || p(z))"),
    ]


@torch.inference_mode()
def _likelihood_metrics(generator: AutoregressiveGenerator, test: ImageData) -> list[Metric]:
    device = next(generator.parameters()).device
    with evaluating(generator):
        nats = sum(
            float(generator.negative_log_likelihood(to_float(batch).to(device)).double().sum())
            for batch in test.images.split(BATCH)
        ) / len(test)
    where = f"on all {len(test):,} test images, exact; 256 grey levels per pixel"
    return [
        Metric(
            "bits_per_dim",
            float(bits_per_dim(torch.tensor(nats), generator.image_shape)),
            f"{where}; -log2 p(x) per pixel; lower is better",
        ),
        Metric("negative_log_likelihood", nats, f"nats per image {where}; -log p(x)"),
    ]


@torch.inference_mode()
def reconstructions(
    objective: ELBOObjective, test: ImageData, n: int = 32, columns: int = 8
) -> Tensor:
    """The first `n` test images, each row of `columns` above a row of their reconstructions
    (from the posterior means), for a grid `columns` wide."""
    device = next(objective.parameters()).device
    images = to_float(test.images[:n]).to(device)
    rebuilt = objective.eval().reconstruct(images)
    rows = []
    for start in range(0, n, columns):
        rows += [images[start : start + columns], rebuilt[start : start + columns]]
    return torch.cat(rows).float().cpu()


def _generator_metrics(
    generator: Generator,
    train: ImageData,
    test: ImageData,
    evaluator: Evaluator,
    samples: int,
    seed: int,
    progress: Callable[[str], None],
    options: Mapping[str, Any],
    ranks: Ranks,
    advance: Callable[[int], None] = lambda count: None,
    independent: Evaluator | None = None,
) -> list[Metric]:
    n = min(samples, len(test))
    progress(f"embedding {n:,} test and {n:,} train images")
    real, _ = evaluator.reference(test, "test", n, seed, ranks)
    floor, floor_logits = evaluator.reference(train, "train", n, seed, ranks)
    spaces = [evaluator] if independent is None else [evaluator, independent]
    if independent is not None:
        other_real, _ = independent.reference(test, "test", n, seed, ranks)
        other_floor, _ = independent.reference(train, "train", n, seed, ranks)
    where_made = f" in {ranks.size} processes" if ranks.size > 1 else ""
    progress(f"generating and embedding {samples:,} images (seed {seed}){where_made}")
    labels = None
    if generator.num_classes:
        labels = torch.arange(samples) % generator.num_classes  # balanced classes

    def made(start: int, stop: int) -> list[Embedding]:  # batches of BATCH from a multiple of it
        batches = generator.sample_batches(
            samples, labels, seed, batch_size=BATCH, part=(start, stop), **options
        )
        embedded: list[list[Embedding]] = [[] for _ in spaces]
        for images in batches:  # embedded as made: a batch of images in memory at a time
            for space, found in zip(spaces, embedded, strict=True):
                found.append(space.embed(images.cpu()))
            advance(len(images))
        return [joined(found) for found in embedded]

    parts = ranks.split(samples, BATCH, made)
    fake, fake_logits = joined([part[0] for part in parts])
    if not ranks.main:
        return []
    sampler = "".join(
        f", {key} {value}" for key, value in {**generator.sampling_options, **options}.items()
    )
    where = (
        f"{evaluator.description}; {samples:,} samples{sampler}, seed {seed}, vs {n:,} test images"
    )
    fd_floor = frechet_distance(floor, real)
    fd, fd_interval, fd_protocol = _frechet(fake, real)
    label_free = []
    if independent is not None:
        other, _ = joined([part[1] for part in parts])
        value, interval, protocol = _frechet(other, other_real)
        other_where = where.replace(evaluator.description, independent.description, 1)
        floor_value = frechet_distance(other_floor, other_real)
        label_free = [
            Metric(
                "frechet_distance_label_free",
                value,
                f"{other_where}; {protocol}; floor (train vs test) {floor_value:.3g}",
                interval=interval,
            )
        ]
    kid, kid_spread = kernel_distance(fake, real)
    kid_floor, _ = kernel_distance(floor, real)
    radii = knn_radii(real, (3, 5))  # the real neighbourhoods, once for both sets
    precision, recall, density, coverage = neighbourhoods(real, fake, 3, 5, radii)
    floor_precision, floor_recall, floor_density, floor_coverage = neighbourhoods(
        real, floor, 3, 5, radii
    )
    metrics = [
        Metric(
            "frechet_distance",
            fd,
            f"{where}; {fd_protocol}; floor (train vs test) {fd_floor:.3g}",
            interval=fd_interval,
        ),
        *label_free,
        Metric(
            "kernel_distance",
            kid,
            f"{where}; unbiased MMD^2, cubic kernel, mean ± std over 100 subsets of 1,000; "
            f"floor {kid_floor:.3g}",
            spread=kid_spread,
        ),
        Metric("precision", precision, f"{where}; k=3; floor {floor_precision:.3f}"),
        Metric("recall", recall, f"{where}; k=3; floor {floor_recall:.3f}"),
        Metric("density", density, f"{where}; k=5; floor {floor_density:.3f}"),
        Metric("coverage", coverage, f"{where}; k=5; floor {floor_coverage:.3f}"),
    ]
    if fake_logits is not None and floor_logits is not None:
        score, spread = inception_score(fake_logits)
        floor_score, _ = inception_score(floor_logits)
        metrics.append(
            Metric(
                "inception_score",
                score,
                f"{where}; ±{spread:.2f} over 10 splits; train images {floor_score:.3g}",
            )
        )
    if labels is not None and fake_logits is not None:
        accuracy = float((fake_logits.argmax(1) == labels).double().mean())
        metrics.append(
            Metric(
                "classification_accuracy_score",
                accuracy,
                f"{where}; the evaluator's top-1 on the asked class",
            )
        )
    return metrics


def joined(parts: list[Embedding]) -> Embedding:
    """The embeddings of consecutive parts of a set of images, as one."""
    features = torch.cat([features for features, _ in parts])
    logits = [logits for _, logits in parts if logits is not None]
    return features, torch.cat(logits) if len(logits) == len(parts) else None


def _frechet(fake: Tensor, real: Tensor) -> tuple[float, tuple[float, float] | None, str]:
    """FD, its 95% interval at this sample count (none below `MIN_INTERVAL_SAMPLES`) and
    the protocol's words for both, with the bias-corrected estimate beside them."""
    if min(len(fake), len(real)) < MIN_INTERVAL_SAMPLES:
        words = f"no interval below {MIN_INTERVAL_SAMPLES:,} samples per set"
        return frechet_distance(fake, real), None, words
    bootstrap = frechet_bootstrap(fake, real)
    unbiased, (low, high) = bootstrap.unbiased()
    words = (
        f"95% interval at this sample count (normal, 100 bootstrap resamples); "
        f"bias-corrected for infinite samples {unbiased:.3g} [{low:.3g}, {high:.3g}]"
    )
    return bootstrap.estimate, bootstrap.interval(), words


def load_evaluator(source: Source, registry: Registry, device: str | None = None) -> Evaluator:
    """The feature space a located model gives: a classifier's penultimate features (and
    its logits, for the Inception-style score and CAS), or an encoder's features (a
    self-supervised one such as `simclr`; no logits), described by the weights' sha256."""
    from genzoo.zoo.load import load

    model = load(source, registry, roles=_feature_role, device=device)
    role = next(iter(model))
    digest = model.sha256.get(role, "")  # the pin its weights were verified against
    description = f"{source.name} features ({role} sha256 {digest[:12]})"
    if role == "classifier":
        classifier = model["classifier"]
        if not isinstance(classifier, Classifier):
            raise GenzooError(f"{source.name}'s classifier does not implement genzoo.Classifier")
        return Evaluator.of_classifier(classifier, description, digest)
    encoder = model["encoder"].eval()
    if not isinstance(encoder, Encoder):
        raise GenzooError(f"{source.name}'s encoder does not implement genzoo.Encoder")
    device_of = next(encoder.parameters()).device

    def features(images: Tensor) -> Tensor:
        found = encoder(images)
        if not isinstance(found, Tensor) or found.dim() != 2:
            raise GenzooError(f"{source.name}'s encoder gives no (N, D) features")
        return found

    return Evaluator(features, description, device_of, None, {}, digest)


def _feature_role(available: Sequence[str]) -> list[str]:
    for role in ("classifier", "encoder"):
        if role in available:
            return [role]
    raise GenzooError(
        f"an evaluator needs a classifier or an encoder; this one has {', '.join(available)}"
    )
