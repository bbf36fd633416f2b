"""Denoising quality: PSNR and SSIM, and the PSNR gain on held-out patches that the trainer reports."""

from __future__ import annotations

import numpy as np
import torch
from skimage.metrics import structural_similarity

from gan_explorer.data.natural import HELD_OUT_IMAGES, PatchSampler, natural_images
from gan_explorer.data.noise import corrupt


def psnr(estimate: np.ndarray | torch.Tensor, clean: np.ndarray | torch.Tensor) -> float:
    """Peak signal-to-noise ratio in dB for images in [0, 1]."""
    diff = np.asarray(estimate, dtype=np.float64) - np.asarray(clean, dtype=np.float64)
    mse = float(np.mean(diff**2))
    return float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)


def ssim(estimate: np.ndarray, clean: np.ndarray) -> float:
    """Structural similarity (scikit-image, Gaussian-weighted as in Wang et al. 2004)."""
    estimate, clean = np.asarray(estimate, np.float64), np.asarray(clean, np.float64)
    return float(structural_similarity(estimate, clean, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False,
                                       channel_axis=-1 if clean.ndim == 3 else None))


@torch.no_grad()
def heldout_gain(model: torch.nn.Module, noise: str, strength: float, *, n: int = 32, patch: int = 96,
                 seed: int = 0) -> dict[str, float]:
    """Mean PSNR of noisy and denoised held-out patches (the images in HELD_OUT_IMAGES) and the gain."""
    generator = torch.Generator().manual_seed(seed)
    clean = PatchSampler(list(natural_images("test").values()), patch).sample(n, generator)
    noisy = corrupt(clean, noise, strength, generator)
    was_training = model.training
    model.eval()
    denoised = model(noisy).clamp(0, 1)
    model.train(was_training)
    before = float(np.mean([psnr(noisy[i], clean[i]) for i in range(n)]))
    after = float(np.mean([psnr(denoised[i], clean[i]) for i in range(n)]))
    return {"noisy_psnr": round(before, 3), "denoised_psnr": round(after, 3), "gain_db": round(after - before, 3),
            "strength": strength, "patches": n, "patch_size": patch, "images": list(HELD_OUT_IMAGES)}
