"""Adversarial and content losses as plain functions of network outputs.

Discriminators return raw logits (critic scores for WGAN-GP and hinge); the
loss decides whether a sigmoid applies. The D loss is the mean of its real and
fake terms, so when D can no longer tell them apart (D = 0.5 everywhere) both
losses sit at the textbook ideal: 0.25 for MSE, ln 2 for BCE.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

ADVERSARIAL_LOSSES = ("mse", "bce", "wgan-gp", "hinge")

# The value both losses settle at when D outputs 0.5 for real and fake alike.
IDEAL_LOSS: dict[str, float | None] = {"mse": 0.25, "bce": math.log(2), "wgan-gp": None, "hinge": None, "elbo": None}


def _check(kind: str) -> None:
    if kind not in ADVERSARIAL_LOSSES:
        raise ValueError(f"unknown adversarial loss {kind!r}; choose one of {ADVERSARIAL_LOSSES}")


def discriminator_loss(kind: str, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    _check(kind)
    if kind == "mse":  # the book's recipe: sigmoid output, squared error to 1 (real) and 0 (fake)
        real, fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
        return (F.mse_loss(real, torch.ones_like(real)) + F.mse_loss(fake, torch.zeros_like(fake))) / 2
    if kind == "bce":
        real_term = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
        fake_term = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        return (real_term + fake_term) / 2
    if kind == "hinge":
        return (F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()) / 2
    return fake_logits.mean() - real_logits.mean()  # Wasserstein critic; the penalty is added by the step


def generator_loss(kind: str, fake_logits: torch.Tensor) -> torch.Tensor:
    _check(kind)
    if kind == "mse":
        fake = torch.sigmoid(fake_logits)
        return F.mse_loss(fake, torch.ones_like(fake))
    if kind == "bce":  # non-saturating: push D(G(z)) towards 1
        return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    return -fake_logits.mean()


def discriminator_output(kind: str, logits: torch.Tensor) -> float:
    """What a learner reads as D(x): a probability for mse/bce, the raw score otherwise."""
    values = torch.sigmoid(logits) if kind in ("mse", "bce") else logits
    return float(values.mean())


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
    pack: int = 1,
) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017): (‖∇ critic(x̂)‖₂ − 1)² at random interpolates x̂.

    A packed critic (PacGAN) scores groups of ``pack`` consecutive samples: each group is one point
    of its input space, so it shares one interpolation weight and its gradient is one vector."""
    groups = real.shape[0] // pack
    alpha_shape = (groups,) + (1,) * (real.dim() - 1)
    alpha = torch.rand(alpha_shape, generator=generator, device=real.device, dtype=real.dtype)
    alpha = alpha.repeat_interleave(pack, dim=0)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.reshape(groups, -1).norm(dim=1) - 1) ** 2).mean()


def vae_loss(
    reconstruction: torch.Tensor, target: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(reconstruction term, KL term), each summed over a sample and averaged over the batch."""
    n = target.shape[0]
    recon = F.binary_cross_entropy(reconstruction.clamp(1e-6, 1 - 1e-6), target, reduction="sum") / n
    kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp()) / n
    return recon, kl

