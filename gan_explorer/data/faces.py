"""The 100 LFW faces shipped in scikit-image: 25×25 grey, upscaled, split 90 held-in / 10 held-out."""

from __future__ import annotations

import functools

import numpy as np
import torch

from gan_explorer.data.base import Dataset, check_split, resize, subset

FACE_COUNT = 100  # lfw_subset() holds 100 faces followed by 100 non-faces
HELD_OUT = 10
SPLIT_SEED = 0  # fixed so the held-out faces never change


@functools.lru_cache(maxsize=1)
def _faces() -> tuple[torch.Tensor, torch.Tensor]:
    """(held-in, held-out) faces as float N×1×25×25 in [0, 1]."""
    from skimage.data import lfw_subset

    faces = torch.from_numpy(np.asarray(lfw_subset()[:FACE_COUNT], dtype=np.float32)).unsqueeze(1)
    order = torch.randperm(FACE_COUNT, generator=torch.Generator().manual_seed(SPLIT_SEED))
    return faces[order[HELD_OUT:].sort().values], faces[order[:HELD_OUT].sort().values]


def faces(split: str = "train", *, n: int | None = None, seed: int = 0, image_size: int | None = None,
          flip: bool = True) -> Dataset:
    """LFW faces, N×1×S×S in [0, 1] (S = image_size, default 64, bilinear).

    With flip (the default) the held-in split also holds each face's horizontal mirror, doubling it;
    the held-out split is never augmented.
    """
    check_split(split)
    size = 64 if image_size is None else image_size
    held_in, held_out = _faces()
    x = held_in if split == "train" else held_out
    keep = subset(n, len(x), seed)
    if keep is not None:
        x = x[keep]
    count = len(x)
    x = resize(x, size)
    mirrored = flip and split == "train"
    if mirrored:
        x = torch.cat([x, x.flip(-1)])
    role = "held-in" if split == "train" else "held-out"
    source = f"LFW faces shipped in scikit-image ({count} {role} faces, 25×25 grey resized to {size}×{size}"
    source += f", plus their horizontal mirrors: {len(x)} images)" if mirrored else ")"
    return Dataset("faces", x, None, None, source)
