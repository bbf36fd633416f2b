"""k-means clusters of a dataset's rows: the labels a self-conditioned GAN trains on, with no human labels."""

from __future__ import annotations

import torch

KMEANS_ITERATIONS = 100


def kmeans(x: torch.Tensor, k: int, seed: int = 0, iterations: int = KMEANS_ITERATIONS
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """(centres k × D, assignments N) of the rows of ``x`` (N × D): Lloyd's algorithm from a k-means++ start.

    Clusters are numbered along the centres' first principal direction, so neighbouring numbers hold
    similar images (and a self-conditioned GAN's first latent coordinate sweeps through them in order)."""
    x = x.flatten(1).float()
    if not 2 <= k <= len(x):
        raise ValueError(f"k-means needs 2 ≤ k ≤ {len(x)} rows, got k = {k}")
    generator = torch.Generator().manual_seed(seed)
    centres = x[torch.randint(len(x), (1,), generator=generator)]
    for _ in range(k - 1):  # k-means++: each new centre far from the ones chosen, with probability ∝ distance²
        gap = torch.cdist(x, centres).min(1).values.square()
        centres = torch.cat([centres, x[torch.multinomial(gap, 1, generator=generator)]])
    for _ in range(iterations):
        assignments = nearest_centre(x, centres)
        counts = torch.bincount(assignments, minlength=k)[:, None]
        sums = torch.zeros_like(centres).index_add_(0, assignments, x)
        updated = torch.where(counts > 0, sums / counts.clamp(min=1), centres)
        for empty in torch.nonzero(counts.flatten() == 0).flatten().tolist():  # restart at the worst-fit row
            updated[empty] = x[(x - updated[assignments]).square().sum(1).argmax()]
        if torch.equal(updated, centres):
            break
        centres = updated
    order = _principal_order(centres)
    return centres[order], torch.argsort(order)[nearest_centre(x, centres)]


def nearest_centre(x: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Index of the closest centre for each row of ``x``."""
    return torch.cdist(x.flatten(1).float(), centres.float()).argmin(1)


def _principal_order(centres: torch.Tensor) -> torch.Tensor:
    centred = centres - centres.mean(0)
    direction = torch.linalg.svd(centred, full_matrices=False).Vh[0]
    direction = direction * torch.sign(direction.sum())  # SVD's sign is arbitrary: fix it
    return torch.argsort(centred @ direction)
