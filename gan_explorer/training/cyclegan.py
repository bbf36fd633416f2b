"""CycleGAN training: the image pool, one update (no I/O), and the loop that saves a checkpoint.

One update, as in the paper: the generators minimise the LSGAN loss of both discriminators plus
λ·(cycle L1 of A→B→A and B→A→B) plus λ_id·(identity L1: G_AB(b) ≈ b, G_BA(a) ≈ a); then each
discriminator minimises ½·[(D(real) − 1)² + D(fake)²] on a fake drawn from its pool of past fakes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from gan_explorer.checkpoints import save_checkpoint
from gan_explorer.config import CycleTrainConfig
from gan_explorer.data.unpaired import UnpairedImages
from gan_explorer.models.cyclegan import CycleGAN


class ImagePool:
    """Past fakes for the discriminator (Shrivastava et al. 2017): half the time a fake is swapped for
    an older one, so D does not chase only G's latest output. Seeded, so runs repeat."""

    def __init__(self, size: int, generator: torch.Generator) -> None:
        self.size = size
        self.images: list[torch.Tensor] = []
        self.generator = generator

    def query(self, fakes: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return fakes
        out = []
        for fake in fakes.detach():
            if len(self.images) < self.size:
                self.images.append(fake)
                out.append(fake)
            elif bool(torch.rand((), generator=self.generator) < 0.5):
                i = int(torch.randint(self.size, (1,), generator=self.generator))
                out.append(self.images[i])
                self.images[i] = fake
            else:
                out.append(fake)
        return torch.stack(out)


@dataclass
class CycleState:
    """Everything an update changes besides the weights: optimisers, pools and random streams."""

    g_opt: torch.optim.Optimizer
    d_opt: torch.optim.Optimizer
    pool_a: ImagePool
    pool_b: ImagePool
    data: torch.Generator

    @classmethod
    def create(cls, model: CycleGAN, cfg: CycleTrainConfig) -> CycleState:
        betas = tuple(cfg.betas)
        g_params = [*model.g_ab.parameters(), *model.g_ba.parameters()]
        d_params = [*model.d_a.parameters(), *model.d_b.parameters()]
        pools = torch.Generator().manual_seed(cfg.seed + 1)
        return cls(torch.optim.Adam(g_params, lr=cfg.lr, betas=betas),
                   torch.optim.Adam(d_params, lr=cfg.lr, betas=betas),
                   ImagePool(cfg.pool_size, pools), ImagePool(cfg.pool_size, pools),
                   torch.Generator().manual_seed(cfg.seed))


def _lsgan(scores: torch.Tensor, target: float) -> torch.Tensor:
    return F.mse_loss(scores, torch.full_like(scores, target))


def cycle_step(model: CycleGAN, state: CycleState, real_a: torch.Tensor, real_b: torch.Tensor,
               cfg: CycleTrainConfig) -> dict[str, float]:
    """One generator update then one discriminator update on batches in [0, 1]; returns plain floats."""
    model.train()
    real_a, real_b = real_a * 2 - 1, real_b * 2 - 1
    discriminators = [*model.d_a.parameters(), *model.d_b.parameters()]
    for p in discriminators:  # D's weights are constants while G learns
        p.requires_grad_(False)
    fake_b, fake_a = model.g_ab(real_a), model.g_ba(real_b)
    cycle_a = F.l1_loss(model.g_ba(fake_b), real_a)
    cycle_b = F.l1_loss(model.g_ab(fake_a), real_b)
    adv = _lsgan(model.d_b(fake_b), 1.0) + _lsgan(model.d_a(fake_a), 1.0)
    g_loss = adv + cfg.lambda_cycle * (cycle_a + cycle_b)
    identity = torch.zeros(())
    lambda_id = cfg.identity_ratio * cfg.lambda_cycle
    if lambda_id > 0:
        identity = F.l1_loss(model.g_ab(real_b), real_b) + F.l1_loss(model.g_ba(real_a), real_a)
        g_loss = g_loss + lambda_id * identity
    state.g_opt.zero_grad(set_to_none=True)
    g_loss.backward()
    state.g_opt.step()

    for p in discriminators:
        p.requires_grad_(True)
    old_b, old_a = state.pool_b.query(fake_b), state.pool_a.query(fake_a)
    d_b = 0.5 * (_lsgan(model.d_b(real_b), 1.0) + _lsgan(model.d_b(old_b), 0.0))
    d_a = 0.5 * (_lsgan(model.d_a(real_a), 1.0) + _lsgan(model.d_a(old_a), 0.0))
    state.d_opt.zero_grad(set_to_none=True)
    (d_a + d_b).backward()
    state.d_opt.step()
    return {"g_loss": g_loss.item(), "g_adv": adv.item(), "cycle_a": cycle_a.item(), "cycle_b": cycle_b.item(),
            "identity": identity.item(), "d_a": d_a.item(), "d_b": d_b.item()}


def learning_rate(cfg: CycleTrainConfig, step: int) -> float:
    """Constant, then linearly to zero from ``decay_from`` to ``steps`` (the paper's schedule)."""
    if step < cfg.decay_from or cfg.steps <= cfg.decay_from:
        return cfg.lr
    return cfg.lr * max(0.0, 1.0 - (step - cfg.decay_from) / (cfg.steps - cfg.decay_from))


def train_cyclegan(model: CycleGAN, data: UnpairedImages, cfg: CycleTrainConfig, *,
                   on_metrics: Callable[[int, dict[str, float]], None] | None = None) -> dict:
    """Run ``cfg.steps`` updates; returns a summary (steps, wall and process seconds, last metrics)."""
    torch.manual_seed(cfg.seed)
    state = CycleState.create(model, cfg)
    wall, cpu = time.perf_counter(), time.process_time()
    metrics: dict[str, float] = {}
    for step in range(cfg.steps):
        for opt in (state.g_opt, state.d_opt):
            for group in opt.param_groups:
                group["lr"] = learning_rate(cfg, step)
        a = data.sample("a", cfg.batch_size, cfg.crop, state.data)
        b = data.sample("b", cfg.batch_size, cfg.crop, state.data)
        metrics = cycle_step(model, state, a, b, cfg)
        if not all(torch.isfinite(torch.tensor(v)) for v in metrics.values()):
            raise RuntimeError(f"CycleGAN training diverged at step {step + 1}: {metrics}")
        if on_metrics is not None and ((step + 1) % cfg.log_every == 0 or step + 1 == cfg.steps):
            on_metrics(step + 1, metrics)
    model.eval()
    return {"steps": cfg.steps, "wall_time_s": round(time.perf_counter() - wall, 1),
            "cpu_time_s": round(time.process_time() - cpu, 1), "last": metrics}


def save_cyclegan(path_stem: str | Path, model: CycleGAN, *, entry: str, cfg: CycleTrainConfig, dataset: str,
                  source: str, summary: dict, metrics: dict | None = None) -> Path:
    return save_checkpoint(path_stem, model, entry=entry, config=model.config.to_dict(), step=summary["steps"],
                           dataset=dataset, metrics=metrics,
                           extra={"train": cfg.to_dict(), "data_source": source, "wall_time_s": summary["wall_time_s"],
                                  "cpu_time_s": summary["cpu_time_s"], "device": "cpu",
                                  "torch_threads": torch.get_num_threads()})
