"""Where the app's training time goes besides the steps: the coverage probe and the Train tab's redraws.

    OMP_NUM_THREADS=1 python benchmarks/app_costs.py [--entry dcgan-mnist]

Prints, in CPU seconds of this thread: one training step, one coverage probe (what the Mode
collapse tab's plot over time costs), the probe interval the runner's CPU budget picks from
them, and one poll's worth of plot frames and status text for histories of growing length.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gan_explorer import data, metrics, zoo  # noqa: E402
from gan_explorer.training.runner import PROBE_CPU_SHARE, RunSnapshot, _append_row  # noqa: E402
from gan_explorer.training.trainer import Trainer  # noqa: E402
from gan_explorer.ui import trainview  # noqa: E402


def cpu_seconds(fn, repeats: int) -> float:
    fn()  # warm-up
    start = time.thread_time()
    for _ in range(repeats):
        fn()
    return (time.thread_time() - start) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entry", default="dcgan-mnist")
    args = parser.parse_args()
    torch.set_num_threads(1)
    e = zoo.entry(args.entry)
    trainer = Trainer(zoo.create(args.entry), e.train, data.load(e.dataset, "train"))
    probe = metrics.coverage_probe(args.entry)
    step = cpu_seconds(trainer.step, 20)
    probe_s = cpu_seconds(lambda: probe(trainer.model), 3)
    every = e.train.probe_every
    needed = probe_s * (1 - PROBE_CPU_SHARE) / PROBE_CPU_SHARE / step
    budgeted = every * max(1, math.ceil(needed / every))
    print(f"{args.entry}: step {step * 1000:.1f} ms, coverage probe {probe_s * 1000:.0f} ms of CPU; every {every} "
          f"steps the probe costs {probe_s / (probe_s + every * step):.1%} of training, every {budgeted} "
          f"(the {PROBE_CPU_SHARE:.0%} budget's choice) {probe_s / (probe_s + budgeted * step):.1%}")
    snap = RunSnapshot(status="running", entry=args.entry, settings=e.train.to_dict())
    row = {k: 0.5 for k in ("d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "time")}
    for rows in (100, 1000, 5000):
        snap.history = {}
        for i in range(rows):
            _append_row(snap.history, {"step": i * e.train.log_every, **row})

        def redraw() -> None:
            trainview.status_text(snap, "en")
            trainview.loss_frame(snap, 0.6, "en")
            trainview.d_output_frame(snap, 0.6, "en")
        print(f"  one poll's status text and plot frames, {rows} logged rows: {cpu_seconds(redraw, 5) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
