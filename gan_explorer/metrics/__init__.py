"""Sample-quality metrics: the MNIST evaluator classifier, IS / Fréchet-style scores, mode coverage.

Nothing here imports the UI; the Mode-collapse tab and the benchmarks call these functions.
"""

from __future__ import annotations

from gan_explorer.metrics.evaluator import Evaluator, LeNet, load_evaluator
from gan_explorer.metrics.modes import mode_coverage_2d, stacked_mnist_modes
from gan_explorer.metrics.report import (
    PROTOCOL_SAMPLES,
    coverage_probe,
    evaluate_model,
    evaluate_samples,
    generate,
    real_reference,
)
from gan_explorer.metrics.scores import (
    class_histogram,
    classes_covered,
    diversity,
    duplicate_rate,
    frechet_distance,
    inception_score,
    kl_to_uniform,
    nearest_neighbour_distances,
    nearest_neighbours,
    requested_class_accuracy,
)

__all__ = [
    "PROTOCOL_SAMPLES", "Evaluator", "LeNet", "class_histogram", "classes_covered", "coverage_probe", "diversity",
    "duplicate_rate", "evaluate_model", "evaluate_samples", "frechet_distance", "generate", "inception_score",
    "kl_to_uniform", "load_evaluator", "mode_coverage_2d", "nearest_neighbour_distances", "nearest_neighbours",
    "real_reference", "requested_class_accuracy", "stacked_mnist_modes",
]
