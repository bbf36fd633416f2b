"""Sample-quality scores on plain tensors: no models, no data loading, all vectorised.

Inputs are torch tensors (numpy arrays are accepted and converted); scalar results are
Python floats so callers can put them straight into JSON. Statistics are accumulated in
float64: covariance products of 128-d features lose too much in float32.
"""

from __future__ import annotations

import math

import torch

CDIST_CHUNK = 1024  # rows of the query set per distance block: bounds memory at CHUNK × len(reference) floats


def _tensor(x, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    # statistics of at most K classes or F features: the CPU is fast enough and mixes no devices
    return torch.as_tensor(x).detach().to("cpu", dtype)


# ---------------------------------------------------------------- classifier scores


def inception_score(probs: torch.Tensor) -> float:
    """Classifier Inception Score exp(E_x KL(p(y|x) ‖ p(y))) of N×K class probabilities.

    Between 1 (every sample the same class, or every prediction unsure) and K (confident
    predictions spread evenly over the K classes)."""
    p = _tensor(probs)
    if p.dim() != 2 or len(p) == 0:
        raise ValueError(f"inception_score takes N×K probabilities, got shape {tuple(p.shape)}")
    marginal = p.mean(dim=0, keepdim=True)
    # xlogy makes 0·log 0 = 0, so exact one-hot predictions need no epsilon
    kl = (torch.xlogy(p, p) - torch.xlogy(p, marginal)).sum(dim=1)
    return float(torch.exp(kl.mean()))


def predictions(probs_or_preds: torch.Tensor) -> torch.Tensor:
    """Class indices from N×K probabilities/logits (argmax) or from N indices (unchanged)."""
    t = torch.as_tensor(probs_or_preds)
    if t.dim() == 2:
        return t.argmax(dim=1)
    if t.dim() == 1 and not t.is_floating_point():
        return t.long()
    raise ValueError(f"expected N×K probabilities or N integer predictions, got {t.dtype} {tuple(t.shape)}")


def class_histogram(probs_or_preds: torch.Tensor, num_classes: int | None = None) -> torch.Tensor:
    """Fraction of samples predicted as each class (float64, sums to 1).

    ``num_classes`` defaults to K for probabilities; give it for bare predictions."""
    t = torch.as_tensor(probs_or_preds)
    if num_classes is None:
        if t.dim() != 2:
            raise ValueError("class_histogram needs num_classes when given predictions rather than probabilities")
        num_classes = t.shape[1]
    preds = predictions(t).cpu()
    if len(preds) == 0:
        raise ValueError("class_histogram of no samples")
    counts = torch.bincount(preds, minlength=num_classes).to(torch.float64)
    return counts / counts.sum()


def kl_to_uniform(hist: torch.Tensor) -> float:
    """KL(hist ‖ uniform) in nats: 0 for a perfectly even histogram, ln K for a single class.

    Counts are accepted too; they are normalised first."""
    h = _tensor(hist).flatten()
    h = h / h.sum()
    return float((torch.xlogy(h, h * len(h))).sum().clamp_min(0.0))


def classes_covered(hist: torch.Tensor, min_fraction: float | None = None) -> int:
    """Classes that receive at least ``min_fraction`` of the samples.

    The default, a tenth of a fair share (1% for 10 classes), ignores the handful of
    stray samples that any generator lands on a class it has not really learned."""
    h = _tensor(hist).flatten()
    h = h / h.sum()
    threshold = 0.1 / len(h) if min_fraction is None else float(min_fraction)
    return int((h >= threshold).sum()) if threshold > 0 else int((h > 0).sum())


def requested_class_accuracy(probs_or_preds: torch.Tensor, requested: torch.Tensor) -> float:
    """Share of a conditional model's samples that the evaluator assigns to the class they were asked for."""
    preds = predictions(probs_or_preds).cpu()
    requested = torch.as_tensor(requested).long().cpu().flatten()
    if len(preds) != len(requested):
        raise ValueError(f"{len(preds)} predictions for {len(requested)} requested labels")
    return float((preds == requested).double().mean())


# ---------------------------------------------------------------- feature statistics


def _mean_cov(feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    f = _tensor(feats)
    if f.dim() != 2 or len(f) < 2:
        raise ValueError(f"need N×F features with N ≥ 2, got shape {tuple(f.shape)}")
    mu = f.mean(dim=0)
    centred = f - mu
    return mu, centred.T @ centred / (len(f) - 1)


def _sqrt_psd(m: torch.Tensor) -> torch.Tensor:
    """Square root of a symmetric positive semi-definite matrix via its eigendecomposition."""
    vals, vecs = torch.linalg.eigh((m + m.T) / 2)
    return (vecs * vals.clamp_min(0).sqrt()) @ vecs.T


def frechet_distance(feats_a: torch.Tensor, feats_b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (the FID formula).

    ‖μa − μb‖² + tr Σa + tr Σb − 2 tr (Σa Σb)^½. The trace term is computed as
    tr (Σa^½ Σb Σa^½)^½: that matrix is symmetric PSD and has the same eigenvalues as
    Σa Σb, so eigh stays real and stable where a general sqrtm of the (non-symmetric)
    product would return complex noise for nearly singular covariances."""
    mu_a, cov_a = _mean_cov(feats_a)
    mu_b, cov_b = _mean_cov(feats_b)
    if mu_a.shape != mu_b.shape:
        raise ValueError(f"feature sizes differ: {mu_a.numel()} vs {mu_b.numel()}")
    root_a = _sqrt_psd(cov_a)
    middle = root_a @ cov_b @ root_a
    eig = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp_min(0)
    fd = (mu_a - mu_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * eig.sqrt().sum()
    return float(fd.clamp_min(0.0))  # rounding can push a true 0 a hair below


# ---------------------------------------------------------------- distances between samples


def _flat(x: torch.Tensor) -> torch.Tensor:
    t = torch.as_tensor(x)
    return t.reshape(len(t), -1).to(torch.float32)


def nearest_neighbours(
    samples: torch.Tensor, reference: torch.Tensor, *, exclude_self: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """(distances, indices) of each sample's nearest reference row, Euclidean on flattened values.

    With ``exclude_self`` (reference is samples) a row may not pick itself, which makes this
    the within-set nearest neighbour used by duplicate_rate."""
    a = _flat(samples)
    b = _flat(reference).to(a.device)
    if len(b) == 0 or (exclude_self and len(b) < 2):
        raise ValueError("nearest_neighbours needs a non-empty reference (two rows with exclude_self)")
    dists, idx = [], []
    for start in range(0, len(a), CDIST_CHUNK):
        block = torch.cdist(a[start : start + CDIST_CHUNK], b)
        if exclude_self:
            rows = torch.arange(len(block), device=block.device)
            block[rows, rows + start] = float("inf")
        d, i = block.min(dim=1)
        dists.append(d)
        idx.append(i)
    return torch.cat(dists), torch.cat(idx)


def nearest_neighbour_distances(samples: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Distance from each sample to its nearest reference row (memorisation check: compare the
    generated samples' distances to the training set with those of held-out real images)."""
    return nearest_neighbours(samples, reference)[0]


def rms_scale(x: torch.Tensor) -> float:
    """√(values per sample): dividing a Euclidean distance by it gives a per-value (RMS) difference."""
    return math.sqrt(_flat(x[:1]).shape[1])


def duplicate_rate(samples: torch.Tensor, threshold: float = 0.02) -> float:
    """Share of samples that have another sample within ``threshold``.

    The threshold is an RMS difference per value (Euclidean distance / √D), so it means the
    same at any image size: 0.02 is about 5 grey levels of 255 per pixel on average, far
    below the gap between two real digits (a held-out MNIST digit's nearest training digit
    is 0.18 away on average and never closer than 0.04 on the offline subset)."""
    dists, _ = nearest_neighbours(samples, samples, exclude_self=True)
    return float((dists / rms_scale(samples) <= threshold).double().mean())


def diversity(samples: torch.Tensor, max_samples: int = 2000, seed: int = 0) -> float:
    """Mean Euclidean distance between two different samples (on a random subset of at most
    ``max_samples``, which estimates the same mean at a fraction of the cost)."""
    x = _flat(samples)
    if len(x) < 2:
        raise ValueError("diversity needs at least two samples")
    if len(x) > max_samples:
        x = x[torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:max_samples].to(x.device)]
    total = sum(float(torch.cdist(x[i : i + CDIST_CHUNK], x).double().sum()) for i in range(0, len(x), CDIST_CHUNK))
    return total / (len(x) * (len(x) - 1))  # the zero diagonal is in the sum but not in the count
