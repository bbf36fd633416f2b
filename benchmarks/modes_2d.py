"""Mode coverage on the 2-D ring and grid (VEEGAN / PacGAN protocol), several seeds per recipe.

    python benchmarks/modes_2d.py                         # ring and grid, the default recipes, 5 seeds
    python benchmarks/modes_2d.py --data grid --seeds 2 --recipes vanilla

Each run trains the zoo entry's nets (2 × 128 tanh MLPs, the VEEGAN / GDPP setting) with one
torch thread through the project's Trainer, then draws 2,500 samples: a sample is high quality
within 3σ of its nearest mode, a mode is captured when it is nearest to at least one high-quality
sample. Prints mean ± sd over seeds of modes and high-quality %, the CPU time (time.process_time)
and wall time of training, beside the published figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import torch

# runnable as `python benchmarks/modes_2d.py` from a checkout, without installing the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gan_explorer import data, zoo  # noqa: E402
from gan_explorer.metrics import evaluate_model  # noqa: E402
from gan_explorer.training.trainer import Trainer  # noqa: E402

ENTRIES = {"ring": "ring-gan", "grid": "grid-gan"}
# (model overrides, train overrides) on top of the zoo entry; every field a recipe relies on is
# spelled out, so the vanilla baseline stays what it is when the zoo's recipe changes
VANILLA = {
    "ring": ({"pack": 1}, {"loss": "bce", "lr_g": 1e-3, "lr_d": 1e-3, "n_critic": 1, "batch_size": 256,
                           "steps": 5000, "instance_noise": 0.0}),
    "grid": ({"pack": 1}, {"loss": "bce", "lr_g": 1e-3, "lr_d": 1e-3, "n_critic": 1, "batch_size": 256,
                           "steps": 8000, "instance_noise": 0.0}),
}
# the fix: annealed instance noise on D's inputs (std in data units, linear to 0 at the given step);
# (grid-gan ships with this grid recipe plus an EMA of G, ring-gan with PacGAN2)
INSTANCE_NOISE = {
    "ring": ({"pack": 1}, {**VANILLA["ring"][1], "instance_noise": 0.3, "instance_noise_steps": 4000}),
    "grid": ({"pack": 1}, {**VANILLA["grid"][1], "steps": 12000, "instance_noise": 1.0,
                           "instance_noise_steps": 10000}),
}
# PacGAN2 (Lin et al. 2018): D judges pairs of samples
PACGAN2 = {d: ({"pack": 2}, {**VANILLA[d][1], "steps": 12000}) for d in VANILLA}
# an average of G's weights (Yazıcı et al. 2019 report it sharpens 2-D mixtures): samples sit nearer the modes
VANILLA_EMA = {d: (m, {**t, "ema_decay": 0.999}) for d, (m, t) in VANILLA.items()}
INSTANCE_NOISE_EMA = {d: (m, {**t, "ema_decay": 0.999}) for d, (m, t) in INSTANCE_NOISE.items()}
RECIPES = {"vanilla": VANILLA, "instance-noise": INSTANCE_NOISE, "pacgan2": PACGAN2, "vanilla-ema": VANILLA_EMA,
           "instance-noise-ema": INSTANCE_NOISE_EMA}
DEFAULT_RECIPES = ["vanilla", "pacgan2", "instance-noise-ema"]  # the baseline and the two shipped recipes
# VEEGAN (Srivastava et al. 2017) and GDPP (Elfeki et al. 2019) tables: (modes, high-quality %)
PUBLISHED = {
    "ring": [("GAN", 1, 99.3), ("Unrolled GAN", 7.6, 35.6), ("VEEGAN", 8, 52.9), ("WGAN-GP", 6.8, 59.6),
             ("GDPP", 8.0, 71.7)],
    "grid": [("GAN", 3.3, 0.5), ("Unrolled GAN", 23.6, 16), ("VEEGAN", 24.6, 40), ("WGAN-GP", 24.2, 28.7),
             ("GDPP", 24.8, 68.5)],
}
GOALS = {"ring": (8, 0.72), "grid": (25, 0.70)}  # (modes, high-quality fraction), issue 4 §4a
CPU_BUDGET_S = 180.0


def one_run(dataset: str, recipe: str, seed: int) -> dict:
    torch.set_num_threads(1)
    name = ENTRIES[dataset]
    model_over, train_over = RECIPES[recipe][dataset]
    cfg = zoo.entry(name).train.replace(**train_over, seed=seed)
    torch.manual_seed(seed)
    trainer = Trainer(zoo.create(name, **model_over), cfg, data.load(dataset, "train"), device="cpu")
    cpu, wall = time.process_time(), time.perf_counter()
    trainer.run(cfg.steps)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    report = evaluate_model(trainer.sampling_model.eval(), name, seed=1000 + seed)  # the EMA of G when set
    return {"dataset": dataset, "recipe": recipe, "seed": seed, "steps": cfg.steps, "cpu_s": cpu, "wall_s": wall,
            "modes": report["modes_captured"], "hq": report["high_quality_fraction"]}


def _mean_sd(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.1f} ± {sd:.1f}"


def print_table(dataset: str, runs: list[dict]) -> None:
    goal_modes, goal_hq = GOALS[dataset]
    print(f"\n### {dataset} ({len(data.mode_centres(dataset)[0])} modes), 2,500 samples, high quality within 3σ\n")
    print("| recipe | seeds | steps | modes | high quality % | runs meeting the goal | CPU s (max) | wall s (mean) |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|")
    for recipe in RECIPES:
        rs = [r for r in runs if r["recipe"] == recipe]
        if not rs:
            continue
        met = sum(r["modes"] >= goal_modes and r["hq"] >= goal_hq and r["cpu_s"] <= CPU_BUDGET_S for r in rs)
        print(f"| {recipe} | {len(rs)} | {rs[0]['steps']} | {_mean_sd([r['modes'] for r in rs])} | "
              f"{_mean_sd([100 * r['hq'] for r in rs])} | {met}/{len(rs)} | {max(r['cpu_s'] for r in rs):.0f} | "
              f"{statistics.fmean(r['wall_s'] for r in rs):.0f} |")
    for method, modes, hq in PUBLISHED[dataset]:
        print(f"| published: {method} | | | {modes} | {hq} | | | |")
    print(f"\ngoal: {goal_modes}/{goal_modes} modes and ≥ {100 * goal_hq:.0f}% high quality within "
          f"{CPU_BUDGET_S:.0f} CPU-s; per run: " + ", ".join(
              f"{r['recipe']}#{r['seed']} {r['modes']}/{100 * r['hq']:.1f}%/{r['cpu_s']:.0f}s" for r in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", nargs="+", choices=sorted(ENTRIES), default=["ring", "grid"])
    parser.add_argument("--recipes", nargs="+", choices=sorted(RECIPES), default=DEFAULT_RECIPES)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed … first-seed + seeds − 1")
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel, one torch thread each")
    args = parser.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    jobs = [(d, r, s) for d in args.data for r in args.recipes for s in seeds]
    print(f"torch threads per run: 1, parallel runs: {args.jobs}")
    runs = []
    with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
        for run in pool.map(one_run, *zip(*jobs)):
            print(json.dumps(run), flush=True)  # a long sweep shows its progress
            runs.append(run)
    for dataset in args.data:
        print_table(dataset, [r for r in runs if r["dataset"] == dataset])


if __name__ == "__main__":
    main()
