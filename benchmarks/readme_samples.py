"""Regenerate the README's sample pictures (docs/samples/NAME.png) from the shipped checkpoints.

    python benchmarks/readme_samples.py

Every picture is drawn from fixed seeds, so it changes only when the weights do.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

# runnable as `python benchmarks/readme_samples.py` from a checkout, without installing the package
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gan_explorer import data, visualize, zoo  # noqa: E402

OUT = ROOT / "docs" / "samples"


def picture(name: str):
    model = zoo.load(name)
    e = zoo.entry(name)
    if len(e.model.data_shape) == 3:  # images: an 8 × 4 grid (conditional: each row counts 0…7)
        labels = torch.arange(32) % 8 if model.num_classes else None
        return visualize.image_grid(model.sample(32, labels=labels, seed=0), nrow=8)
    count = 1000 if e.model.data_shape == (2,) else 16
    real = data.load(e.dataset, "test", n=count).x
    return visualize.render(model.sample(count, seed=0), real=real)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in zoo.list():
        if not zoo.entry(name).checkpoint.with_suffix(".safetensors").exists():
            print(f"{name}: no shipped checkpoint, skipped")
            continue
        visualize.save_png(picture(name), OUT / f"{name}.png")
        print(f"wrote {OUT / name}.png")


if __name__ == "__main__":
    main()
