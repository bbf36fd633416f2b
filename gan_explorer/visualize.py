"""Samples drawn to fit their data: image grids, bar charts of the 1010 pattern,
curves for the sine GAN, and scatter plots (over D's decision map) for 2-D points.

Returns H×W×3 uint8 arrays, which the CLI writes as PNG and the UI shows as is.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402


def image_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> np.ndarray:
    """N×C×H×W floats in [0, 1] -> one H×W×3 uint8 grid."""
    images = images.detach().float().clamp(0, 1).cpu()
    if images.shape[1] == 1:
        images = images.expand(-1, 3, -1, -1)
    nrow = nrow or max(1, int(np.ceil(np.sqrt(images.shape[0]))))
    grid = _tile(images, nrow, padding, pad_value=1.0)
    return (grid.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


def _tile(images: torch.Tensor, nrow: int, padding: int, pad_value: float) -> torch.Tensor:
    """torchvision's make_grid layout, without importing torchvision: its models and ops pull in
    torch._dynamo and sympy, about a third of the app's start-up time."""
    n, channels, height, width = images.shape
    if n == 1:
        return images[0]
    cols = min(nrow, n)
    rows = -(-n // cols)
    cell_h, cell_w = height + padding, width + padding
    grid = images.new_full((channels, rows * cell_h + padding, cols * cell_w + padding), pad_value)
    for i, image in enumerate(images):
        top, left = (i // cols) * cell_h + padding, (i % cols) * cell_w + padding
        grid[:, top : top + height, left : left + width] = image
    return grid


def figure_to_array(fig) -> np.ndarray:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    plt.close(fig)
    buffer.seek(0)
    return np.array(Image.open(buffer).convert("RGB"))


def pattern_bars(samples: torch.Tensor, count: int = 8) -> np.ndarray:
    """The four values of each 1010 sample as bars, the target bands shaded."""
    samples = samples[:count].detach().cpu().numpy()
    fig, axes = plt.subplots(1, len(samples), figsize=(1.1 * len(samples), 1.8), dpi=100, sharey=True)
    for ax, values in zip(np.atleast_1d(axes), samples):
        ax.axhspan(0.8, 1.0, color="#cde8cd")
        ax.axhspan(0.0, 0.2, color="#e8d6cd")
        ax.bar(range(4), values, color="#3465a4")
        ax.set_ylim(0, 1)
        ax.set_xticks(range(4))
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return figure_to_array(fig)


def curves(samples: torch.Tensor, real: torch.Tensor | None = None, count: int = 16) -> np.ndarray:
    fig, ax = plt.subplots(figsize=(5, 2.6), dpi=100)
    if real is not None:
        for curve in real[:count].cpu().numpy():
            ax.plot(curve, color="#bbbbbb", linewidth=0.8)
    for curve in samples[:count].detach().cpu().numpy():
        ax.plot(curve, linewidth=1.2)
    ax.set_ylim(-1.2, 1.2)
    ax.set_title("generated curves" + (" (grey: real)" if real is not None else ""), fontsize=9)
    fig.tight_layout()
    return figure_to_array(fig)


def points(
    fake: torch.Tensor,
    real: torch.Tensor | None = None,
    heatmap: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    limit: float | None = None,
) -> np.ndarray:
    """GAN-Lab style: real (green) and generated (purple) points over D's P(real) map."""
    fake = fake.detach().cpu().numpy()
    fig, ax = plt.subplots(figsize=(4.2, 4.2), dpi=100)
    if heatmap is not None:
        xs, ys, probs = heatmap
        mesh = ax.pcolormesh(xs, ys, probs, cmap="RdYlGn", vmin=0, vmax=1, shading="auto", alpha=0.55)
        fig.colorbar(mesh, ax=ax, fraction=0.046, pad=0.04, label="D(x): P(real)")
    if real is not None:
        r = real.detach().cpu().numpy()
        ax.scatter(r[:, 0], r[:, 1], s=4, c="#2e7d32", alpha=0.5, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=4, c="#6a1b9a", alpha=0.6, label="generated")
    if limit is not None:
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, markerscale=3)
    fig.tight_layout()
    return figure_to_array(fig)


def render(samples: torch.Tensor, *, real: torch.Tensor | None = None) -> np.ndarray:
    """Pick the drawing that fits the samples' shape."""
    if samples.dim() == 4:
        return image_grid(samples)
    if samples.shape[1] == 2:
        return points(samples, real)
    if samples.shape[1] == 4:
        return pattern_bars(samples)
    return curves(samples, real)


def save_png(array: np.ndarray, path) -> None:
    Image.fromarray(array).save(path)
