"""A GAN: a generator and a discriminator built from one ModelConfig.

A self-conditioned GAN (``config.clusters``) also holds its clusters as buffers, so a checkpoint
carries them: the centres (to label real images) and each cluster's share of the training data
(how often the first latent coordinate picks it).
"""

from __future__ import annotations

import math

import torch

from gan_explorer.config import ModelConfig
from gan_explorer.models.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_explorer.models.generative import GenerativeModel
from gan_explorer.models.mlp import MLPDiscriminator, MLPGenerator

_NETWORKS = {
    "mlp": (MLPGenerator, MLPDiscriminator),
    "dcgan": (DCGANGenerator, DCGANDiscriminator),
}


class GAN(GenerativeModel):
    def __init__(self, config: ModelConfig):
        super().__init__()
        if config.family not in _NETWORKS:
            raise ValueError(f"unknown GAN family {config.family!r}; choose one of {sorted(_NETWORKS)}")
        if config.pack < 1:
            raise ValueError(f"pack {config.pack}: packing needs pack ≥ 1")
        if config.clusters and (config.num_classes or config.clusters < 2):
            raise ValueError("clusters: a self-conditioned GAN needs ≥ 2 clusters and no num_classes "
                             "(it picks its own labels; a conditional model is given them)")
        self.config = config
        g_cls, d_cls = _NETWORKS[config.family]
        self.generator = g_cls(config)
        self.discriminator = d_cls(config)
        if config.clusters:
            # equal shares and no centres until fitted (GAN.set_clusters): an untrained model still samples
            self.register_buffer("cluster_centres", torch.zeros(config.clusters, math.prod(config.data_shape)))
            self.register_buffer("cluster_shares", torch.full((config.clusters,), 1 / config.clusters))

    @property
    def clusters_fitted(self) -> bool:
        return bool(self.config.clusters) and bool(self.cluster_centres.any())

    def set_clusters(self, centres: torch.Tensor, shares: torch.Tensor) -> None:
        """Store k-means centres (k × pixels, natural range) and the share of the data in each."""
        with torch.no_grad():
            self.cluster_centres.copy_(centres.reshape(self.cluster_centres.shape))
            self.cluster_shares.copy_(shares / shares.sum())

    def cluster_bounds(self) -> torch.Tensor:
        """Where the first latent coordinate passes from one cluster to the next (k − 1 values, float64):
        the quantiles of the cumulative shares, so each cluster comes up as often as its share."""
        cumulative = self.cluster_shares.double().cumsum(0)[:-1].clamp(1e-12, 1 - 1e-12)
        if self.config.latent_distribution == "uniform":
            return cumulative
        return torch.distributions.Normal(0.0, 1.0).icdf(cumulative)

    def latent_clusters(self, z: torch.Tensor) -> torch.Tensor:
        """The cluster each latent draws from, read off its first coordinate."""
        return torch.bucketize(z[:, 0].double(), self.cluster_bounds().to(z.device), right=True)

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.config.clusters:
            labels = self.latent_clusters(z)
            # the first value only picks the cluster: G sees it as 0, so within a cluster G's noise is
            # the other values, independent of which cluster was picked
            z = torch.cat([torch.zeros_like(z[:, :1]), z[:, 1:]], dim=1)
        return self.generator(z, labels)

    def discriminate(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (or critic scores) for samples in the network's own range: one per pack of
        ``config.pack`` consecutive samples. ``labels``: classes, or clusters when self-conditioned."""
        return self.discriminator(x, labels)
