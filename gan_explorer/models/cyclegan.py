"""CycleGAN (Zhu et al. 2017): two ResNet generators and two PatchGAN discriminators.

The generators follow the paper's c7s1-k, d2k, d4k, R4k × n, u2k, uk, c7s1-C layout with
instance norm and reflection padding; the discriminators are its 70×70 PatchGAN (C64-C128-C256-C512
with 4×4 convolutions) at a configurable, smaller width. Both work in [-1, 1]; ``translate``
takes and returns images in [0, 1].
"""

from __future__ import annotations

import torch
from torch import nn

from gan_explorer.config import CycleGANConfig

DIRECTIONS = ("a2b", "b2a")


def _norm(channels: int) -> nn.Module:
    # instance norm, not batch norm: style is per image, and batches are often a single image
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), _norm(channels), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), _norm(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    def __init__(self, channels: int, ngf: int, n_blocks: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3), nn.Conv2d(channels, ngf, 7), _norm(ngf), nn.ReLU(True),  # c7s1-k   H×W
            nn.Conv2d(ngf, 2 * ngf, 3, 2, 1), _norm(2 * ngf), nn.ReLU(True),  # d2k   H/2
            nn.Conv2d(2 * ngf, 4 * ngf, 3, 2, 1), _norm(4 * ngf), nn.ReLU(True),  # d4k   H/4
        ]
        layers += [ResidualBlock(4 * ngf) for _ in range(n_blocks)]  # R4k × n   H/4
        layers += [
            nn.ConvTranspose2d(4 * ngf, 2 * ngf, 3, 2, 1, output_padding=1), _norm(2 * ngf), nn.ReLU(True),  # H/2
            nn.ConvTranspose2d(2 * ngf, ngf, 3, 2, 1, output_padding=1), _norm(ngf), nn.ReLU(True),  # H
            nn.ReflectionPad2d(3), nn.Conv2d(ngf, channels, 7), nn.Tanh(),  # c7s1-C
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """N×C×H×W in [-1, 1], H and W multiples of 4 -> the same shape."""
        return self.net(x)


class PatchDiscriminator(nn.Module):
    """One realness score per overlapping patch (70×70 for d_layers=3), not one per image."""

    def __init__(self, channels: int, ndf: int, n_layers: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]  # H/2, no norm
        width = ndf
        for i in range(1, n_layers + 1):
            out = ndf * min(2 ** i, 8)
            stride = 2 if i < n_layers else 1  # H/4, H/8, … then one stride-1 layer
            layers += [nn.Conv2d(width, out, 4, stride, 1), _norm(out), nn.LeakyReLU(0.2, True)]
            width = out
        layers.append(nn.Conv2d(width, 1, 4, 1, 1))  # N×1×h×w patch scores (LSGAN: no sigmoid)
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class CycleGAN(nn.Module):
    def __init__(self, config: CycleGANConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.g_ab = ResnetGenerator(c.channels, c.base_channels, c.n_blocks)
        self.g_ba = ResnetGenerator(c.channels, c.base_channels, c.n_blocks)
        self.d_a = PatchDiscriminator(c.channels, c.d_channels, c.d_layers)  # real A vs G_BA(b)
        self.d_b = PatchDiscriminator(c.channels, c.d_channels, c.d_layers)  # real B vs G_AB(a)
        for module in self.modules():  # the paper's N(0, 0.02) initialisation
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(module.weight, 0.0, 0.02)
                nn.init.zeros_(module.bias)
        self.pretrained = False

    def generator(self, direction: str) -> ResnetGenerator:
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
        return self.g_ab if direction == "a2b" else self.g_ba

    @torch.no_grad()
    def translate(self, images: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
        """N×C×H×W in [0, 1] -> the other domain, same shape, in [0, 1].

        Any H and W: the image is reflect-padded to a multiple of 4 and cropped back."""
        generator = self.generator(direction)
        h, w = images.shape[-2:]
        pad_h, pad_w = -h % 4, -w % 4
        x = images * 2 - 1
        if pad_h or pad_w:
            x = nn.functional.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        out = generator(x)[..., :h, :w]
        return ((out + 1) / 2).clamp(0, 1)


__all__ = ["DIRECTIONS", "CycleGAN", "PatchDiscriminator", "ResnetGenerator"]
