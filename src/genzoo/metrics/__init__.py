"""genzoo.metrics: how good a model is, measured on features of a classifier.

Inception weights cannot be downloaded on these machines, so the generative
metrics use the penultimate features and the logits of a genzoo classifier
(`genzoo evaluate --evaluator`); every card names the evaluator and its weights'
sha256, the sample count, the seed and the sampler's settings.
"""

from genzoo.metrics.distances import (
    FrechetBootstrap,
    density_coverage,
    frechet_bootstrap,
    frechet_distance,
    frechet_interval,
    inception_score,
    kernel_distance,
    precision_recall,
)

__all__ = [
    "FrechetBootstrap",
    "density_coverage",
    "frechet_bootstrap",
    "frechet_distance",
    "frechet_interval",
    "inception_score",
    "kernel_distance",
    "precision_recall",
]
