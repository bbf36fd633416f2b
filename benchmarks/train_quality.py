"""Sample quality after the same number of steps: the project's (faster) trainer against the reference loop.

    python benchmarks/train_quality.py [--steps 2000] [--seeds 0 1] [--threads 1]

Both train the dcgan-mnist architecture on the same MNIST training split for the same steps
(batch 64, BCE, Adam 2e-4, betas (0.5, 0.999)): the project through ``Trainer`` with its
default settings (bf16 forwards where the CPU has bf16 units, channels-last, fused Adam, one
G forward per step), the reference through pytorch/examples' dcgan loop (fp32; a shuffled
DataLoader over the same images scaled to [-1, 1], as its Normalize(0.5, 0.5) does). Each is
then scored by the MNIST protocol: Fréchet distance in the evaluator's feature space to the
held-out images, and the classifier Inception Score, on 10,000 samples.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textbook import TEXTBOOK_MODEL, TEXTBOOK_TRAIN  # noqa: E402
from train_throughput import BATCH, ReferenceLoop  # noqa: E402

from gan_explorer import data, zoo  # noqa: E402
from gan_explorer.metrics import evaluate_model  # noqa: E402
from gan_explorer.training.trainer import Trainer  # noqa: E402

ENTRY = "dcgan-mnist"


def train_project(steps: int, seed: int):
    torch.manual_seed(seed)
    cfg = zoo.entry(ENTRY).train.replace(batch_size=BATCH, seed=seed, steps=steps, **TEXTBOOK_TRAIN)
    trainer = Trainer(zoo.create(ENTRY, **TEXTBOOK_MODEL), cfg, data.load("mnist", "train"))
    trainer.run(steps)
    return trainer.model


def train_reference(steps: int, seed: int):
    torch.manual_seed(seed)
    train = data.load("mnist", "train")
    images = torch.utils.data.TensorDataset(train.x * 2 - 1, train.labels)
    loop = ReferenceLoop(zoo.create(ENTRY, **TEXTBOOK_MODEL), images, workers=0)
    for _ in range(steps):
        loop.step()
    return loop.gan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results: dict[str, list[float]] = {"project": [], "reference": []}
    for seed in args.seeds:
        for name, train in (("reference", train_reference), ("project", train_project)):
            start = time.process_time()
            model = train(args.steps, seed)
            cpu_s = time.process_time() - start
            scores = evaluate_model(model, ENTRY, seed=seed)
            results[name].append(scores["frechet_distance"])
            print(f"seed {seed} {name:9s}: {args.steps} steps in {cpu_s:.0f} CPU-s · "
                  f"FD {scores['frechet_distance']:.1f} · IS {scores['inception_score']:.2f}", flush=True)
    ref, proj = statistics.mean(results["reference"]), statistics.mean(results["project"])
    print(f"mean FD over seeds {args.seeds}: reference {ref:.1f}, project {proj:.1f} "
          f"(project / reference = {proj / ref:.3f}; goal ≤ 1.10)")


if __name__ == "__main__":
    main()
