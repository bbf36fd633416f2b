"""Mode counting: the 2-D mixtures (VEEGAN / PacGAN protocol) and Stacked MNIST (1,000 digit triples)."""

from __future__ import annotations

import torch

from gan_explorer.metrics.evaluator import Evaluator
from gan_explorer.metrics.scores import class_histogram, kl_to_uniform

HQ_SIGMAS = 3.0  # a sample is high quality within 3σ of its nearest mode (VEEGAN, Srivastava et al. 2017)


def mode_coverage_2d(samples: torch.Tensor, modes: torch.Tensor, sigma: float) -> dict:
    """The VEEGAN / PacGAN protocol on N×2 samples and K×2 mode centres of standard deviation σ.

    A sample is high quality when it lies within 3σ of its nearest mode; a mode is captured
    when it is the nearest mode of at least one high-quality sample. Returns plain numbers:
    modes_captured, num_modes, high_quality_fraction, counts (high-quality samples per mode)
    and nearest_counts (all samples per nearest mode, to show where the low-quality ones go)."""
    x = torch.as_tensor(samples).to(torch.float64).reshape(len(samples), -1)
    centres = torch.as_tensor(modes).to(torch.float64).to(x.device)
    if x.shape[1] != centres.shape[1]:
        raise ValueError(f"samples have {x.shape[1]} coordinates, modes {centres.shape[1]}")
    if len(x) == 0:
        raise ValueError("mode_coverage_2d of no samples")
    dist, nearest = torch.cdist(x, centres).min(dim=1)
    # non-finite samples (a diverged generator) are never high quality
    high_quality = torch.isfinite(dist) & (dist <= HQ_SIGMAS * sigma)
    counts = torch.bincount(nearest[high_quality].cpu(), minlength=len(centres))
    nearest_counts = torch.bincount(nearest[torch.isfinite(dist)].cpu(), minlength=len(centres))
    return {
        "modes_captured": int((counts > 0).sum()),
        "num_modes": len(centres),
        "high_quality_fraction": float(high_quality.double().mean()),
        "counts": counts.tolist(),
        "nearest_counts": nearest_counts.tolist(),
        "samples": len(x),
    }


def stacked_mnist_modes(samples: torch.Tensor, evaluator: Evaluator) -> dict:
    """Stacked MNIST: classify each of the 3 channels; the mode is the digit triple (1,000 possible).

    Returns modes (distinct triples seen), kl (KL of the triple histogram to uniform over all
    1,000, in nats) and samples."""
    x = torch.as_tensor(samples)
    if x.dim() != 4 or x.shape[1] != 3:
        raise ValueError(f"Stacked MNIST samples are N×3×28×28, got {tuple(x.shape)}")
    # one pass over all 3N channel images: N×3×28×28 → 3N×1×28×28, row-major so channel is the fastest index
    digits = evaluator.predict(x.reshape(-1, 1, *x.shape[2:])).reshape(-1, 3).cpu()
    triples = digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]
    hist = class_histogram(triples, num_classes=1000)
    return {"modes": int((hist > 0).sum()), "kl": kl_to_uniform(hist), "samples": len(x)}
