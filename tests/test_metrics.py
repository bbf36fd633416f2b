"""Metrics on constructed cases with known answers, the shipped evaluator, and the protocols end to end."""

from __future__ import annotations

import json
import math

import pytest
import torch

from gan_explorer import data, zoo
from gan_explorer.checkpoints import read_metadata
from gan_explorer.metrics import (
    class_histogram,
    classes_covered,
    coverage_probe,
    diversity,
    duplicate_rate,
    evaluate_model,
    evaluate_samples,
    frechet_distance,
    generate,
    inception_score,
    kl_to_uniform,
    load_evaluator,
    mode_coverage_2d,
    nearest_neighbour_distances,
    nearest_neighbours,
    real_reference,
    requested_class_accuracy,
    stacked_mnist_modes,
)
from gan_explorer.metrics.evaluator import checkpoint_stem

# the shipped evaluator's measured held-out accuracy is 0.990 on the offline subset (1,000 images);
# the floor leaves room for a retrain with another seed, not for a worse classifier
ACCURACY_FLOOR = 0.985


# ---------------------------------------------------------------- 2-D mode coverage


def test_samples_on_five_of_eight_ring_modes_capture_five():
    modes = data.RING_MODES
    samples = modes[torch.arange(100) % 5]  # exactly on modes 0…4
    cov = mode_coverage_2d(samples, modes, data.RING_SIGMA)
    assert cov["modes_captured"] == 5 and cov["num_modes"] == 8
    assert cov["high_quality_fraction"] == 1.0
    assert cov["counts"] == [20, 20, 20, 20, 20, 0, 0, 0]


def test_far_samples_are_not_high_quality_and_capture_nothing():
    samples = torch.full((50, 2), 10.0)
    cov = mode_coverage_2d(samples, data.RING_MODES, data.RING_SIGMA)
    assert cov["high_quality_fraction"] == 0.0 and cov["modes_captured"] == 0
    assert sum(cov["nearest_counts"]) == 50  # they still have a nearest mode, shown for the scatter


def test_high_quality_boundary_is_three_sigma():
    sigma = data.GRID_SIGMA
    mode = data.GRID_MODES[7]
    inside = mode + torch.tensor([2.9 * sigma, 0.0])
    outside = mode + torch.tensor([0.0, 3.1 * sigma])
    cov = mode_coverage_2d(torch.stack([inside, outside, torch.tensor([float("nan"), 0.0])]), data.GRID_MODES, sigma)
    assert cov["high_quality_fraction"] == pytest.approx(1 / 3)
    assert cov["modes_captured"] == 1 and cov["counts"][7] == 1


def test_real_grid_draws_cover_all_25_modes():
    cov = mode_coverage_2d(data.load("grid", "test", n=2500).x, data.GRID_MODES, data.GRID_SIGMA)
    assert cov["modes_captured"] == 25
    # a 2-D Gaussian puts 1 − e^(−4.5) ≈ 98.9% of its mass within 3σ
    assert cov["high_quality_fraction"] == pytest.approx(1 - math.exp(-4.5), abs=0.01)


# ---------------------------------------------------------------- class scores


def test_kl_to_uniform_known_values():
    assert kl_to_uniform(torch.full((10,), 0.1)) == pytest.approx(0.0, abs=1e-12)
    single = torch.zeros(10)
    single[3] = 1
    assert kl_to_uniform(single) == pytest.approx(math.log(10))
    assert kl_to_uniform(torch.tensor([5.0, 5.0, 0.0, 0.0])) == pytest.approx(math.log(2))  # counts are normalised


def test_inception_score_known_values():
    one_hot_uniform = torch.eye(10).repeat(30, 1)
    assert inception_score(one_hot_uniform) == pytest.approx(10.0)
    single_class = torch.zeros(50, 10)
    single_class[:, 4] = 1
    assert inception_score(single_class) == pytest.approx(1.0)
    assert inception_score(torch.full((50, 10), 0.1)) == pytest.approx(1.0)  # unsure about everything
    half = torch.eye(10)[torch.arange(100) % 5]  # confident, 5 classes evenly
    assert inception_score(half) == pytest.approx(5.0)


