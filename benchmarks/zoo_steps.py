"""Training steps per second of every zoo entry on this machine, with its default batch size and real data.

    python benchmarks/zoo_steps.py [--steps 30] [--device cpu]

Each entry warms up for a few steps, then the median of three timed windows is reported.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

# runnable as `python benchmarks/zoo_steps.py` from a checkout, without installing the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gan_explorer import data, zoo  # noqa: E402
from gan_explorer.training.device import pick_device  # noqa: E402
from gan_explorer.training.trainer import Trainer  # noqa: E402


def steps_per_second(name: str, steps: int, device: torch.device) -> tuple[float, int]:
    e = zoo.entry(name)
    trainer = Trainer(zoo.create(name), e.train, data.load(e.dataset, "train"), device=device)
    for _ in range(3):
        trainer.step()
    windows = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(steps):
            trainer.step()
        windows.append(steps / (time.perf_counter() - start))
    return statistics.median(windows), e.train.batch_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    device = pick_device(args.device)
    print(f"device: {device}, torch threads: {torch.get_num_threads()}")
    print("| entry | batch | steps/s | images/s |\n|---|---:|---:|---:|")
    for name in zoo.list():
        rate, batch = steps_per_second(name, args.steps, device)
        print(f"| {name} | {batch} | {rate:.1f} | {rate * batch:.0f} |", flush=True)


if __name__ == "__main__":
    main()
