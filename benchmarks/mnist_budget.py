"""MNIST quality after a fixed CPU budget: IS, FD, classes covered and KL of zoo entries.

    python benchmarks/mnist_budget.py --budgets 5 20 --entries dcgan-mnist wgan-gp-mnist
    python benchmarks/mnist_budget.py --budgets 5 --entries dcgan-mnist --train '{"ema_decay": 0}'

Each entry trains once with one torch thread on the offline data; when its process CPU time
(``time.process_time``: honest on a shared machine) reaches a budget, the model it samples
from is scored by ``evaluate_model`` (10,000 samples, the MNIST protocol) and training goes
on to the next budget, so a 5-minute figure is the same run as the 20-minute one, earlier.
Scoring time is not charged to the budget. ``--train`` / ``--model`` override the entry's
recipe (JSON), for trying recipes. Prints one JSON line per cell, then a Markdown table beside
the goal (IS ≥ 85% of the real held-out IS, 10/10 classes, KL ≤ 0.05 within 5 CPU-minutes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

# runnable as `python benchmarks/mnist_budget.py` from a checkout, without installing the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gan_explorer import data, zoo  # noqa: E402
from gan_explorer.metrics import evaluate_model  # noqa: E402
from gan_explorer.models import build_model  # noqa: E402
from gan_explorer.training.trainer import Trainer  # noqa: E402

DEFAULT_ENTRIES = ("mnist-mlp-naive", "mnist-mlp-improved", "dcgan-mnist", "wgan-gp-mnist")
GOAL_IS_FRACTION, GOAL_KL = 0.85, 0.05
STEPS_BETWEEN_CLOCK_READS = 10


def run_entry(name: str, budgets_min: list[float], model_overrides: dict, train_overrides: dict,
              quick_every_min: float, save: Path | None) -> list[dict]:
    e = zoo.entry(name)
    cfg = e.train.replace(**train_overrides)
    torch.manual_seed(cfg.seed)
    source = data.load(e.dataset, "train")
    start = time.process_time()  # building the trainer is charged: a self-conditioned one runs k-means
    trainer = Trainer(build_model(e.model.replace(**model_overrides)), cfg, source, entry=name, dataset=e.dataset)
    rows, cpu_s, quick_next = [], time.process_time() - start, quick_every_min
    for budget in sorted(budgets_min):
        while cpu_s < budget * 60:
            start = time.process_time()
            for _ in range(STEPS_BETWEEN_CLOCK_READS):
                trainer.step()
            cpu_s += time.process_time() - start
            if quick_every_min and cpu_s >= quick_next * 60:  # a cheap progress check, off the clock
                quick = evaluate_model(trainer.sampling_model, name, n=2000, seed=1)
                print(json.dumps({"entry": name, "cpu_min": round(cpu_s / 60, 2), "step": trainer.step_count,
                                  "quick_is_2000": round(quick["inception_score"], 3),
                                  "quick_kl": round(quick["kl_to_uniform"], 4),
                                  "quick_requested_class_accuracy": quick.get("requested_class_accuracy")}),
                      flush=True)
                quick_next += quick_every_min
        metrics = evaluate_model(trainer.sampling_model, name)
        real = metrics["real"]
        row = {
            "entry": name, "budget_cpu_min": budget, "cpu_min": round(cpu_s / 60, 2), "steps": trainer.step_count,
            "inception_score": metrics["inception_score"], "is_fraction_of_real": metrics["inception_score"]
            / real["inception_score"], "frechet_distance": metrics["frechet_distance"],
            "real_frechet_distance": real["frechet_distance"], "classes_covered": metrics["classes_covered"],
            "kl_to_uniform": metrics["kl_to_uniform"], "real_inception_score": real["inception_score"],
            "requested_class_accuracy": metrics.get("requested_class_accuracy"),
            "model_overrides": model_overrides, "train_overrides": train_overrides,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
        if save is not None:
            trainer.save(save / f"{name}-{budget:g}min", metrics=metrics)
    return rows


def table(rows: list[dict]) -> str:
    real = rows[0]["real_inception_score"]
    lines = [f"real held-out: IS {real:.2f}, real-vs-real FD {rows[0]['real_frechet_distance']:.2f}; "
             f"goal within 5 CPU-min: IS ≥ {GOAL_IS_FRACTION * real:.2f} ({GOAL_IS_FRACTION:.0%} of real), "
             f"10/10 classes, KL ≤ {GOAL_KL}",
             "| entry | CPU-min | steps | IS | % of real IS | FD | classes | KL | goal |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        met = (r["is_fraction_of_real"] >= GOAL_IS_FRACTION and r["classes_covered"] == 10
               and r["kl_to_uniform"] <= GOAL_KL)
        lines.append(f"| {r['entry']} | {r['budget_cpu_min']:g} | {r['steps']} | {r['inception_score']:.2f} | "
                     f"{r['is_fraction_of_real']:.0%} | {r['frechet_distance']:.1f} | {r['classes_covered']}/10 | "
                     f"{r['kl_to_uniform']:.3f} | {'met' if met else 'not met'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budgets", type=float, nargs="+", default=[5, 20], help="CPU-minutes")
    parser.add_argument("--entries", nargs="+", default=list(DEFAULT_ENTRIES))
    parser.add_argument("--model", type=json.loads, default={}, help="ModelConfig overrides, JSON")
    parser.add_argument("--train", type=json.loads, default={}, help="TrainConfig overrides, JSON")
    parser.add_argument("--quick-every", type=float, default=0.0,
                        help="also print a 2,000-sample IS every N CPU-minutes (off the clock)")
    parser.add_argument("--save", type=Path, help="save a checkpoint at each budget in this folder")
    args = parser.parse_args()
    torch.set_num_threads(1)  # one thread: a CPU-minute is a core-minute
    rows = []
    for name in args.entries:
        rows += run_entry(name, args.budgets, args.model, args.train, args.quick_every, args.save)
    print(table(rows))


if __name__ == "__main__":
    main()
