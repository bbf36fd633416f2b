"""Fully connected generator and discriminator (the textbook GANs of "Make Your Own GAN").

Conditional variants append a one-hot label to G's seed and to D's input, so the
label enters both networks.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from gan_explorer.config import ModelConfig
from gan_explorer.models.blocks import activation, one_hot, output_activation


def _norm(kind: str, width: int) -> nn.Module:
    if kind == "layer":
        return nn.LayerNorm(width)
    if kind == "batch":
        return nn.BatchNorm1d(width)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown MLP norm {kind!r}; choose none, layer or batch")


def mlp(widths: list[int], act: str, norm: str) -> nn.Sequential:
    """Linear -> activation -> norm for every hidden layer, then a bare Linear.

    The order (activation before LayerNorm) follows the book's improved recipe.
    """
    layers: list[nn.Module] = []
    for i, (w_in, w_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(w_in, w_out))
        if i < len(widths) - 2:
            layers += [activation(act), _norm(norm, w_out)]
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.data_size = math.prod(config.data_shape)
        widths = [config.latent_dim + config.label_classes, *config.g_hidden, self.data_size]
        self.net = mlp(widths, config.activation, config.norm)
        self.out = output_activation(config.g_output)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.config.label_classes:
            z = torch.cat([z, one_hot(labels, self.config.label_classes, z.dtype)], dim=1)
        x = self.out(self.net(z))  # N × prod(data_shape)
        return x.view(-1, *self.config.data_shape)


class MLPDiscriminator(nn.Module):
    """Returns one logit per pack of ``config.pack`` consecutive samples (per sample when pack is 1);
    the loss decides whether a sigmoid applies."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        widths = [config.pack * (math.prod(config.data_shape) + config.label_classes), *config.d_hidden, 1]
        self.net = mlp(widths, config.activation, config.norm)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = x.flatten(1)
        if self.config.label_classes:
            x = torch.cat([x, one_hot(labels, self.config.label_classes, x.dtype)], dim=1)
        pack = self.config.pack
        if x.shape[0] % pack:
            raise ValueError(f"a packed discriminator (pack {pack}) needs a batch divisible by {pack}, "
                             f"got {x.shape[0]} samples")
        return self.net(x.reshape(-1, pack * x.shape[1])).squeeze(1)  # N / pack
