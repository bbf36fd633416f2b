"""Latent-space tools: seeds to latents, interpolation, seed arithmetic, principal directions.

A seed names one latent vector: ``latent_for_seed(model, s)`` is the first row that
``model.sample(n, seed=s)`` draws, so a seed shown in the app, typed into the CLI or
put in a shared link always gives the same picture.

Principal directions follow GANSpace (Härkönen et al. 2020, the BigGAN variant): PCA
of the generator's first-layer activations over many random latents, then a least-
squares map from the PCA coordinates back to latent space. Moving z along such a
direction moves the first layer along its main axes of variation, which tend to be
the image's coarse, most visible changes (thickness, slant, width).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from gan_explorer.models import GenerativeModel

MAX_SEED = 2**32 - 1  # numpy's and most tools' seed range; larger seeds are refused, not wrapped
METHODS = ("lerp", "slerp")


def check_seed(seed: float | int | str) -> int:
    """A seed as an int in 0 … MAX_SEED; NaN, infinities, fractions and huge values raise ValueError."""
    try:
        value = float(seed)
    except (TypeError, ValueError):
        raise ValueError(f"seed must be a whole number, not {seed!r}") from None
    if not math.isfinite(value) or value != int(value):
        raise ValueError(f"seed must be a whole number, not {seed!r}")
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"seed must lie in 0 … {MAX_SEED}, not {int(value)}")
    return int(value)


def latent_for_seed(model: GenerativeModel, seed: int) -> torch.Tensor:
    """The latent vector (latent_dim,) that ``model.sample(1, seed=seed)`` uses, on the CPU."""
    generator = torch.Generator().manual_seed(check_seed(seed))
    return model.sample_latent(1, generator=generator, device="cpu")[0]


def lerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    return a + (b - a) * t


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation: keeps the norm near that of typical Gaussian latents.

    A straight line between two N(0, I) latents passes close to the origin, where
    the norm is far below the √d that almost every training latent has, so the
    midpoints of lerp look washed out; slerp follows the sphere instead.
    """
    a_unit, b_unit = a / a.norm().clamp_min(1e-12), b / b.norm().clamp_min(1e-12)
    omega = torch.arccos((a_unit * b_unit).sum().clamp(-1.0, 1.0))
    if omega.abs() < 1e-4:  # (anti)parallel latents: the sphere's arc is a line
        return lerp(a, b, t)
    so = torch.sin(omega)
    return torch.sin((1 - t) * omega) / so * a + torch.sin(t * omega) / so * b


def interpolate(a: torch.Tensor, b: torch.Tensor, steps: int, method: str = "slerp") -> torch.Tensor:
    """``steps`` latents from a to b inclusive: steps × latent_dim."""
    if method not in METHODS:
        raise ValueError(f"unknown interpolation {method!r}; choose one of {METHODS}")
    if not 2 <= int(steps) <= 64:
        raise ValueError(f"steps must lie in 2 … 64, not {steps}")
    blend = slerp if method == "slerp" else lerp
    return torch.stack([blend(a, b, float(t)) for t in torch.linspace(0, 1, int(steps))])


def arithmetic(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """A + B − C in latent space (the result can leave the region the generator was trained on)."""
    return a + b - c


@dataclass(frozen=True)
class Directions:
    vectors: torch.Tensor  # k × latent_dim, unit length, in order of explained variance
    explained: torch.Tensor  # k: fraction of the first layer's variance along each component


def _first_layer(model: GenerativeModel) -> nn.Module:
    network = getattr(model, "generator", None) or getattr(model, "decoder", None)
    if network is None:
        raise TypeError(f"{type(model).__name__} has no generator or decoder network")
    for module in network.modules():
        if isinstance(module, (nn.Linear, nn.ConvTranspose2d, nn.Conv2d)):
            return module
    raise TypeError("the generator has no linear or convolutional first layer")


@torch.no_grad()
def principal_directions(model: GenerativeModel, k: int = 5, samples: int = 2000, seed: int = 0) -> Directions:
    """GANSpace directions: PCA of first-layer activations, mapped back to z by least squares."""
    generator = torch.Generator().manual_seed(seed)
    z = model.sample_latent(samples, generator=generator, device="cpu")
    labels = torch.arange(samples) % model.num_classes if model.num_classes else None
    captured: list[torch.Tensor] = []
    hook = _first_layer(model).register_forward_hook(lambda _m, _i, out: captured.append(out.detach()))
    was_training = model.training
    model.eval()
    try:
        device = model.device
        model.decode(z.to(device), labels.to(device) if labels is not None else None)
    finally:
        hook.remove()
        model.train(was_training)
    features = captured[0].flatten(1).double().cpu()  # samples × first-layer units
    features = features - features.mean(0)
    k = max(1, min(k, model.latent_dim, features.shape[1]))
    # randomised SVD: only the top k components are needed, and a DCGAN's first layer has
    # thousands of units (a full SVD of 2,000 × 6,272 takes ~20 s on two cores; this, well under 1 s)
    q = min(k + 10, *features.shape)
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)  # svd_lowrank draws a random test matrix: keep the directions reproducible
    try:
        _, singular, components = torch.svd_lowrank(features, q=q, niter=4)
    finally:
        torch.random.set_rng_state(generator_state)
    coords = features @ components[:, :k]  # samples × k PCA coordinates
    # z ≈ coords @ U: row i of U is the latent direction that moves component i
    u = torch.linalg.lstsq(coords, (z.double() - z.double().mean(0))).solution  # k × latent_dim
    vectors = (u / u.norm(dim=1, keepdim=True).clamp_min(1e-12)).float()
    # an SVD's signs are arbitrary: fix them (largest entry positive) so a shared link's
    # "PC 1 = +2" means the same move on every machine
    signs = torch.sign(vectors.gather(1, vectors.abs().argmax(dim=1, keepdim=True)))
    vectors = vectors * signs
    total = features.pow(2).sum().clamp_min(1e-12)
    return Directions(vectors, (singular[:k].pow(2) / total).float())


def compose(
    base: torch.Tensor,
    dims: list[float] | None = None,
    offsets: list[float] | None = None,
    directions: Directions | None = None,
) -> torch.Tensor:
    """A latent from a seed's latent: the first ``len(dims)`` values replaced, then moved
    ``offsets[i]`` units along principal direction i. Values must be finite."""
    z = base.clone().float()
    dims = list(dims or [])
    offsets = list(offsets or [])
    for name, values in (("latent values", dims), ("direction offsets", offsets)):
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            raise ValueError(f"{name} must be finite numbers")
    if len(dims) > z.numel():
        raise ValueError(f"{len(dims)} latent values for a {z.numel()}-dimensional latent")
    if dims:
        z[: len(dims)] = torch.tensor(dims, dtype=z.dtype)
    if offsets:
        if directions is None or len(offsets) > directions.vectors.shape[0]:
            available = 0 if directions is None else directions.vectors.shape[0]
            raise ValueError(f"{len(offsets)} direction offsets, but only {available} directions")
        z = z + torch.tensor(offsets, dtype=z.dtype) @ directions.vectors[: len(offsets)]
    return z
