"""How good is an unpaired photo→sketch translator? Measured against the paired truth it never saw.

For each held-out photo the offline pair also has its true sketch, so the photo→sketch output
can be scored against it: edge F1 (a predicted edge pixel counts when a true one lies within
``tolerance`` pixels, and vice versa; the usual boundary-matching F-measure, BSDS-style), PSNR and SSIM.
Baselines in the same run: a blank white page and the photo itself (identity). Cycle reconstruction
A→B→A and B→A→B is reported as PSNR.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.ndimage import binary_dilation
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from gan_explorer.data.unpaired import UnpairedImages
from gan_explorer.models.cyclegan import CycleGAN

EDGE_THRESHOLD = 0.5  # a sketch pixel darker than this is a line


def edge_f1(predicted: np.ndarray, truth: np.ndarray, tolerance: int = 1) -> float:
    """F1 of dark-line pixels with a ``tolerance``-pixel slack; 1.0 when both are blank."""
    p, t = predicted < EDGE_THRESHOLD, truth < EDGE_THRESHOLD
    if not p.any() and not t.any():
        return 1.0
    reach = np.ones((2 * tolerance + 1, 2 * tolerance + 1), bool)
    precision = (p & binary_dilation(t, reach)).sum() / max(p.sum(), 1)
    recall = (t & binary_dilation(p, reach)).sum() / max(t.sum(), 1)
    return float(0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall))


def _scores(out: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    return {"edge_f1": edge_f1(out, truth), "psnr": float(peak_signal_noise_ratio(truth, out, data_range=1.0)),
            "ssim": float(structural_similarity(truth, out, data_range=1.0))}


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0]}


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(peak_signal_noise_ratio(a.numpy(), b.numpy(), data_range=1.0))


def evaluate_translation(model: CycleGAN, held_out: UnpairedImages) -> dict:
    """Mean scores over held-out pairs (photo ``a[i]`` with its own sketch ``b[i]``)."""
    model.eval()
    rows = {"translation": [], "blank": [], "identity": []}
    cycle_a, cycle_b = [], []
    for photo, sketch in zip(held_out.a, held_out.b, strict=True):
        fake_sketch = model.translate(photo[None], "a2b")[0]
        fake_photo = model.translate(sketch[None], "b2a")[0]
        truth = sketch[0].numpy()
        rows["translation"].append(_scores(fake_sketch[0].numpy(), truth))
        rows["blank"].append(_scores(np.ones_like(truth), truth))
        rows["identity"].append(_scores(photo[0].numpy(), truth))
        cycle_a.append(_psnr(model.translate(fake_sketch[None], "b2a")[0], photo))
        cycle_b.append(_psnr(model.translate(fake_photo[None], "a2b")[0], sketch))
    return {"photo_to_sketch": _mean(rows["translation"]), "blank_baseline": _mean(rows["blank"]),
            "identity_baseline": _mean(rows["identity"]),
            "cycle_psnr_a_b_a": round(float(np.mean(cycle_a)), 2),
            "cycle_psnr_b_a_b": round(float(np.mean(cycle_b)), 2),
            "held_out_images": len(held_out.a)}
