"""Train zoo entries on the offline data, measure them, and ship the weights in checkpoints/.

    python benchmarks/ship_checkpoints.py                 # every entry, default steps
    python benchmarks/ship_checkpoints.py ring-gan grid-gan --out /tmp/ckpts
    python benchmarks/ship_checkpoints.py cgan-mnist --train '{"loss": "bce"}' --out /tmp/try   # a variant

Each checkpoint's JSON records the data source, steps, seed, training wall time, the
metrics of ``python -m gan_explorer eval`` and the weights' sha256. Prints a table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

# runnable as `python benchmarks/ship_checkpoints.py` from a checkout, without installing the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gan_explorer import data, zoo  # noqa: E402
from gan_explorer.checkpoints import save_checkpoint  # noqa: E402
from gan_explorer.metrics import evaluate_model  # noqa: E402
from gan_explorer.training.trainer import Trainer  # noqa: E402

# the figures that make the table; the JSON keeps everything evaluate_model returns
HEADLINE = ("inception_score", "frechet_distance", "classes_covered", "kl_to_uniform", "requested_class_accuracy",
            "modes_captured", "high_quality_fraction")


def ship(name: str, out_dir: Path, model_overrides: dict | None = None, train_overrides: dict | None = None) -> dict:
    e = zoo.entry(name)
    cfg = e.train.replace(**(train_overrides or {}))
    torch.manual_seed(cfg.seed)
    dataset = data.load(e.dataset, "train")
    trainer = Trainer(zoo.create(name, **(model_overrides or {})), cfg, dataset, device="cpu", entry=name,
                      dataset=e.dataset)
    start = time.perf_counter()
    trainer.run(cfg.steps)
    wall = time.perf_counter() - start
    model = trainer.sampling_model.eval()
    metrics = evaluate_model(model, name)
    save_checkpoint(out_dir / name, model, entry=name, config=model.config.to_dict(), step=trainer.step_count,
                    dataset=e.dataset, metrics=metrics,
                    extra={"train": cfg.to_dict(), "data_source": dataset.source, "wall_time_s": round(wall, 1),
                           "device": "cpu", "torch_threads": torch.get_num_threads()})
    return {"entry": name, "steps": trainer.step_count, "wall_s": round(wall, 1),
            **{k: metrics[k] for k in HEADLINE if k in metrics}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("entries", nargs="*", help="default: every zoo entry")
    parser.add_argument("--out", type=Path, default=zoo.CHECKPOINT_DIR)
    parser.add_argument("--model", type=json.loads, default={}, help="ModelConfig overrides (JSON), to try a variant")
    parser.add_argument("--train", type=json.loads, default={}, help="TrainConfig overrides (JSON), to try a variant")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.entries or zoo.list():
        print(json.dumps(ship(name, args.out, args.model, args.train)), flush=True)


if __name__ == "__main__":
    main()
