"""Measure the CycleGAN photo ↔ sketch translator on held-out photos it never saw.

    python benchmarks/cyclegan.py                                   # the shipped checkpoint
    python benchmarks/cyclegan.py --checkpoint runs/cyclegan-photo-sketch
    python benchmarks/cyclegan.py --picture docs/samples/cyclegan-photo-sketch.png

Training was unpaired, but each held-out photo (scikit-image's camera, brick, cell) has its true
sketch, so photo → sketch is scored against it: edge F1 (1-pixel tolerance), PSNR and SSIM, beside
two baselines measured in the same run: a blank white page and the photo itself. The cycle
reconstructions A→B→A and B→A→B are reported as PSNR. Prints one JSON object.

To (re)train the shipped checkpoint on one CPU thread:

    OMP_NUM_THREADS=1 python -m gan_explorer train cyclegan-photo-sketch --out checkpoints/cyclegan-photo-sketch
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

# runnable as `python benchmarks/cyclegan.py` from a checkout, without installing the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gan_explorer import zoo  # noqa: E402
from gan_explorer.checkpoints import load_checkpoint, read_metadata  # noqa: E402
from gan_explorer.config import CycleGANConfig  # noqa: E402
from gan_explorer.data.unpaired import load_unpaired  # noqa: E402
from gan_explorer.metrics.translation import evaluate_translation  # noqa: E402
from gan_explorer.models.cyclegan import CycleGAN  # noqa: E402

ENTRY = "cyclegan-photo-sketch"


def write_picture(model: CycleGAN, held_out, path: Path) -> None:
    rows = [torch.cat([a, model.translate(a[None], "a2b")[0], b, model.translate(b[None], "b2a")[0]], dim=2)
            for a, b in zip(held_out.a, held_out.b, strict=True)]
    width = max(row.shape[2] for row in rows)
    rows = [torch.nn.functional.pad(row, (0, width - row.shape[2]), value=1.0) for row in rows]
    grid = (torch.cat(rows, dim=1)[0].numpy() * 255 + 0.5).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=zoo.translation_entry(ENTRY).checkpoint)
    parser.add_argument("--picture", type=Path, help="also write a PNG: each held-out row is photo | photo→sketch "
                        "| true sketch | sketch→photo")
    args = parser.parse_args()
    torch.set_num_threads(1)
    meta = read_metadata(args.checkpoint)
    model = CycleGAN(CycleGANConfig.from_dict(meta["config"]))
    load_checkpoint(args.checkpoint, model, expected_entry=ENTRY)
    held_out = load_unpaired("photo-sketch", "test")
    scores = evaluate_translation(model, held_out)
    if args.picture:
        write_picture(model, held_out, args.picture)
    training = {k: meta.get(k) for k in ("step", "wall_time_s", "cpu_time_s", "torch_threads", "data_source")}
    parameters = {"generator_parameters": sum(p.numel() for p in model.g_ab.parameters()),
                  "total_parameters": sum(p.numel() for p in model.parameters())}
    print(json.dumps({"checkpoint": str(args.checkpoint), **scores, "training": training, **parameters}, indent=2))


if __name__ == "__main__":
    main()
