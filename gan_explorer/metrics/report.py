"""Evaluate a generative model by the protocol that fits its data, always beside real data.

    >>> from gan_explorer import zoo
    >>> from gan_explorer.metrics import evaluate_model
    >>> evaluate_model(zoo.load("dcgan-mnist"), "dcgan-mnist")["inception_score"]

Protocols (see "How quality is measured" in DESIGN.md):
- ``mnist``: classifier Inception Score, Fréchet distance in the evaluator's feature space to
  the held-out images, class histogram, KL to uniform, classes covered, requested-class
  accuracy for conditional models; 10,000 samples.
- ``ring`` / ``grid``: VEEGAN / PacGAN mode coverage; 2,500 samples.
- ``stacked-mnist``: distinct digit triples and KL to uniform over 1,000; 26,000 samples.
- anything else: diversity, duplicates and nearest-neighbour distance to the training set.
MNIST and generic data also get the memorisation check (nearest training row, duplicate rate).
Every result carries ``real``: the same figures for held-out real data (``real_reference``).
"""

from __future__ import annotations

import copy
import functools
import threading
import time
from collections.abc import Callable

import torch

from gan_explorer import data, zoo
from gan_explorer.metrics import scores
from gan_explorer.metrics.evaluator import load_evaluator
from gan_explorer.metrics.modes import mode_coverage_2d, stacked_mnist_modes

# the sample counts of the published protocols; published tables are only comparable at these
PROTOCOL_SAMPLES = {"mnist": 10_000, "ring": 2_500, "grid": 2_500, "stacked-mnist": 26_000}
DEFAULT_SAMPLES = 10_000
GENERATE_BATCH = 1000  # latents per forward pass of G: bounds memory whatever n is
# caps on the O(N·M) memorisation checks, so they stay at a second or two on a CPU
MEMORISATION_SAMPLES = 10_000
MEMORISATION_REFERENCE = 10_000
# 2-D points have no "copy of a training example"; Stacked MNIST triples are 3× the cost and say little more
MEMORISATION_PROTOCOLS = ("mnist", "generic")
PROBE_SAMPLES = 1000


def protocol_of(dataset: str) -> str:
    if dataset in ("mnist", "stacked-mnist"):
        return dataset
    if data.mode_centres(dataset) is not None:
        return "modes-2d"
    return "generic"


