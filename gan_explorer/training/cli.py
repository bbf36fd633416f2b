"""`python -m gan_explorer train`: the trainer with a tqdm bar, checkpoints and a final sample grid."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import torch
from tqdm import tqdm

from gan_explorer import data, visualize, zoo
from gan_explorer.training import distributed
from gan_explorer.training.device import pick_device
from gan_explorer.training.trainer import Event, Trainer, resume_path

log = logging.getLogger(__name__)
_SHOWN = ("d_loss", "g_loss", "loss", "d_real", "d_fake")


def _overrides(args: argparse.Namespace) -> dict:
    names = {"seed": "seed", "batch_size": "batch_size", "lr_g": "lr_g", "lr_d": "lr_d", "n_critic": "n_critic",
             "checkpoint_every": "checkpoint_every", "steps": "steps", "precision": "precision"}
    return {field: getattr(args, arg) for arg, field in names.items() if getattr(args, arg, None) is not None}


def _tensorboard_writer(directory: Path | None):
    if directory is None:
        return None
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        log.warning("--tensorboard needs the tensorboard package (pip install tensorboard); console only")
        return None
    return SummaryWriter(str(directory))


def train_from_cli(args: argparse.Namespace) -> int:
    """Train one entry; under torchrun, one data-parallel replica of several (see distributed)."""
    ctx = distributed.from_env()
    if not ctx.is_main:  # rank 0 speaks for the job
        logging.getLogger().setLevel(logging.WARNING)
    device = distributed.init(ctx, pick_device(args.device))
    try:
        code = _train(args, ctx, device)
        distributed.finish(ctx)  # only after a success: a rank that failed never reaches the barrier
        return code
    finally:
        distributed.shutdown(ctx)


def _train(args: argparse.Namespace, ctx: distributed.Context, device: torch.device) -> int:
    entry = zoo.entry(args.entry)
    cfg = entry.train.replace(**_overrides(args))
    out = args.out or Path("runs") / entry.name
    dataset_name = args.dataset or entry.dataset
    dataset = data.load(dataset_name, "train")
    log.info("data: %s", dataset.source)
    if ctx.world_size > 1:
        dataset = distributed.shard(dataset, ctx)
        log.info("%d processes, each on its own shard of %d rows with batch %d (%d images per step in all)",
                 ctx.world_size, len(dataset), cfg.batch_size, cfg.batch_size * ctx.world_size)
    writer = _tensorboard_writer(args.tensorboard) if ctx.is_main else None
    bar = tqdm(total=cfg.steps, desc=entry.name, unit="step", dynamic_ncols=True, disable=not ctx.is_main)

    def on_event(event: Event) -> None:
        if event.kind == "metrics":
            shown = {k: f"{v:.3f}" for k, v in event.data.items() if k in _SHOWN}
            bar.set_postfix(shown, refresh=False)
            if writer is not None:
                for key, value in event.data.items():
                    if key != "time":
                        writer.add_scalar(key, value, event.step)
        elif event.kind == "samples" and writer is not None and event.data["samples"].dim() == 4:
            grid = visualize.image_grid(event.data["samples"])
            writer.add_image("fixed_noise", grid, event.step, dataformats="HWC")
        elif event.kind == "checkpoint":
            bar.write(f"checkpoint: {event.data['path']} (step {event.step})")

    # a packed folder may hold colour images where the entry expects grey: fit the model to the data
    probe, _ = dataset.sample(1, torch.Generator().manual_seed(0))
    data_shape = tuple(probe.shape[1:])
    # the initial weights come from the run's seed too, so that a run is reproduced from its settings alone
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = zoo.create(entry.name, **({"data_shape": data_shape} if data_shape != entry.model.data_shape else {}))
    trainer = Trainer(model, cfg, dataset, device=device, on_event=on_event, entry=entry.name, dataset=dataset_name)
    if args.resume:
        if not resume_path(out).exists():
            raise FileNotFoundError(f"--resume: no resume state at {resume_path(out)}")
        trainer.resume(out)
        log.info("resumed %s at step %d", out, trainer.step_count)
    distributed.prepare(trainer, ctx)
    bar.update(trainer.step_count)
    start, first_step = time.perf_counter(), trainer.step_count
    remaining = max(cfg.steps - trainer.step_count, 0)

    def advance() -> bool:
        bar.update(1)
        return True

    trainer.run(remaining, should_continue=advance, out=out if ctx.is_main else None)
    bar.close()
    # the weights the checkpoint holds (G's average when ema_decay is set: equal only if every step was)
    hashes = distributed.replica_hashes(trainer.sampling_model, ctx)
    if not ctx.is_main:
        return 0
    if ctx.world_size > 1:
        if len(set(hashes)) != 1:
            raise RuntimeError(f"the {ctx.world_size} replicas ended with different weights: {hashes}")
        print(f"replicas identical on all {ctx.world_size} processes (state sha256 {hashes[0]})")
    seconds = time.perf_counter() - start
    steps_done = trainer.step_count - first_step
    grid_path = Path(str(out) + "-samples.png")
    visualize.save_png(visualize.render(trainer.fixed_samples()), grid_path)
    print(f"trained {entry.name}: {steps_done} steps in {seconds:.1f} s "
          f"({steps_done / max(seconds, 1e-9):.1f} steps/s) on {device}"
          f"{f' × {ctx.world_size} processes' if ctx.world_size > 1 else ''}; checkpoint {out}.safetensors; "
          f"samples {grid_path}")
    if writer is not None:
        writer.close()
    return 0
