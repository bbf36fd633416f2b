"""A variational autoencoder, for contrast with the GANs: it learns by
reconstruction plus a KL pull towards N(0, I), so it covers every mode but blurs."""

from __future__ import annotations

import math

import torch

from gan_explorer.config import ModelConfig
from gan_explorer.models.blocks import output_activation
from gan_explorer.models.generative import GenerativeModel
from gan_explorer.models.mlp import mlp


class VAE(GenerativeModel):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        size = math.prod(config.data_shape)
        # encoder: data -> hidden -> (mean, log variance)
        self.encoder = mlp([size, *config.g_hidden, 2 * config.latent_dim], config.activation, config.norm)
        # decoder: latent -> hidden (mirrored) -> data
        self.decoder = mlp([config.latent_dim, *reversed(config.g_hidden), size], config.activation, config.norm)
        self.out = output_activation(config.g_output)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_var = self.encoder(x.flatten(1)).chunk(2, dim=1)
        return mean, log_var.clamp(-10, 10)

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.out(self.decoder(z)).view(-1, *self.config.data_shape)
