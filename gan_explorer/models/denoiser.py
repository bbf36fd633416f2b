"""The WGAN-GP image-to-image denoiser: a residual generator and a critic.

The generator predicts the correction, not the clean image: ``output = net(x) + x``. A network
that starts near zero therefore starts as the identity, and it only has to learn the noise.
For speed it works at quarter resolution (FFDNet's trick): the H×W×1 input is pixel-unshuffled
into (H/2)×(W/2)×4, the residual blocks run there, and a pixel-shuffle brings the correction
back to full size. A 512×512 grey image then costs a quarter of the convolutions.

The residual blocks have no normalisation by default. Instance norm (``DenoiserConfig.norm``)
is there too; it keeps running statistics and uses them in eval mode, so every tile of a large
image is normalised the same way and tiled and whole-image outputs agree — but a model trained
with per-patch statistics and run on running averages loses PSNR (README, Denoising).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan_explorer.config import DenoiserConfig

NORMS = ("instance", "none")


def _norm(channels: int, kind: str) -> nn.Module:
    if kind == "none":
        return nn.Identity()
    return nn.InstanceNorm2d(channels, affine=True, track_running_stats=True)


class ResidualBlock(nn.Module):
    def __init__(self, channels: int, norm: str = "instance") -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), _norm(channels, norm), nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1), _norm(channels, norm),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResidualDenoiser(nn.Module):
    """N×1×H×W noisy in [0, 1] → N×1×H×W estimate (not clamped: callers clamp)."""

    def __init__(self, config: DenoiserConfig) -> None:
        super().__init__()
        self.config = config
        if config.norm not in NORMS:
            raise ValueError(f"unknown denoiser norm {config.norm!r}; choose one of {', '.join(NORMS)}")
        c = config.channels
        self.head = nn.Sequential(nn.Conv2d(4, c, 3, padding=1), nn.ReLU(inplace=True))  # N×c×H/2×W/2
        self.blocks = nn.Sequential(*(ResidualBlock(c, config.norm) for _ in range(config.blocks)))
        self.tail = nn.Conv2d(c, 4, 3, padding=1)  # N×4×H/2×W/2 → shuffled to N×1×H×W
        nn.init.zeros_(self.tail.weight)  # start as the identity: output = 0 + x
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        padded = F.pad(x, (0, w % 2, 0, h % 2), mode="replicate")  # odd sides: unshuffle needs even
        features = self.blocks(self.head(F.pixel_unshuffle(padded, 2)))
        correction = F.pixel_shuffle(self.tail(features), 2)[..., :h, :w]
        return x + correction


def grow(model: ResidualDenoiser, shallower: ResidualDenoiser) -> ResidualDenoiser:
    """Copy a shallower denoiser's weights into ``model`` (same width, more residual blocks): the extra
    blocks come last and start as the identity (their second convolution zeroed), so ``model`` at
    first computes exactly what ``shallower`` does, and training goes on from there (Net2Net's
    deepening, Chen et al. 2016)."""
    same_but_depth = model.config.replace(blocks=shallower.config.blocks) == shallower.config
    if len(model.blocks) < len(shallower.blocks) or not same_but_depth:
        raise ValueError(f"cannot grow a {shallower.config.blocks}-block denoiser of {shallower.config.channels} "
                         f"channels into {model.config.blocks} blocks of {model.config.channels}")
    model.load_state_dict(shallower.state_dict(), strict=False)
    for block in model.blocks[len(shallower.blocks):]:
        second_conv = block.body[3]  # a fresh norm after it (if any) maps zeros to zeros
        nn.init.zeros_(second_conv.weight)
        nn.init.zeros_(second_conv.bias)
    return model


class Critic(nn.Module):
    """WGAN-GP critic: N×1×H×W → N scores. No batch norm (the gradient penalty is per sample)."""

    def __init__(self, config: DenoiserConfig) -> None:
        super().__init__()
        c = config.critic_channels
        self.net = nn.Sequential(
            nn.Conv2d(1, c, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True),  # H/2
            nn.Conv2d(c, 2 * c, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True),  # H/4
            nn.Conv2d(2 * c, 4 * c, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True),  # H/8
            nn.Conv2d(4 * c, 1, 3, 1, 1),  # a patch score map, averaged: judges local texture
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).mean(dim=(1, 2, 3))
