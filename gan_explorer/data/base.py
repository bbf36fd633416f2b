"""The in-memory Dataset every loader returns, and helpers shared by the loaders."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import torch
import torch.nn.functional as F


class DataUnavailableError(RuntimeError):
    """A dataset is neither cached nor downloadable and has no offline copy."""


@dataclasses.dataclass
class Dataset:
    """Rows of one split, held in memory in the data's natural range.

    Images are N×C×H×W in [0, 1]; ring/grid N×2 coordinates; the 1010 pattern N×4 in [0, 1];
    sine curves N×L in [-1, 1]. `source` is a sentence a person can read in the log or the UI.
    """

    name: str
    x: torch.Tensor
    labels: torch.Tensor | None
    num_classes: int | None
    source: str
    offline_fallback: bool = False

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def sample(self, batch_size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
        """batch_size random rows, drawn with replacement, on x's device."""
        # indices are drawn on the CPU so a CPU generator drives data on any device reproducibly
        idx = torch.randint(len(self), (batch_size,), generator=generator).to(self.x.device)
        labels = None if self.labels is None else self.labels[idx]
        return self.x[idx], labels

    def to(self, device: torch.device | str) -> Dataset:
        labels = None if self.labels is None else self.labels.to(device)
        return dataclasses.replace(self, x=self.x.to(device), labels=labels)


def default_root() -> Path:
    """Where downloaded data lives: $GAN_EXPLORER_DATA, else ~/.cache/gan_explorer."""
    return Path(os.environ.get("GAN_EXPLORER_DATA") or Path.home() / ".cache" / "gan_explorer")


def split_seed(seed: int, split: str) -> int:
    """Seeds for generated data: train and test never share one, whatever `seed` is."""
    check_split(split)
    return 2 * seed + (split == "test")


def check_split(split: str) -> None:
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' (held-in) or 'test' (held-out), not {split!r}")


def resize(images: torch.Tensor, size: int | None) -> torch.Tensor:
    """Square-resize N×C×H×W images bilinearly; a no-op when size is None or already matches."""
    if size is None or images.shape[-2:] == (size, size):
        return images
    out = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    return out.clamp_(0.0, 1.0)


def subset(n: int | None, total: int, seed: int) -> torch.Tensor | None:
    """Sorted indices of a seeded random subset of at most n rows, or None to keep them all."""
    if n is None or n >= total:
        return None
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    return torch.randperm(total, generator=torch.Generator().manual_seed(seed))[:n].sort().values
