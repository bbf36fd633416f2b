"""One training update, with no I/O: the CLI, the UI's thread and the tests all call this.

The three-step GAN loop: D learns real -> 1 and fake -> 0 (``n_critic`` times),
then G learns to make D say 1 on its fakes. Everything returned is a plain float.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import torch

from gan_explorer import losses
from gan_explorer.config import TrainConfig
from gan_explorer.models import GAN, VAE, GenerativeModel
from gan_explorer.training.augment import diff_augment
from gan_explorer.training.precision import forward_precision

STEP_MODES = ("both", "d", "g")


class BatchSource(Protocol):
    def sample(self, batch_size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]: ...


@dataclass
class Optimizers:
    g: torch.optim.Optimizer  # the generator's (the whole VAE's for a VAE)
    d: torch.optim.Optimizer | None


@dataclass
class Generators:
    """Seeded random streams: one for picking real batches, one for noise on the device."""

    data: torch.Generator
    noise: torch.Generator

    @classmethod
    def seeded(cls, seed: int, device: torch.device) -> Generators:
        return cls(torch.Generator().manual_seed(seed), torch.Generator(device=device).manual_seed(seed + 1))


def make_optimizers(model: GenerativeModel, cfg: TrainConfig) -> Optimizers:
    if isinstance(model, VAE):
        return Optimizers(_optimizer(model.parameters(), cfg, cfg.lr_g), None)
    assert isinstance(model, GAN)
    return Optimizers(
        _optimizer(model.generator.parameters(), cfg, cfg.lr_g),
        _optimizer(model.discriminator.parameters(), cfg, cfg.lr_d),
    )


def _optimizer(params, cfg: TrainConfig, lr: float) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        # fused: one kernel updates every tensor, instead of a dozen small ops per parameter
        return torch.optim.Adam(params, lr=lr, betas=tuple(cfg.betas), fused=True)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr)
    raise ValueError(f"unknown optimizer {cfg.optimizer!r}; choose adam or sgd")


LR_SCHEDULES = ("constant", "cosine")


def lr_factor(cfg: TrainConfig, step: int) -> float:
    """The share of the set learning rates in force at ``step`` (0 from ``cfg.steps`` on under cosine)."""
    if cfg.lr_schedule == "constant":
        return 1.0
    if cfg.lr_schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * min(step / max(cfg.steps, 1), 1.0)))
    raise ValueError(f"unknown lr_schedule {cfg.lr_schedule!r}; choose one of {LR_SCHEDULES}")


def apply_learning_rates(optimizers: Optimizers, cfg: TrainConfig, step: int = 0) -> None:
    """Set both optimisers to cfg's learning rates as scheduled at ``step``; mid-run changes of the
    rates take effect on the next update."""
    factor = lr_factor(cfg, step)
    for opt, lr in ((optimizers.g, cfg.lr_g), (optimizers.d, cfg.lr_d)):
        if opt is not None:
            for group in opt.param_groups:
                group["lr"] = lr * factor


def train_step(
    model: GenerativeModel,
    optimizers: Optimizers,
    source: BatchSource,
    cfg: TrainConfig,
    generators: Generators,
    mode: str = "both",
    step: int = 0,
) -> dict[str, float]:
    """One update: 'both' = n_critic D updates then one G update; 'd' or 'g' alone.

    ``step`` (the updates done so far) sets the annealed instance noise, if the config asks for it."""
    if mode not in STEP_MODES:
        raise ValueError(f"unknown step mode {mode!r}; choose one of {STEP_MODES}")
    model.train()
    if isinstance(model, VAE):
        return _vae_step(model, optimizers, source, cfg, generators)
    metrics: dict[str, float] = {}
    noise = instance_noise_std(cfg, step)
    fake = None
    if mode in ("both", "d"):
        n_updates = cfg.n_critic if mode == "both" else 1
        for i in range(n_updates):
            # the last D update's fakes also serve G's update (as pytorch/examples' dcgan does):
            # one generator forward pass per step instead of two
            keep_fake = mode == "both" and i == n_updates - 1
            d_metrics, fake = _discriminator_update(model, optimizers, source, cfg, generators, keep_fake, noise)
            metrics.update(d_metrics)
    if mode in ("both", "g"):
        metrics.update(_generator_update(model, optimizers, cfg, generators, fake, noise))
    if noise:
        metrics["instance_noise"] = noise
    return metrics


def instance_noise_std(cfg: TrainConfig, step: int) -> float:
    """The std of the noise added to D's inputs at ``step``: linear from cfg.instance_noise down to 0."""
    if not cfg.instance_noise:
        return 0.0
    span = cfg.instance_noise_steps or cfg.steps
    return cfg.instance_noise * max(0.0, 1.0 - step / span)


def _noisy(x: torch.Tensor, std: float, generators: Generators) -> torch.Tensor:
    if not std:
        return x
    return x + std * torch.randn(x.shape, generator=generators.noise, device=x.device, dtype=x.dtype)


