"""The textbook lessons, measured: where the 1010 GAN's losses settle, and what one training step costs in memory.

    python benchmarks/lessons.py                  # both parts
    python benchmarks/lessons.py --part losses    # or --part memory

1. The 1010 GAN (zoo entry pattern1010, MSE) and the same nets trained with BCE: the mean
   of the last logged D and G losses beside the ideal value both settle at when D answers
   0.5 for real and fake alike (MSE (1 − 0.5)² = 0.25, BCE ln 2 ≈ 0.693).
2. Memory of one training step, convolutional GAN (dcgan-mnist) against MLP GAN (the
   textbook MLP of mnist-mlp-improved) on the same image size and batch. Each model runs in a
   fresh process; two measures: the peak of torch's CPU allocations during a steady-state
   step (torch.profiler's allocation events, summed in time order), and the growth of the
   process's peak resident memory over its first step (ru_maxrss, which also counts one-time
   costs: Adam's moment buffers and the math libraries' workspaces).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
from pathlib import Path

import torch

# runnable as `python benchmarks/lessons.py` from a checkout, without installing the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textbook import TEXTBOOK_MODEL, TEXTBOOK_TRAIN  # noqa: E402

from gan_explorer import data, zoo  # noqa: E402
from gan_explorer.data.base import Dataset  # noqa: E402
from gan_explorer.losses import IDEAL_LOSS  # noqa: E402
from gan_explorer.training.step import Generators, make_optimizers, train_step  # noqa: E402
from gan_explorer.training.trainer import Trainer  # noqa: E402

LAST_LOGGED = 20  # the 1010 entry logs every 50 steps: the mean of its last 1,000 steps
MIB = 2**20


def settled_losses(loss: str, seed: int = 0) -> dict:
    """Train pattern1010's nets with ``loss``; the mean of the last LAST_LOGGED logged values."""
    e = zoo.entry("pattern1010")
    cfg = e.train.replace(loss=loss, seed=seed)
    torch.manual_seed(seed)
    logged: list[dict] = []
    trainer = Trainer(zoo.create("pattern1010"), cfg, data.load("pattern1010", "train"),
                      on_event=lambda ev: logged.append(ev.data) if ev.kind == "metrics" else None)
    trainer.run(cfg.steps)
    tail = logged[-LAST_LOGGED:]
    sample = trainer.model.sample(1000, seed=1)
    return {
        "loss": loss, "steps": cfg.steps,
        **{k: statistics.fmean(m[k] for m in tail) for k in ("d_loss", "g_loss", "d_real", "d_fake")},
        "pattern_mean": [round(float(v), 3) for v in sample.mean(0)],
    }


def _step_memory(name: str, batch: int, side: int, queue) -> None:
    """In a fresh process: parameters, profiler peak of a steady-state step, RSS growth over the first."""
    torch.set_num_threads(1)
    e = zoo.entry(name)
    textbook = name == "dcgan-mnist"  # the figures are for the textbook conv GAN
    model = zoo.create(name, data_shape=(1, side, side), **(TEXTBOOK_MODEL if textbook else {}))
    cfg = e.train.replace(batch_size=batch, **(TEXTBOOK_TRAIN if textbook else {}))
    # pixel values do not change memory: random images keep dataset loading out of the process's peak
    images = Dataset("random", torch.rand(4 * batch, 1, side, side), None, None, "random images")
    optimizers, generators = make_optimizers(model, cfg), Generators.seeded(0, torch.device("cpu"))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    train_step(model, optimizers, images, cfg, generators)
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024  # Linux: KiB
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True) as prof:
        train_step(model, optimizers, images, cfg, generators)
    allocations = sorted((ev for ev in prof.profiler.kineto_results.events() if ev.name() == "[memory]"),
                         key=lambda ev: ev.start_ns())
    live = peak = 0
    for ev in allocations:  # nbytes is negative for a free
        live += ev.nbytes()
        peak = max(peak, live)
    queue.put({
        "entry": name, "side": side, "batch": batch,
        "g_parameters": sum(p.numel() for p in model.generator.parameters()),
        "d_parameters": sum(p.numel() for p in model.discriminator.parameters()),
        "step_peak_mib": peak / MIB, "first_step_rss_growth_mib": rss_growth / MIB,
    })


def step_memory(name: str, batch: int, side: int) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_step_memory, args=(name, batch, side, queue))
    proc.start()
    result = queue.get(timeout=600)
    proc.join()
    return result


def print_losses() -> None:
    print("## 1. The 1010 GAN: losses at equilibrium (mean of the last "
          f"{LAST_LOGGED} logged values, {LAST_LOGGED * zoo.entry('pattern1010').train.log_every} steps)\n")
    print("| loss | steps | D loss | G loss | ideal | D(real) | D(fake) | mean generated row |\n"
          "|---|---:|---:|---:|---:|---:|---:|---|")
    for loss in ("mse", "bce"):
        r = settled_losses(loss)
        print(f"| {loss} | {r['steps']} | {r['d_loss']:.4f} | {r['g_loss']:.4f} | {IDEAL_LOSS[loss]:.4f} | "
              f"{r['d_real']:.3f} | {r['d_fake']:.3f} | {r['pattern_mean']} |", flush=True)


def print_memory(batches: list[int], sides: list[int]) -> None:
    print("\n## 2. Memory of one training step, conv GAN vs MLP GAN (CPU, fresh process each)\n")
    print("| image | batch | entry | G params | D params | step peak (torch allocations) | "
          "first-step RSS growth |\n|---|---:|---|---:|---:|---:|---:|")
    for side in sides:
        for batch in batches:
            rows = [step_memory(name, batch, side) for name in ("dcgan-mnist", "mnist-mlp-improved")]
            for r in rows:
                print(f"| {side}×{side} | {batch} | {r['entry']} | {r['g_parameters']:,} | {r['d_parameters']:,} | "
                      f"{r['step_peak_mib']:.2f} MiB | {r['first_step_rss_growth_mib']:.1f} MiB |")
            conv, mlp = rows
            print(f"| | | conv / MLP | | | {conv['step_peak_mib'] / mlp['step_peak_mib']:.2f}× | "
                  f"{conv['first_step_rss_growth_mib'] / max(mlp['first_step_rss_growth_mib'], 1e-9):.2f}× |",
                  flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("losses", "memory", "both"), default="both")
    parser.add_argument("--batch", type=int, nargs="+", default=[64])
    parser.add_argument("--side", type=int, nargs="+", default=[28, 64])
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.part in ("losses", "both"):
        print_losses()
    if args.part in ("memory", "both"):
        print_memory(args.batch, args.side)


if __name__ == "__main__":
    main()
