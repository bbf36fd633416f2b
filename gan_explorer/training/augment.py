"""Differentiable augmentation (DiffAugment, Zhao et al. 2020) for GANs trained on little data.

D sees every image, real or fake, through the same random translation and cutout, and
G's gradient flows back through them: D can no longer memorise the few thousand real
images, and G is not taught to draw the augmentations (they hit both sides alike).
Only D's inputs are augmented; G's architecture is unchanged.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

AUGMENTATIONS = ("translation", "cutout")
TRANSLATION_RATIO = 0.125  # shift by up to 1/8 of the side (4 pixels at 28×28), as in DiffAugment
CUTOUT_RATIO = 0.5  # erase a square half the side long


def parse_policy(policy: str) -> tuple[str, ...]:
    """'translation,cutout' -> ('translation', 'cutout'); '' -> (); unknown names are an error."""
    names = tuple(p.strip() for p in policy.split(",") if p.strip())
    unknown = [n for n in names if n not in AUGMENTATIONS]
    if unknown:
        raise ValueError(f"unknown augmentation(s) {', '.join(unknown)}; choose from {', '.join(AUGMENTATIONS)}")
    return names


def diff_augment(x: torch.Tensor, policy: str, generator: torch.Generator | None = None) -> torch.Tensor:
    """Apply the policy's augmentations to an N×C×H×W batch, each sample drawn independently."""
    for name in parse_policy(policy):
        x = translate(x, generator) if name == "translation" else cutout(x, generator)
    return x


def translate(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Shift each image by a random whole number of pixels; edge pixels fill the gap.

    Edge replication rather than zeros: zero is mid-grey in a tanh range, while MNIST's
    border is background, so replicating it adds no frame D could learn to spot."""
    n, _, h, w = x.shape
    shift = int(min(h, w) * TRANSLATION_RATIO + 0.5)
    if shift == 0:
        return x
    dy = torch.randint(-shift, shift + 1, (n, 1), generator=generator, device=x.device)
    dx = torch.randint(-shift, shift + 1, (n, 1), generator=generator, device=x.device)
    padded = F.pad(x, (shift, shift, shift, shift), mode="replicate")
    rows = torch.arange(h, device=x.device)[None] + shift + dy  # N×H
    cols = torch.arange(w, device=x.device)[None] + shift + dx  # N×W
    batch = torch.arange(n, device=x.device)[:, None, None]
    # advanced indexing on dims 0, 2, 3 puts channels last: N×H×W×C
    return padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Zero a random square (half the side) of each image; it may hang over the border."""
    n, _, h, w = x.shape
    size_h, size_w = int(h * CUTOUT_RATIO + 0.5), int(w * CUTOUT_RATIO + 0.5)
    cy = torch.randint(0, h + (1 - size_h % 2), (n, 1, 1), generator=generator, device=x.device)
    cx = torch.randint(0, w + (1 - size_w % 2), (n, 1, 1), generator=generator, device=x.device)
    ys = torch.arange(h, device=x.device)[None, :, None]
    xs = torch.arange(w, device=x.device)[None, None, :]
    top, left = cy - size_h // 2, cx - size_w // 2
    inside = (ys >= top) & (ys < top + size_h) & (xs >= left) & (xs < left + size_w)
    return x * (~inside)[:, None].to(x.dtype)
