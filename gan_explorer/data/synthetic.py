"""Generated data: the 1010 pattern, sine curves, and the 2-D ring and grid Gaussian mixtures.

The ring and grid follow the VEEGAN / PacGAN protocol, so their mode centres and σ are exported
for the mode-coverage metrics.
"""

from __future__ import annotations

import math

import torch

from gan_explorer.data.base import Dataset, split_seed

DEFAULT_SIZES = {"train": 10_000, "test": 2_500}
SINE_LENGTH = 32

RING_SIGMA = 0.01
GRID_SIGMA = 0.05
# 8 modes on the unit circle, counter-clockwise from (1, 0)
RING_MODES = torch.stack(
    [torch.tensor([math.cos(2 * math.pi * k / 8), math.sin(2 * math.pi * k / 8)]) for k in range(8)]
).float()
# 25 modes at {-4,-2,0,2,4}², row-major in (x, y)
GRID_MODES = torch.cartesian_prod(torch.arange(-4.0, 5.0, 2.0), torch.arange(-4.0, 5.0, 2.0))


def _size(n: int | None, split: str) -> int:
    return DEFAULT_SIZES[split] if n is None else n


def pattern1010(split: str = "train", n: int | None = None, seed: int = 0) -> Dataset:
    """N×4 rows: positions 0 and 2 uniform in [0.8, 1.0], positions 1 and 3 uniform in [0.0, 0.2]."""
    g = torch.Generator().manual_seed(split_seed(seed, split))
    size = _size(n, split)
    x = torch.rand(size, 4, generator=g) * 0.2 + torch.tensor([0.8, 0.0, 0.8, 0.0])
    return Dataset("pattern1010", x, None, None, f"1010 pattern, {size:,} generated rows (seed {seed}, {split})")


def sine(split: str = "train", n: int | None = None, seed: int = 0) -> Dataset:
    """N×32 curves A·sin(2πt/32 + φ), A uniform in [0.1, 1], φ uniform in [0, 2π): one period each."""
    g = torch.Generator().manual_seed(split_seed(seed, split))
    size = _size(n, split)
    amplitude = torch.rand(size, 1, generator=g) * 0.9 + 0.1
    phase = torch.rand(size, 1, generator=g) * 2 * math.pi
    t = torch.arange(SINE_LENGTH, dtype=torch.float32) / SINE_LENGTH
    x = amplitude * torch.sin(2 * math.pi * t + phase)
    return Dataset("sine", x, None, None,
                   f"sine curves of length {SINE_LENGTH}, {size:,} generated rows (seed {seed}, {split})")


def _mixture(name: str, modes: torch.Tensor, sigma: float, split: str, n: int | None, seed: int) -> Dataset:
    g = torch.Generator().manual_seed(split_seed(seed, split))
    size = _size(n, split)
    labels = torch.randint(len(modes), (size,), generator=g)
    x = modes[labels] + sigma * torch.randn(size, 2, generator=g)
    return Dataset(name, x, labels, len(modes),
                   f"{name}: {len(modes)} Gaussians with σ = {sigma}, {size:,} generated points (seed {seed}, {split})")


def ring(split: str = "train", n: int | None = None, seed: int = 0) -> Dataset:
    """N×2 points from 8 Gaussians on the unit circle (σ 0.01); labels are the mode indices."""
    return _mixture("ring", RING_MODES, RING_SIGMA, split, n, seed)


def grid(split: str = "train", n: int | None = None, seed: int = 0) -> Dataset:
    """N×2 points from 25 Gaussians at {-4,-2,0,2,4}² (σ 0.05); labels are the mode indices."""
    return _mixture("grid", GRID_MODES, GRID_SIGMA, split, n, seed)


def mode_centres(name: str) -> tuple[torch.Tensor, float] | None:
    """(centres K×2, σ) of the ring or grid mixture, or None for any other dataset."""
    return {"ring": (RING_MODES.clone(), RING_SIGMA), "grid": (GRID_MODES.clone(), GRID_SIGMA)}.get(name)