def generate(
    model, n: int, seed: int = 0, labels: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """n samples in the natural range, batched; identical to ``model.sample(n, labels=..., seed=seed)``.

    Conditional models get labels 0, 1, …, K−1, 0, … unless given; returns (samples, labels)."""
    if model.num_classes and labels is None:
        labels = torch.arange(n) % model.num_classes
    z = model.sample_latent(n, generator=torch.Generator().manual_seed(int(seed)), device="cpu")
    out = []
    for i in range(0, n, GENERATE_BATCH):
        batch_labels = None if labels is None else labels[i : i + GENERATE_BATCH]
        out.append(model.generate(z[i : i + GENERATE_BATCH], batch_labels))
    return torch.cat(out), labels


def evaluate_model(model, entry_name: str, n: int | None = None, seed: int = 0, *,
                   dataset: str | None = None) -> dict:
    """Generate samples from ``model`` and score them by its data's protocol (plain floats and lists).

    ``n`` defaults to the protocol's published sample count (PROTOCOL_SAMPLES); ``dataset``
    overrides the zoo entry's (for models that are not in the zoo, e.g. Stacked MNIST)."""
    dataset = dataset or zoo.entry(entry_name).dataset
    n = n or PROTOCOL_SAMPLES.get(dataset, DEFAULT_SAMPLES)
    start = time.perf_counter()
    samples, labels = generate(model, n, seed)
    generate_s = time.perf_counter() - start
    result = evaluate_samples(samples, dataset, labels=labels)
    result.update(entry=entry_name, seed=seed, generate_seconds=round(generate_s, 3),
                  seconds=round(time.perf_counter() - start, 3))
    return result


def evaluate_samples(samples: torch.Tensor, dataset: str, *, labels: torch.Tensor | None = None) -> dict:
    """Score samples already drawn (e.g. the ones a UI shows): ``labels`` are the classes a
    conditional model was asked for. Returns the protocol's figures and ``real`` beside them."""
    start = time.perf_counter()
    protocol = protocol_of(dataset)
    result: dict = {"dataset": dataset, "protocol": protocol, "samples": len(samples)}
    if protocol == "mnist":
        result.update(_mnist_scores(samples, labels))
    elif protocol == "modes-2d":
        modes, sigma = data.mode_centres(dataset)
        result.update(mode_coverage_2d(samples, modes, sigma))
    elif protocol == "stacked-mnist":
        result.update(stacked_mnist_modes(samples, load_evaluator(samples.device)))
    if protocol in MEMORISATION_PROTOCOLS:
        result.update(_memorisation(samples, dataset))
    result["real"] = real_reference(dataset)
    result["score_seconds"] = round(time.perf_counter() - start, 3)
    return result


def _mnist_scores(samples: torch.Tensor, labels: torch.Tensor | None) -> dict:
    evaluator = load_evaluator(samples.device)
    probs, feats = evaluator.probabilities_and_features(samples)
    hist = scores.class_histogram(probs)
    out = {
        "inception_score": scores.inception_score(probs),
        # always against the held-out images; real_reference holds held-in vs held-out for scale
        "frechet_distance": scores.frechet_distance(feats, _heldout_features()),
        "class_histogram": hist.tolist(),
        "kl_to_uniform": scores.kl_to_uniform(hist),
        "classes_covered": scores.classes_covered(hist),
    }
    if labels is not None:
        out["requested_class_accuracy"] = scores.requested_class_accuracy(probs, labels)
    return out


def _memorisation(samples: torch.Tensor, dataset: str) -> dict:
    x = samples[:MEMORISATION_SAMPLES].cpu()
    scale = scores.rms_scale(x)
    nn = scores.nearest_neighbour_distances(x, _training_reference(dataset)) / scale
    return {
        "nearest_train_rms": float(nn.mean()),  # mean over samples of the RMS gap to the closest training row
        "duplicate_rate": scores.duplicate_rate(x),
        "diversity_rms": scores.diversity(x) / scale,
    }


# ---------------------------------------------------------------- real data, cached per process

_LOCK = threading.RLock()  # one caller computes a reference while others wait for it, not beside it


def _locked_cache(fn: Callable) -> Callable:
    cached = functools.lru_cache(maxsize=None)(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _LOCK:
            return cached(*args, **kwargs)

    wrapper.cache_clear = cached.cache_clear
    return wrapper


@_locked_cache
def _real(dataset: str, split: str) -> torch.Tensor:
    source = data.load(dataset, split)
    x = getattr(source, "x", None)
    if x is None:  # a lazily read HDF5 set: a fixed random draw stands in for all of it
        x, _ = source.sample(min(len(source), MEMORISATION_REFERENCE), torch.Generator().manual_seed(0))
    return x.cpu()


@_locked_cache
def _source(dataset: str) -> str:
    return data.load(dataset, "test").source


@_locked_cache
def _training_reference(dataset: str) -> torch.Tensor:
    x = _real(dataset, "train")
    if len(x) > MEMORISATION_REFERENCE:  # full MNIST: 10,000 of 60,000 keeps the check at seconds
        x = x[torch.randperm(len(x), generator=torch.Generator().manual_seed(0))[:MEMORISATION_REFERENCE]]
    return x


@_locked_cache
def _heldout_features() -> torch.Tensor:
    return load_evaluator().features(_real("mnist", "test"))


def real_reference(dataset: str) -> dict:
    """The protocol's figures for real data, so every generated figure has a yardstick.

    mnist: the held-out images' IS, class histogram, KL, classes covered, and the real-vs-real
    Fréchet distance (held-in vs held-out features). 2-D: coverage of 2,500 held-out draws.
    Stacked MNIST: modes and KL of 26,000 triples of held-out digits. MNIST and generic data
    also get the held-out rows' nearest-training-row gap and duplicate rate.
    Computed once per process (seconds; Stacked MNIST ≈ 10 s) and copied out, so callers may edit it."""
    return copy.deepcopy(_real_reference(dataset))


@_locked_cache
def _real_reference(dataset: str) -> dict:
    protocol = protocol_of(dataset)
    held_out = _real(dataset, "test")
    out: dict = {"dataset": dataset, "protocol": protocol, "source": _source(dataset)}
    if protocol == "mnist":
        evaluator = load_evaluator()
        probs = evaluator.probabilities(held_out)
        hist = scores.class_histogram(probs)
        out.update(
            inception_score=scores.inception_score(probs),
            frechet_distance=scores.frechet_distance(evaluator.features(_real("mnist", "train")), _heldout_features()),
            class_histogram=hist.tolist(),
            kl_to_uniform=scores.kl_to_uniform(hist),
            classes_covered=scores.classes_covered(hist),
            heldout_images=len(held_out),
        )
    elif protocol == "modes-2d":
        modes, sigma = data.mode_centres(dataset)
        out.update(mode_coverage_2d(held_out[: PROTOCOL_SAMPLES[dataset]], modes, sigma))
    elif protocol == "stacked-mnist":
        triples = data.load(dataset, "test", n=PROTOCOL_SAMPLES[dataset]).x
        out.update(stacked_mnist_modes(triples, load_evaluator()))
    if protocol in MEMORISATION_PROTOCOLS:
        out.update(_memorisation(held_out, dataset))
    return out


# ---------------------------------------------------------------- coverage over training time


def coverage_probe(entry_name: str, n: int | None = None, seed: int = 0, *,
                   dataset: str | None = None) -> Callable[[torch.nn.Module], dict[str, float]]:
    """A cheap check the trainer can call every N steps: ``probe(model) -> {name: float}``.

    The same latents (fixed ``seed``) are drawn at every call, as with a fixed noise batch,
    so changes over time come from the model alone. Flat floats only, ready for a history:
    mnist → classes_covered, kl_to_uniform, inception_score (+ requested_class_accuracy);
    ring/grid → modes_captured, high_quality_fraction; stacked-mnist → modes, kl;
    other data → diversity_rms. About 0.1–0.3 s on a CPU at the default n."""
    dataset = dataset or zoo.entry(entry_name).dataset
    protocol = protocol_of(dataset)
    n = n or (PROTOCOL_SAMPLES[dataset] if protocol == "modes-2d" else PROBE_SAMPLES)

    def probe(model: torch.nn.Module) -> dict[str, float]:
        samples, labels = generate(model, n, seed)
        if protocol == "mnist":
            probs = load_evaluator(samples.device).probabilities(samples)
            hist = scores.class_histogram(probs)
            out = {"classes_covered": float(scores.classes_covered(hist)), "kl_to_uniform": scores.kl_to_uniform(hist),
                   "inception_score": scores.inception_score(probs)}
            if labels is not None:
                out["requested_class_accuracy"] = scores.requested_class_accuracy(probs, labels)
            return out
        if protocol == "modes-2d":
            modes, sigma = data.mode_centres(dataset)
            cov = mode_coverage_2d(samples, modes, sigma)
            return {"modes_captured": float(cov["modes_captured"]),
                    "high_quality_fraction": cov["high_quality_fraction"]}
        if protocol == "stacked-mnist":
            found = stacked_mnist_modes(samples, load_evaluator(samples.device))
            return {"modes": float(found["modes"]), "kl": found["kl"]}
        return {"diversity_rms": scores.diversity(samples) / scores.rms_scale(samples)}

    return probe