def test_class_histogram_covered_and_requested_accuracy():
    preds = torch.tensor([0] * 50 + [1] * 49 + [2])
    hist = class_histogram(preds, num_classes=10)
    assert hist.sum() == pytest.approx(1.0) and hist[0] == pytest.approx(0.5)
    assert torch.equal(class_histogram(torch.eye(10)[preds]), hist)  # probabilities give the same histogram
    assert classes_covered(hist) == 3  # 1% share needed by default, class 2 has exactly 1%
    assert classes_covered(hist, min_fraction=0.05) == 2
    assert requested_class_accuracy(preds, torch.tensor([0] * 50 + [1] * 50)) == pytest.approx(0.99)


# ---------------------------------------------------------------- Fréchet distance


def test_frechet_distance_zero_for_identical_sets_and_squared_shift_for_means():
    g = torch.Generator().manual_seed(0)
    feats = torch.randn(20_000, 8, generator=g, dtype=torch.float64)
    assert frechet_distance(feats, feats) == pytest.approx(0.0, abs=1e-6)
    shift = torch.tensor([2.0, 1.0] + [0.0] * 6, dtype=torch.float64)  # ‖shift‖² = 5
    other = torch.randn(20_000, 8, generator=g, dtype=torch.float64)
    base = frechet_distance(feats, other)  # sampling noise of two independent draws
    assert base < 0.02
    assert frechet_distance(feats, other + shift) == pytest.approx(5.0 + base, abs=0.1)
    assert frechet_distance(feats, other + 2 * shift) > frechet_distance(feats, other + shift)


def test_frechet_distance_covariance_term_and_rank_deficient_features():
    g = torch.Generator().manual_seed(1)
    a = torch.randn(20_000, 4, generator=g)
    b = 2 * torch.randn(20_000, 4, generator=g)
    # N(0, I) vs N(0, 4I) in d dims: d + 4d − 2·tr(2I) = d
    assert frechet_distance(a, b) == pytest.approx(4.0, rel=0.05)
    dead = torch.cat([a, torch.zeros(20_000, 3)], dim=1)  # dead ReLU units: singular covariance
    value = frechet_distance(dead, dead + 0.5)
    assert math.isfinite(value) and value == pytest.approx(7 * 0.25, abs=1e-3)


# ---------------------------------------------------------------- distances between samples


def test_nearest_neighbours_and_duplicates_on_constructed_tensors():
    reference = torch.eye(3)
    samples = torch.tensor([[0.9, 0.0, 0.0], [0.0, 0.0, 2.0], [0.0, 1.0, 0.0]])
    dist, idx = nearest_neighbours(samples, reference)
    assert idx.tolist() == [0, 2, 1]
    assert dist.tolist() == pytest.approx([0.1, 1.0, 0.0], abs=1e-4)
    assert torch.allclose(nearest_neighbour_distances(samples, reference), dist)

    g = torch.Generator().manual_seed(0)
    distinct = torch.rand(6, 1, 8, 8, generator=g)
    batch = torch.cat([distinct, distinct[:2]])  # two images appear twice: 4 of 8 samples have a twin
    assert duplicate_rate(batch) == pytest.approx(0.5)
    assert duplicate_rate(distinct) == 0.0
    _, self_idx = nearest_neighbours(batch, batch, exclude_self=True)
    assert self_idx[6] == 0 and self_idx[0] == 6  # the twin, not the sample itself


def test_diversity_is_mean_pairwise_distance():
    points = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]])  # pairwise 5, 0, 5
    assert diversity(points) == pytest.approx(10 / 3, abs=1e-4)
    assert diversity(torch.zeros(5, 4)) == pytest.approx(0.0, abs=1e-4)


# ---------------------------------------------------------------- the evaluator


def test_evaluator_held_out_accuracy():
    evaluator = load_evaluator()
    test = data.load("mnist", "test")
    accuracy = float((evaluator.predict(test.x) == test.labels).double().mean())
    assert accuracy >= ACCURACY_FLOOR
    meta = read_metadata(checkpoint_stem())
    if meta["offline_fallback"] == test.offline_fallback:  # same held-out split: the recorded figure must hold
        assert accuracy == pytest.approx(meta["metrics"]["heldout_accuracy"], abs=1e-9)
    probs, feats = evaluator.probabilities_and_features(test.x[:5])
    assert probs.shape == (5, 10) and feats.shape == (5, 128)
    assert torch.allclose(probs.sum(1), torch.ones(5)) and torch.allclose(probs, evaluator.probabilities(test.x[:5]))
    assert load_evaluator() is evaluator  # loaded once, shared
    with pytest.raises(ValueError, match="28×28"):
        evaluator.probabilities(torch.zeros(2, 3, 28, 28))


def test_evaluator_checkpoint_is_small():
    assert checkpoint_stem().with_suffix(".safetensors").stat().st_size < 2_000_000


