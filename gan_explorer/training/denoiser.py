"""Training the residual denoiser: one update (no I/O) and a loop that ends in a checkpoint.

loss_G = content(G(noisy), clean) + λ_adv · (−critic(G(noisy)))   (content: L1 or L2)
loss_D = critic(G(noisy)) − critic(clean) + λ_gp · gradient penalty   (WGAN-GP; only when λ_adv > 0)

Every batch draws its own strengths from the noise model's training range, so one network
handles every strength in it (a blind denoiser). The learning rate can follow a cosine to 0,
and G's forward runs in bf16 where the CPU has bf16 units (weights and losses stay fp32).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from gan_explorer import losses, zoo
from gan_explorer.checkpoints import load_checkpoint, read_metadata, save_checkpoint
from gan_explorer.config import DenoiserConfig, DenoiseTrainConfig
from gan_explorer.data.natural import AREA_CAP, HELD_OUT_IMAGES, PatchSampler, natural_images, rescaled, train_source
from gan_explorer.data.noise import corrupt, noise_model
from gan_explorer.metrics.denoising import heldout_gain
from gan_explorer.models.denoiser import Critic, ResidualDenoiser, grow
from gan_explorer.training.precision import autocast, forward_dtype

CONTENT_LOSSES = {"l1": F.l1_loss, "l2": F.mse_loss}
LR_SCHEDULES = ("constant", "cosine")


@dataclass
class DenoiserTraining:
    generator: ResidualDenoiser
    critic: Critic
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    config: DenoiseTrainConfig
    rng: torch.Generator
    schedule_g: torch.optim.lr_scheduler.LRScheduler
    schedule_d: torch.optim.lr_scheduler.LRScheduler
    forward_dtype: torch.dtype | None  # bf16 for the generator's forward, or None for fp32
    step_count: int = 0


def _lr_factor(schedule: str, steps: int) -> Callable[[int], float]:
    if schedule == "cosine":
        return lambda step: 0.5 * (1 + math.cos(math.pi * min(step / max(steps, 1), 1.0)))
    return lambda step: 1.0


def setup(entry_name: str, config: DenoiseTrainConfig | None = None) -> DenoiserTraining:
    e = zoo.denoiser_entry(entry_name)
    cfg = config or e.train
    if cfg.content_loss not in CONTENT_LOSSES:
        raise ValueError(f"content_loss must be one of {', '.join(CONTENT_LOSSES)}")
    if cfg.lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}")
    noise_model(cfg.noise)
    torch.manual_seed(cfg.seed)
    g, d = ResidualDenoiser(e.model), Critic(e.model)
    if cfg.init_from in zoo.denoisers():  # the perceptual preset fine-tunes the shipped fidelity weights
        load_checkpoint(zoo.denoiser_entry(cfg.init_from).checkpoint, g, expected_entry=cfg.init_from)
    elif cfg.init_from:  # fine-tuning from a checkpoint of this entry, deepened if it has fewer blocks
        meta = read_metadata(cfg.init_from)  # another entry's checkpoint is refused by load_checkpoint below
        saved = DenoiserConfig.from_dict(meta["config"]) if meta.get("entry") == entry_name else e.model
        if saved.blocks < e.model.blocks:
            shallower = ResidualDenoiser(saved)
            load_checkpoint(cfg.init_from, shallower, expected_entry=entry_name)
            grow(g, shallower)
        else:
            load_checkpoint(cfg.init_from, g, expected_entry=entry_name)
    opt_g = torch.optim.Adam(g.parameters(), lr=cfg.lr_g, betas=cfg.betas)
    opt_d = torch.optim.Adam(d.parameters(), lr=cfg.lr_d, betas=cfg.betas)
    factor = _lr_factor(cfg.lr_schedule, cfg.steps)
    return DenoiserTraining(g.train(), d.train(), opt_g, opt_d, cfg, torch.Generator().manual_seed(cfg.seed),
                            torch.optim.lr_scheduler.LambdaLR(opt_g, factor),
                            torch.optim.lr_scheduler.LambdaLR(opt_d, factor),
                            forward_dtype(cfg.precision, torch.device("cpu"), convolutional=True))


def make_batch(sampler: PatchSampler, cfg: DenoiseTrainConfig, rng: torch.Generator) -> tuple[torch.Tensor, ...]:
    clean = sampler.sample(cfg.batch_size, rng)
    low, high = noise_model(cfg.noise).train_range
    strengths = low + (high - low) * torch.rand(cfg.batch_size, generator=rng)
    return clean, corrupt(clean, cfg.noise, strengths, rng)


def train_step(t: DenoiserTraining, clean: torch.Tensor, noisy: torch.Tensor) -> dict[str, float]:
    """One critic update (if adversarial) and one generator update; returns the losses."""
    cfg, out = t.config, {}
    adversarial = cfg.adv_weight > 0
    if adversarial:
        for _ in range(cfg.n_critic):
            with torch.no_grad():
                fake = t.generator(noisy)
            penalty = losses.gradient_penalty(t.critic, clean, fake, generator=t.rng)
            d_loss = losses.discriminator_loss("wgan-gp", t.critic(clean), t.critic(fake)) + cfg.gp_lambda * penalty
            t.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            t.opt_d.step()
        t.schedule_d.step()
        out["d_loss"] = float(d_loss.detach())
    # only G's forward runs in bf16 (it dominates the step); the losses and the critic stay fp32
    with autocast(torch.device("cpu"), t.forward_dtype):
        estimate = t.generator(noisy)
    estimate = estimate.float()
    content = CONTENT_LOSSES[cfg.content_loss](estimate, clean)
    g_loss = content
    if adversarial:
        for p in t.critic.parameters():
            p.requires_grad_(False)
        g_loss = content + cfg.adv_weight * losses.generator_loss("wgan-gp", t.critic(estimate))
        for p in t.critic.parameters():
            p.requires_grad_(True)
    t.opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    t.opt_g.step()
    t.schedule_g.step()
    t.step_count += 1
    out.update(content=float(content.detach()), g_loss=float(g_loss.detach()))
    return out


def train(entry_name: str, *, steps: int | None = None, out: str | Path | None = None, seed: int | None = None,
          batch_size: int | None = None, patch: int | None = None, precision: str | None = None,
          lr_g: float | None = None, init_from: str | None = None, scales: tuple[float, ...] | None = None,
          on_log: Callable[[int, dict[str, float]], None] | None = None) -> tuple[ResidualDenoiser, dict]:
    """Train an entry from scratch (or from init_from's weights); saves ``out`` when given.

    Returns the generator in eval mode and the record written into the checkpoint's JSON."""
    e = zoo.denoiser_entry(entry_name)
    changes = {k: v for k, v in dict(steps=steps, seed=seed, batch_size=batch_size, patch=patch, precision=precision,
                                     lr_g=lr_g, init_from=init_from, scales=scales).items() if v is not None}
    cfg = e.train.replace(**changes)
    t = setup(entry_name, cfg)
    sampler = PatchSampler(rescaled(list(natural_images("train").values()), cfg.scales), cfg.patch, area_cap=AREA_CAP)
    wall, cpu = time.perf_counter(), time.process_time()
    for step in range(1, cfg.steps + 1):
        logs = train_step(t, *make_batch(sampler, cfg, t.rng))
        if on_log is not None and (step % cfg.log_every == 0 or step == cfg.steps):
            on_log(step, logs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    model = t.generator.eval()
    metrics = {"heldout_sigma25" if cfg.noise == "gaussian" else "heldout_default":
               heldout_gain(model, cfg.noise, 25.0 if cfg.noise == "gaussian" else noise_model(cfg.noise).default)}
    record = {"train": cfg.to_dict(), "steps": t.step_count, "wall_time_s": round(wall, 1),
              "cpu_time_s": round(cpu, 1), "torch_threads": torch.get_num_threads(), "metrics": metrics,
              "data_source": f"patches of {train_source()} (grey); "
                             f"held out: {', '.join(HELD_OUT_IMAGES)}"}
    if out is not None:
        save_checkpoint(out, model, entry=entry_name, config=e.model.to_dict(), step=t.step_count,
                        dataset=e.dataset, metrics=metrics,
                        extra={k: record[k] for k in ("train", "wall_time_s", "cpu_time_s", "torch_threads",
                                                      "data_source")})
    return model, record


def train_from_cli(args) -> int:
    """`python -m gan_explorer train denoise-…`: the same flags as the other entries where they apply."""
    out = args.out or Path("runs") / args.entry

    def show(step: int, logs: dict[str, float]) -> None:
        print(f"step {step}: " + " ".join(f"{k}={v:.4f}" for k, v in logs.items()), flush=True)

    _, record = train(args.entry, steps=args.steps, out=out, seed=args.seed, batch_size=args.batch_size,
                      patch=args.patch, precision=args.precision, lr_g=args.lr_g, init_from=args.init_from,
                      scales=None if args.scales is None else tuple(args.scales), on_log=show)
    print(f"trained {args.entry}: {record['steps']} steps in {record['wall_time_s']} s wall, "
          f"{record['cpu_time_s']} CPU-s; held-out {record['metrics']}; checkpoint {out}.safetensors", flush=True)
    return 0
