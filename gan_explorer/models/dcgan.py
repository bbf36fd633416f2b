"""Convolutional GAN (DCGAN, Radford et al.), at 28×28 or any power-of-two size.

At 64×64 this is the architecture of pytorch/examples' dcgan: four transposed
convolutions from a 4×4 seed map, batch norm and ReLU in G, strided convolutions
with LeakyReLU in D. At 28×28 the seed map is 7×7 and there are two upsamplings.
Conditional variants append the one-hot label to z in G (a self-conditioned GAN's label
is its cluster: ``config.label_classes``). D takes the label either as
constant planes beside its input image (concat) or through a projection (Miyato & Koyama
2018): its score gains the inner product of a learnt class embedding with its features.
A packed D (PacGAN, ``config.pack``) stacks that many consecutive images along the channel
axis, as the PacGAN paper does for its convolutional Stacked MNIST discriminator.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from gan_explorer.config import ModelConfig
from gan_explorer.models.blocks import one_hot, output_activation


def _geometry(size: int) -> tuple[int, int]:
    """(side of the seed map, number of 2× up/down-samplings) for an image side."""
    if size == 28:
        return 7, 2
    if size >= 8 and size & (size - 1) == 0:
        return 4, int(math.log2(size // 4))
    raise ValueError(f"DCGAN supports 28×28 or power-of-two sizes ≥ 8, not {size}")


class DCGANGenerator(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        channels, size, _ = config.data_shape
        start, n_up = _geometry(size)
        width = config.base_channels * 2 ** (n_up - 1)
        layers: list[nn.Module] = [
            # (latent + classes) × 1 × 1 -> width × start × start
            nn.ConvTranspose2d(config.latent_dim + config.label_classes, width, start, 1, 0, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(True),
        ]
        for _ in range(n_up - 1):
            # each stage doubles the side and halves the channels
            layers += [
                nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(width // 2),
                nn.ReLU(True),
            ]
            width //= 2
        layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), output_activation(config.g_output)]
        self.net = nn.Sequential(*layers)  # -> channels × size × size
        self.apply(_dcgan_init)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.config.label_classes:
            z = torch.cat([z, one_hot(labels, self.config.label_classes, z.dtype)], dim=1)
        return self.net(z[:, :, None, None])


class DCGANDiscriminator(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        channels, size, _ = config.data_shape
        start, n_down = _geometry(size)
        wrap = spectral_norm if config.d_norm == "spectral" else (lambda m: m)
        if config.d_conditioning not in ("concat", "projection"):
            raise ValueError(f"unknown d_conditioning {config.d_conditioning!r}; choose concat or projection")
        self.projection = bool(config.label_classes) and config.d_conditioning == "projection"
        if self.projection and config.pack > 1:
            raise ValueError("a packed D scores several images at once: use d_conditioning concat, not projection")
        label_planes = config.label_classes if not self.projection else 0
        width = config.base_channels
        # input: pack × (channels + label planes) × size × size; no norm on the first layer (DCGAN)
        layers: list[nn.Module] = [
            wrap(nn.Conv2d(config.pack * (channels + label_planes), width, 4, 2, 1, bias=False)),
            nn.LeakyReLU(0.2, True),
        ]
        for _ in range(n_down - 1):
            layers += [wrap(nn.Conv2d(width, width * 2, 4, 2, 1, bias=False)), _conv_norm(config.d_norm, width * 2)]
            layers.append(nn.LeakyReLU(0.2, True))
            width *= 2
        layers.append(wrap(nn.Conv2d(width, 1, start, 1, 0, bias=False)))  # width × start × start -> 1 × 1 × 1
        self.net = nn.Sequential(*layers)
        # projection: one learnt vector per class, dotted with the spatially summed features
        self.embed = wrap(nn.Embedding(config.label_classes, width)) if self.projection else None
        self.apply(_dcgan_init)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.config.label_classes and not self.projection:
            planes = one_hot(labels, self.config.label_classes, x.dtype)[:, :, None, None]
            x = torch.cat([x, planes.expand(-1, -1, *x.shape[2:])], dim=1)
        if not self.projection:
            pack = self.config.pack
            if x.shape[0] % pack:
                raise ValueError(f"a packed discriminator (pack {pack}) needs a batch divisible by {pack}, "
                                 f"got {x.shape[0]} samples")
            return self.net(x.reshape(-1, pack * x.shape[1], *x.shape[2:])).flatten()  # N / pack logits
        *body, head = self.net
        h = x
        for layer in body:
            h = layer(h)  # -> N × width × start × start
        return head(h).flatten() + (self.embed(labels.long()) * h.sum((2, 3))).sum(1)


def _conv_norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":  # per-sample normalisation: safe with a gradient penalty
        return nn.GroupNorm(1, channels)
    if kind in ("none", "spectral"):
        return nn.Identity()
    raise ValueError(f"unknown conv norm {kind!r}; choose batch, layer, none or spectral")


def _dcgan_init(m: nn.Module) -> None:
    # N(0, 0.02) weights, as in the DCGAN paper and pytorch/examples
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) and not hasattr(m, "parametrizations"):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)