def test_real_mnist_reference():
    ref = real_reference("mnist")
    assert ref["inception_score"] > 9.0  # published real MNIST ≈ 9.88 under a good classifier
    assert ref["classes_covered"] == 10 and ref["kl_to_uniform"] < 0.01
    assert 0 <= ref["frechet_distance"] < 50 and ref["duplicate_rate"] == 0.0
    json.dumps(ref)


def test_stacked_mnist_modes_constructed_and_real():
    evaluator = load_evaluator()
    test = data.load("mnist", "test")
    right = evaluator.predict(test.x) == test.labels
    digit = {d: test.x[(test.labels == d) & right][0, 0] for d in (1, 2, 3)}
    # channels (1, 2, 3) and (3, 2, 1): two modes, half each; KL to uniform over 1,000 = ln 1000 − ln 2
    one = torch.stack([digit[1], digit[2], digit[3]])
    other = torch.stack([digit[3], digit[2], digit[1]])
    samples = torch.stack([one, other] * 10)
    found = stacked_mnist_modes(samples, evaluator)
    assert found["modes"] == 2 and found["kl"] == pytest.approx(math.log(500))
    real = stacked_mnist_modes(data.load("stacked-mnist", "test", n=1000).x, evaluator)
    # 1,000 uniform draws of 1,000 triples hit 1000·(1 − 1/e) ≈ 632 distinct ones on average
    assert 580 <= real["modes"] <= 680
    # each channel is read on its own: channel 0 of a stack is classified as the digit put there
    assert evaluator.predict(samples[:1, :1]).item() == 1


# ---------------------------------------------------------------- protocols end to end


def test_evaluate_model_on_fresh_dcgan_mnist():
    model = zoo.create("dcgan-mnist").eval()
    result = evaluate_model(model, "dcgan-mnist", n=300, seed=0)
    assert result["protocol"] == "mnist" and result["samples"] == 300
    assert 1.0 <= result["inception_score"] <= 10.0
    assert result["frechet_distance"] > result["real"]["frechet_distance"]  # untrained: far from real digits
    assert len(result["class_histogram"]) == 10 and 0 <= result["kl_to_uniform"] <= math.log(10) + 1e-9
    assert "requested_class_accuracy" not in result
    json.dumps(result)  # plain floats and lists only


def test_evaluate_model_conditional_reports_requested_accuracy_and_matches_sample():
    model = zoo.create("cgan-mnist").eval()
    samples, labels = generate(model, 30, seed=3)
    assert torch.equal(samples, model.sample(30, seed=3)) and labels.tolist() == [i % 10 for i in range(30)]
    result = evaluate_samples(samples, "mnist", labels=labels)
    assert 0.0 <= result["requested_class_accuracy"] <= 1.0


def test_evaluate_model_on_ring_gan_uses_the_2d_protocol():
    result = evaluate_model(zoo.create("ring-gan").eval(), "ring-gan")
    assert result["protocol"] == "modes-2d" and result["samples"] == 2500  # VEEGAN / PacGAN sample count
    assert 0 <= result["modes_captured"] <= 8 and len(result["counts"]) == 8
    assert result["real"]["modes_captured"] == 8
    json.dumps(result)


def test_coverage_probe_returns_flat_floats():
    mnist_probe = coverage_probe("dcgan-mnist", n=200)
    values = mnist_probe(zoo.create("dcgan-mnist"))
    assert set(values) == {"classes_covered", "kl_to_uniform", "inception_score"}
    assert all(isinstance(v, float) for v in values.values())
    ring = coverage_probe("ring-gan")(zoo.create("ring-gan"))
    assert set(ring) == {"modes_captured", "high_quality_fraction"}
    model = zoo.create("ring-gan").train()
    coverage_probe("ring-gan")(model)
    assert model.training  # probing leaves the model as it found it


def test_copying_the_training_set_scores_like_real_data_but_is_caught_as_memorised():
    copies = data.load("mnist", "train", n=1000, seed=0).x  # a random 1,000 of the held-in images
    result = evaluate_samples(copies, "mnist")
    real = result["real"]
    assert result["inception_score"] > 9.0 and result["classes_covered"] == 10
    assert result["frechet_distance"] < 3 * real["frechet_distance"] + 5
    assert result["nearest_train_rms"] == pytest.approx(0.0, abs=1e-3)  # every sample IS a training image
    assert real["nearest_train_rms"] > 0.1  # held-out digits are not
