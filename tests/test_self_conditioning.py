"""Self-conditioning: k-means clusters of the training images as the labels of an unconditional GAN."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_explorer import data, webexport, zoo
from gan_explorer.checkpoints import load_checkpoint
from gan_explorer.config import ModelConfig, TrainConfig
from gan_explorer.data.clusters import kmeans, nearest_centre
from gan_explorer.models import build_model
from gan_explorer.training.trainer import Trainer

SMALL = dict(base_channels=8, clusters=6)


def test_kmeans_finds_separated_blobs_and_numbers_them_along_their_spread():
    g = torch.Generator().manual_seed(0)
    means = torch.tensor([[0.0, 0.0], [10.0, 1.0], [20.0, -1.0], [30.0, 0.5]])
    sizes = [50, 80, 30, 60]
    x = torch.cat([m + 0.3 * torch.randn(n, 2, generator=g) for m, n in zip(means, sizes)])
    truth = torch.cat([torch.full((n,), i) for i, n in enumerate(sizes)])
    centres, assignments = kmeans(x, 4, seed=3)
    # numbered along the principal direction: here left to right, or right to left
    order = assignments if centres[0, 0] < centres[-1, 0] else 3 - assignments
    assert torch.equal(order, truth)
    assert torch.allclose(centres[order.unique()].sort(0).values, means.sort(0).values, atol=0.2)
    assert torch.equal(nearest_centre(x, centres), assignments)
    assert torch.equal(kmeans(x, 4, seed=3)[1], assignments)  # seeded
    with pytest.raises(ValueError, match="k-means needs"):
        kmeans(x, 1)


def test_the_first_latent_value_picks_each_cluster_as_often_as_its_share():
    model = zoo.create("dcgan-mnist-clusters", **SMALL)
    shares = torch.tensor([1.0, 2, 3, 4, 5, 25])
    model.set_clusters(torch.rand(6, 784), shares)
    z = model.sample_latent(60000, generator=torch.Generator().manual_seed(0), device="cpu")
    picked = torch.bincount(model.latent_clusters(z), minlength=6).float() / len(z)
    assert torch.allclose(picked, shares / shares.sum(), atol=0.005)
    # one image per latent, and the picture changes where z[0] crosses into the next cluster
    bounds = model.cluster_bounds()
    near = torch.zeros(3, 64)
    near[:, 0] = float(bounds[2]) + torch.tensor([-3e-4, -1e-4, 1e-4])
    assert model.latent_clusters(near).tolist() == [2, 2, 3]
    images = model.generate(near)
    within, across = (images[1] - images[0]).abs().max(), (images[2] - images[1]).abs().max()
    assert images.shape == (3, 1, 28, 28) and across > 100 * within


def test_a_model_is_conditional_or_self_conditioned_not_both():
    with pytest.raises(ValueError, match="clusters"):
        zoo.create("dcgan-mnist-clusters", num_classes=10)
    with pytest.raises(ValueError, match="clusters"):
        zoo.create("dcgan-mnist-clusters", clusters=1)
    with pytest.raises(ValueError, match="VAE"):
        build_model(ModelConfig(family="vae", clusters=4))
    model = zoo.create("dcgan-mnist-clusters", **SMALL)
    assert model.num_classes == 0 and model.config.label_classes == 6  # unconditional to its users


def _trainer(model=None, seed: int = 0) -> Trainer:
    cfg = TrainConfig(loss="hinge", batch_size=16, ema_decay=0.9, augment="translation", seed=seed)
    return Trainer(model or zoo.create("dcgan-mnist-clusters", **SMALL), cfg, data.load("mnist", "train"),
                   entry="dcgan-mnist-clusters", dataset="mnist")


def test_training_fits_the_clusters_labels_the_digits_and_checkpoints_them(tmp_path):
    torch.manual_seed(0)
    trainer = _trainer()
    model, digits = trainer.model, data.load("mnist", "train")
    assert model.clusters_fitted
    labels = trainer.source.labels
    assert labels.shape == (len(digits),) and labels.max() == 5 and trainer.source.num_classes == 6
    shares = torch.bincount(labels, minlength=6).float() / len(labels)
    assert torch.allclose(model.cluster_shares, shares) and shares.min() > 0.05  # digits, not stragglers
    # the clusters are label-free, yet each gathers mostly one or two digits: far from the 10% of chance
    purity = sum(torch.bincount(digits.labels[labels == k], minlength=10).max() for k in range(6)) / len(labels)
    assert purity > 0.35
    assert trainer.sampling_model.cluster_centres is model.cluster_centres  # the EMA view shares them
    for _ in range(3):
        metrics = trainer.step()
    assert all(np.isfinite(v) for v in metrics.values())
    trainer.save(tmp_path / "run")

    shipped = zoo.create("dcgan-mnist-clusters", **SMALL)
    load_checkpoint(tmp_path / "run", shipped)
    assert torch.equal(shipped.cluster_shares, model.cluster_shares)
    z = torch.randn(8, 64, generator=torch.Generator().manual_seed(2))
    assert torch.equal(shipped.generate(z), trainer.sampling_model.generate(z))

    # a run resumed (here with another seed, which would fit other clusters) keeps the saved ones
    resumed = _trainer(seed=5)
    resumed.resume(tmp_path / "run")
    assert torch.equal(resumed.model.cluster_centres, model.cluster_centres)
    assert torch.equal(resumed.source.labels, labels)
    # a model that already holds clusters (fine-tuning a checkpoint) is not refitted
    refit = _trainer(shipped, seed=5)
    assert torch.equal(refit.model.cluster_centres, model.cluster_centres)


def test_the_browser_export_picks_the_same_cluster_as_torch():
    torch.manual_seed(0)
    model = zoo.create("dcgan-mnist-clusters", **SMALL).eval()
    model.set_clusters(torch.rand(6, 784), torch.tensor([5.0, 1, 1, 2, 8, 3]))
    spec, weights = webexport.export_generator(model)
    assert len(spec["cluster_bounds"]) == 5
    z = torch.randn(48, 64, generator=torch.Generator().manual_seed(1))
    z[:, 0] = torch.linspace(-2.5, 2.5, 48)  # every cluster
    assert set(model.latent_clusters(z).tolist()) == set(range(6))
    expected = model.generate(z).numpy().transpose(0, 2, 3, 1)
    got = np.stack([webexport.run_reference(spec, weights, z[i].numpy()) for i in range(len(z))])
    assert np.abs(got - expected).max() < 1e-5
