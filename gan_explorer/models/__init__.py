"""Neural networks only: built from a ModelConfig, no I/O, no training logic."""

from __future__ import annotations

from gan_explorer.config import ModelConfig
from gan_explorer.models.gan import GAN
from gan_explorer.models.generative import GenerativeModel
from gan_explorer.models.vae import VAE

__all__ = ["GAN", "VAE", "GenerativeModel", "build_model"]


def build_model(config: ModelConfig) -> GenerativeModel:
    if config.family == "vae" and config.clusters:
        raise ValueError("clusters (self-conditioning) applies to GANs, not the VAE")
    return VAE(config) if config.family == "vae" else GAN(config)
