"""Stacked MNIST (1,000 modes: a digit per colour channel): modes and KL after a fixed CPU budget.

    python benchmarks/stacked_mnist.py --budget 10 --recipes plain levers
    python benchmarks/stacked_mnist.py --budget 10 20 30 --recipes plain-ema zoo   # one run each, three marks

The textbook dcgan-mnist architecture (benchmarks/textbook.py; the ``zoo`` recipe: dcgan-mnist as
shipped) at 3×28×28 trains on Stacked MNIST built from the offline digits, with one torch thread,
until its process CPU time reaches the budget (each of several budgets in turn: the run is scored
at every mark and goes on; scoring is not counted); then 26,000
samples are classified channel by channel (the PacGAN / VEEGAN protocol) and the distinct
triples (modes, of 1,000) and KL(triples ‖ uniform) are printed beside real held-out triples.
Recipes: ``plain`` is the textbook DCGAN (BCE, batch-norm D, Adam 2e-4, no EMA, no
augmentation); ``plain-ema`` is the same run sampled from an EMA of G's weights (decay 0.999);
``pacgan2`` is plain with a packed D that judges pairs of images stacked along the channels (PacGAN's
own fix for Stacked MNIST); ``zoo`` is dcgan-mnist's shipped recipe unchanged (64 base channels,
hinge, spectral-norm D, EMA of G, DiffAugment translation);
``levers`` adds hinge loss, spectral norm in D, an EMA of G's weights and DiffAugment
(translation, cutout). Goal: ≥ 990 modes, KL ≤ 0.15.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

# runnable as `python benchmarks/stacked_mnist.py` from a checkout, without installing the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textbook import TEXTBOOK_MODEL  # noqa: E402

from gan_explorer import data, zoo  # noqa: E402
from gan_explorer.metrics import PROTOCOL_SAMPLES, evaluate_model  # noqa: E402
from gan_explorer.models import build_model  # noqa: E402
from gan_explorer.training.trainer import Trainer  # noqa: E402

ENTRY = "dcgan-mnist"
GOAL_MODES, GOAL_KL = 990, 0.15
PUBLISHED = "DCGAN 99 / 3.4 (VEEGAN setting), WGAN-GP 995 / 0.148, GDPP 1000 / 0.135, PacDCGAN2 1000 / 0.06"
# (ModelConfig overrides, TrainConfig overrides) on top of the dcgan-mnist entry
PLAIN_MODEL = {**TEXTBOOK_MODEL, "d_conditioning": "concat"}
PLAIN_TRAIN = {"loss": "bce", "lr_g": 2e-4, "lr_d": 2e-4, "betas": (0.5, 0.999), "ema_decay": 0.0, "augment": ""}
RECIPES = {
    "plain": (PLAIN_MODEL, PLAIN_TRAIN),
    "plain-ema": (PLAIN_MODEL, {**PLAIN_TRAIN, "ema_decay": 0.999}),
    "pacgan2": ({**PLAIN_MODEL, "pack": 2}, PLAIN_TRAIN),
    "zoo": ({}, {}),
    "levers": ({**TEXTBOOK_MODEL, "d_norm": "spectral"},
               {"loss": "hinge", "ema_decay": 0.999, "augment": "translation,cutout"}),
}


def run(recipe: str, budgets_min: list[float]) -> list[dict]:
    """Train one recipe; score it each time its CPU time passes the next budget."""
    model_overrides, train_overrides = RECIPES[recipe]
    e = zoo.entry(ENTRY)
    cfg = e.train.replace(**train_overrides)
    torch.manual_seed(cfg.seed)
    model = build_model(e.model.replace(data_shape=(3, 28, 28), **model_overrides))
    trainer = Trainer(model, cfg, data.load("stacked-mnist", "train"), dataset="stacked-mnist")
    cpu_s, rows = 0.0, []
    for budget_min in sorted(budgets_min):
        while cpu_s < budget_min * 60:
            start = time.process_time()
            for _ in range(10):
                trainer.step()
            cpu_s += time.process_time() - start
        report = evaluate_model(trainer.sampling_model, ENTRY, dataset="stacked-mnist")
        rows.append({"recipe": recipe, "budget_cpu_min": budget_min, "cpu_min": round(cpu_s / 60, 2),
                     "steps": trainer.step_count, "samples": report["samples"], "modes": report["modes"],
                     "kl": report["kl"], "real_modes": report["real"]["modes"], "real_kl": report["real"]["kl"],
                     "model": trainer.model.config.to_dict(), "train": cfg.to_dict()})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=float, nargs="+", default=[10.0],
                        help="CPU-minutes per recipe; several budgets score one run at each mark")
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    args = parser.parse_args()
    torch.set_num_threads(1)  # one thread: a CPU-minute is a core-minute
    rows = []
    for recipe in args.recipes:
        rows += run(recipe, args.budget)
    print(f"Stacked MNIST, {PROTOCOL_SAMPLES['stacked-mnist']:,} samples; goal ≥ {GOAL_MODES} modes, KL ≤ {GOAL_KL}; "
          f"real held-out triples: {rows[0]['real_modes']} modes, KL {rows[0]['real_kl']:.3f}")
    print(f"published (modes / KL): {PUBLISHED}")
    print("| recipe | CPU-min | steps | modes (of 1,000) | KL | goal |\n|---|---:|---:|---:|---:|---|")
    for r in rows:
        met = r["modes"] >= GOAL_MODES and r["kl"] <= GOAL_KL
        print(f"| {r['recipe']} | {r['budget_cpu_min']:g} | {r['steps']} | {r['modes']} | {r['kl']:.3f} | "
              f"{'met' if met else 'not met'} |")


if __name__ == "__main__":
    main()
