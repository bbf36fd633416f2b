"""A GAN: a generator and a discriminator built from one ModelConfig."""

from __future__ import annotations

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
        self.config = config
        g_cls, d_cls = _NETWORKS[config.family]
        self.generator = g_cls(config)
        self.discriminator = d_cls(config)

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(z, labels)

    def discriminate(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (or critic scores) for samples in the network's own range: one per pack of
        ``config.pack`` consecutive samples."""
        return self.discriminator(x, labels)
