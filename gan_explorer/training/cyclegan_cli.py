"""`python -m gan_explorer train cyclegan-…`: train a translation entry, measure it, save the checkpoint."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import torch

from gan_explorer import zoo
from gan_explorer.data.unpaired import load_unpaired
from gan_explorer.metrics.translation import evaluate_translation
from gan_explorer.models.cyclegan import CycleGAN
from gan_explorer.training.cyclegan import save_cyclegan, train_cyclegan

log = logging.getLogger(__name__)
SAVE_EVERY = 1000  # steps between interim checkpoints, so a long run that is stopped keeps its progress


def train_translation_from_cli(args: argparse.Namespace) -> int:
    entry = zoo.translation_entry(args.entry)
    changes = {k: getattr(args, k) for k in ("steps", "seed", "batch_size") if getattr(args, k, None) is not None}
    if getattr(args, "lr_g", None) is not None:
        changes["lr"] = args.lr_g
    cfg = entry.train.replace(**changes)
    if cfg.steps <= entry.train.decay_from:
        cfg = cfg.replace(decay_from=cfg.steps // 2)  # a shorter run still ends with the paper's linear decay
    folders = args.domain_a is not None or args.domain_b is not None
    spec = args.dataset or entry.dataset
    channels = entry.model.channels if spec == "photo-sketch" and not folders else 3
    data = load_unpaired(spec, "train", domain_a=args.domain_a, domain_b=args.domain_b, channels=channels)
    dataset_name = f"{args.domain_a} ↔ {args.domain_b}" if folders else spec
    log.info("data: %s (%d images in A, %d in B)", data.source, len(data.a), len(data.b))
    torch.manual_seed(cfg.seed)
    model = CycleGAN(entry.model.replace(channels=data.channels))
    out = args.out or Path("runs") / entry.name

    def on_metrics(step: int, metrics: dict[str, float]) -> None:
        print(f"step {step}/{cfg.steps} " + " ".join(f"{k}={v:.3f}" for k, v in metrics.items()), flush=True)
        if step % SAVE_EVERY == 0 and step < cfg.steps:
            save_cyclegan(out, model, entry=entry.name, cfg=cfg, dataset=dataset_name, source=data.source,
                          summary={"steps": step, "wall_time_s": None, "cpu_time_s": None})
            model.train()

    summary = train_cyclegan(model, data, cfg, on_metrics=on_metrics)
    metrics = None
    if spec == "photo-sketch" and not folders:  # only the offline pair has a paired held-out truth
        metrics = evaluate_translation(model, load_unpaired("photo-sketch", "test"))
        print(json.dumps(metrics))
    save_cyclegan(out, model, entry=entry.name, cfg=cfg, dataset=dataset_name, source=data.source, summary=summary,
                  metrics=metrics)
    print(f"trained {entry.name}: {summary['steps']} steps in {summary['wall_time_s']} s wall, "
          f"{summary['cpu_time_s']} CPU-s; checkpoint {out}.safetensors")
    return 0
