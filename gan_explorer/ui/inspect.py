"""What the mode-collapse tab measures: nearest real neighbours, diversity, per-mode counts.

Plain torch on the CPU; the evaluation issue's metrics (IS, Fréchet distance) live in
gan_explorer.metrics. These are the quick, visual checks a learner can read at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Neighbours:
    index: torch.Tensor  # for each sample, the row of its nearest real example
    distance: torch.Tensor  # its L2 distance (data space: pixels for images)


def nearest_real(samples: torch.Tensor, real: torch.Tensor, chunk: int = 4096) -> Neighbours:
    """Nearest real example of each sample by L2 distance, in chunks so memory stays small."""
    flat = samples.flatten(1).float()
    best_d = torch.full((flat.shape[0],), float("inf"))
    best_i = torch.zeros(flat.shape[0], dtype=torch.long)
    for start in range(0, real.shape[0], chunk):
        block = real[start : start + chunk].flatten(1).float()
        d = torch.cdist(flat, block)
        value, index = d.min(dim=1)
        better = value < best_d
        best_d[better], best_i[better] = value[better], index[better] + start
    return Neighbours(best_i, best_d)


def mean_pairwise_distance(x: torch.Tensor) -> float:
    """Average L2 distance between distinct rows: near 0 when every sample is the same."""
    flat = x.flatten(1).float()
    n = flat.shape[0]
    if n < 2:
        return 0.0
    return float(torch.cdist(flat, flat).sum() / (n * (n - 1)))


@dataclass
class ModeCounts:
    counts: list[int]  # high-quality samples nearest to each mode
    off_mode: int  # samples farther than 3σ from every mode
    captured: int  # modes with at least one high-quality sample

    @property
    def high_quality(self) -> int:
        return sum(self.counts)


def mode_counts(points: torch.Tensor, modes: torch.Tensor, sigma: float) -> ModeCounts:
    """VEEGAN / PacGAN protocol: a sample is high quality within 3σ of its nearest mode;
    a mode is captured when it is the nearest mode of at least one high-quality sample."""
    d = torch.cdist(points.float(), modes.float())
    nearest_d, nearest = d.min(dim=1)
    good = nearest_d <= 3 * sigma
    counts = torch.bincount(nearest[good], minlength=modes.shape[0])
    return ModeCounts([int(c) for c in counts], int((~good).sum()), int((counts > 0).sum()))
