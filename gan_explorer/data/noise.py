"""Synthetic noise models for the denoiser, on images in [0, 1], seeded.

Each model has one strength parameter in its own natural unit, and a range the blind
denoiser is trained over (one network per noise type, for every strength in the range).
Noisy images are clipped to [0, 1], as they would be once saved to an image file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class NoiseModel:
    name: str
    unit: str  # what the strength means
    default: float
    train_range: tuple[float, float]  # strengths the blind model sees in training
    ui_range: tuple[float, float]


NOISE_MODELS: dict[str, NoiseModel] = {
    "gaussian": NoiseModel("gaussian", "σ on the 0–255 scale", 25.0, (5.0, 55.0), (1.0, 75.0)),
    # photon counting: a white pixel collects `peak` photons; fewer photons, more noise
    "poisson": NoiseModel("poisson", "photons at white (lower is noisier)", 30.0, (5.0, 120.0), (2.0, 255.0)),
    # multiplicative, as in radar / millimetre-wave images: y = x · (1 + σ n), n ~ N(0, 1)
    "speckle": NoiseModel("speckle", "σ of the multiplicative factor", 0.25, (0.05, 0.5), (0.01, 0.8)),
    "salt-pepper": NoiseModel("salt-pepper", "fraction of pixels hit", 0.1, (0.02, 0.3), (0.005, 0.5)),
}


def noise_model(name: str) -> NoiseModel:
    try:
        return NOISE_MODELS[name]
    except KeyError:
        raise ValueError(f"unknown noise type {name!r}; choose one of {', '.join(NOISE_MODELS)}") from None


def corrupt(clean: torch.Tensor, name: str, strength: torch.Tensor | float, generator: torch.Generator) -> torch.Tensor:
    """Noisy copy of N×C×H×W ``clean``; ``strength`` is a number or one value per image (length N)."""
    noise_model(name)
    s = torch.as_tensor(strength, dtype=clean.dtype).reshape(-1, *([1] * (clean.dim() - 1)))
    if name == "gaussian":
        noisy = clean + torch.randn(clean.shape, generator=generator) * (s / 255.0)
    elif name == "poisson":
        noisy = torch.poisson(clean * s, generator=generator) / s
    elif name == "speckle":
        noisy = clean * (1 + torch.randn(clean.shape, generator=generator) * s)
    else:  # salt-pepper: each hit pixel becomes 0 or 1 with equal chance
        hit = torch.rand(clean.shape, generator=generator) < s
        salt = torch.rand(clean.shape, generator=generator) < 0.5
        noisy = torch.where(hit, salt.to(clean.dtype), clean)
    return noisy.clamp(0.0, 1.0)


def add_noise(image: np.ndarray, name: str, strength: float, seed: int = 0) -> np.ndarray:
    """Noisy copy of an H×W or H×W×C float image in [0, 1] (channels get independent noise)."""
    model = noise_model(name)
    low, high = model.ui_range
    if not low <= float(strength) <= high:
        raise ValueError(f"{name} strength must lie in {low} … {high} ({model.unit}); got {strength}")
    clean = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
    chw = clean[None, None] if clean.dim() == 2 else clean.permute(2, 0, 1)[None]
    noisy = corrupt(chw, name, float(strength), torch.Generator().manual_seed(int(seed)))[0]
    return (noisy[0] if clean.dim() == 2 else noisy.permute(1, 2, 0)).numpy()
