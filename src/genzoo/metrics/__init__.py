"""genzoo.metrics: how good a model is, measured on features of the zoo's own classifier.

Inception weights cannot be downloaded on these machines, so the generative
metrics use the 128-d penultimate features and the logits of a genzoo
classifier (by default `lenet5-fashion-mnist`); every card names the evaluator
and its weights' sha256, the sample count and the seed.
"""

from genzoo.metrics.distances import (
    frechet_distance,
    inception_score,
    precision_recall,
)

__all__ = ["frechet_distance", "inception_score", "precision_recall"]