def _real_batch(model: GenerativeModel, source: BatchSource, cfg: TrainConfig, generators: Generators):
    x, labels = source.sample(cfg.batch_size, generators.data)
    x = model.to_model_range(x.to(model.device, non_blocking=True))
    labels = labels.to(model.device) if (labels is not None and model.config.label_classes) else None
    return x, labels


def _fake_latents(model: GAN, n: int, generators: Generators) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Latents and labels for n fakes: random classes for a conditional model, the clusters the
    latents pick for a self-conditioned one (D judges each fake against its cluster), else None."""
    labels = None
    if model.num_classes:
        labels = torch.randint(0, model.num_classes, (n,), generator=generators.noise, device=model.device)
    z = model.sample_latent(n, generators.noise)
    if model.config.clusters:
        labels = model.latent_clusters(z)
    return z, labels


def _discriminate(model: GAN, cfg: TrainConfig, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    with forward_precision(model, cfg.precision):
        return model.discriminate(x, labels).float()  # losses in fp32, whatever the forward ran in


def _d_input(x: torch.Tensor, cfg: TrainConfig, generators: Generators) -> torch.Tensor:
    # DiffAugment: D judges real and fake through the same random augmentations (none by default)
    return diff_augment(x, cfg.augment, generators.noise) if cfg.augment else x


def _discriminator_update(model: GAN, optimizers: Optimizers, source, cfg: TrainConfig, generators: Generators,
                          keep_fake: bool = False, noise: float = 0.0):
    """D's update; with ``keep_fake`` also returns its fakes, still attached to G's graph, for G's update."""
    real, real_labels = _real_batch(model, source, cfg, generators)
    z, fake_labels = _fake_latents(model, real.shape[0], generators)
    with torch.set_grad_enabled(keep_fake), forward_precision(model, cfg.precision):
        kept = model.decode(z, fake_labels)
    fake = kept.detach()
    real, fake = _noisy(real, noise, generators), _noisy(fake, noise, generators)
    real_logits = _discriminate(model, cfg, _d_input(real, cfg, generators), real_labels)
    fake_logits = _discriminate(model, cfg, _d_input(fake, cfg, generators), fake_labels)
    loss = losses.discriminator_loss(cfg.loss, real_logits, fake_logits)
    metrics = {}
    if cfg.loss == "wgan-gp":
        # the penalty's interpolates need one label per sample: conditional critics reuse the real labels
        penalty = losses.gradient_penalty(
            lambda x: _discriminate(model, cfg, x, real_labels), real, fake.to(real.dtype), generators.noise,
            pack=model.config.pack,
        )
        loss = loss + cfg.gp_lambda * penalty
        metrics["gradient_penalty"] = float(penalty.detach())
    optimizers.d.zero_grad(set_to_none=True)
    loss.backward()
    metrics["grad_norm_d"] = float(torch.nn.utils.clip_grad_norm_(model.discriminator.parameters(), float("inf")))
    optimizers.d.step()
    metrics.update(
        d_loss=float(loss.detach()),
        d_real=losses.discriminator_output(cfg.loss, real_logits.detach()),
        d_fake=losses.discriminator_output(cfg.loss, fake_logits.detach()),
    )
    return metrics, ((kept, fake_labels) if keep_fake else None)


def _generator_update(model: GAN, optimizers: Optimizers, cfg: TrainConfig, generators: Generators,
                      fake: tuple[torch.Tensor, torch.Tensor | None] | None = None, noise: float = 0.0):
    """G's update, on the (fakes, labels) D was just shown when given, else on fresh ones."""
    if fake is None:
        z, labels = _fake_latents(model, cfg.batch_size, generators)
        with forward_precision(model, cfg.precision):
            images = model.decode(z, labels)
    else:
        images, labels = fake
    # D's weights take no gradient in G's update: nobody would use it, so don't compute it
    model.discriminator.requires_grad_(False)
    try:
        fake_logits = _discriminate(model, cfg, _d_input(_noisy(images, noise, generators), cfg, generators), labels)
        loss = losses.generator_loss(cfg.loss, fake_logits)
        optimizers.g.zero_grad(set_to_none=True)
        loss.backward()
    finally:
        model.discriminator.requires_grad_(True)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.generator.parameters(), float("inf"))
    optimizers.g.step()
    return {
        "g_loss": float(loss.detach()),
        "grad_norm_g": float(grad_norm),
        "d_fake_for_g": losses.discriminator_output(cfg.loss, fake_logits.detach()),
    }


def _vae_step(model: VAE, optimizers: Optimizers, source, cfg: TrainConfig, generators: Generators):
    x, _ = _real_batch(model, source, cfg, generators)
    mean, log_var = model.encode(x)
    eps = torch.randn(mean.shape, generator=generators.noise, device=mean.device)
    reconstruction = model.decode(mean + eps * (0.5 * log_var).exp())
    recon, kl = losses.vae_loss(reconstruction, x, mean, log_var)
    loss = recon + kl
    optimizers.g.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf"))
    optimizers.g.step()
    return {
        "loss": float(loss.detach()),
        "reconstruction": float(recon.detach()),
        "kl": float(kl.detach()),
        "grad_norm_g": float(grad_norm),
    }
