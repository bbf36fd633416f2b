"""Command line: python -m gan_explorer train|sample|eval|pack|list ..."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import torch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_explorer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("list", help="list the zoo's entries")
    p.add_argument("--json", action="store_true", help="print each entry's full description as JSON")

    p = commands.add_parser("train", help="train a zoo entry")
    p.add_argument("entry")
    p.add_argument("--steps", type=int, help="total steps (default: the entry's)")
    p.add_argument("--out", type=Path, help="checkpoint path stem (default: runs/ENTRY)")
    p.add_argument("--resume", action="store_true", help="continue from --out's resume state")
    p.add_argument("--seed", type=int)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr-g", type=float)
    p.add_argument("--lr-d", type=float)
    p.add_argument("--n-critic", type=int)
    p.add_argument("--dataset", help="override the entry's dataset (e.g. a packed .h5 file)")
    p.add_argument("--checkpoint-every", type=int)
    p.add_argument("--precision", choices=("auto", "bf16", "fp32"),
                   help="forward passes in bf16 (auto: conv nets, where the device has bf16 units) or fp32")
    p.add_argument("--tensorboard", type=Path, metavar="DIR", help="also log to TensorBoard (needs the package)")
    p.add_argument("--domain-a", type=Path, metavar="DIR", help="CycleGAN entries: a folder of domain-A images")
    p.add_argument("--domain-b", type=Path, metavar="DIR", help="CycleGAN entries: a folder of domain-B images")
    p.add_argument("--init-from", metavar="STEM",
                   help="denoiser entries: fine-tune from this checkpoint (path stem) instead of fresh weights")
    p.add_argument("--scales", type=float, nargs="+", metavar="S",
                   help="denoiser entries: cut training patches from the photos at these scales too (e.g. 1 0.75 0.5)")
    p.add_argument("--patch", type=int, metavar="PIXELS",
                   help="denoiser entries: side of the square training patches (default: the entry's)")

    p = commands.add_parser("sample", help="write a PNG grid of samples")
    p.add_argument("entry")
    p.add_argument("--checkpoint", type=Path, help="path stem of a checkpoint (default: the shipped one)")
    p.add_argument("-n", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--label", type=int, help="class for conditional models (default: all classes in turn)")
    p.add_argument("--out", type=Path, default=Path("samples.png"))

    p = commands.add_parser("eval", help="measure an entry's quality by its data's protocol (JSON)")
    p.add_argument("entry")
    p.add_argument("--checkpoint", type=Path, help="path stem of a checkpoint (default: the shipped one)")
    p.add_argument("-n", type=int, help="samples (default: the protocol's published count)")
    p.add_argument("--seed", type=int, default=0)

    p = commands.add_parser("pack", help="pack an image folder into HDF5")
    p.add_argument("src", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--size", type=int, default=64)

    args = parser.parse_args(argv)
    from gan_explorer.checkpoints import CheckpointError

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        handlers = {"list": _list, "train": _train, "sample": _sample, "eval": _eval, "pack": _pack}
        return handlers[args.command](args)
    except (KeyError, ValueError, FileNotFoundError, RuntimeError, CheckpointError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _list(args) -> int:
    from gan_explorer import zoo

    for name in zoo.list():
        info = zoo.describe(name)
        if args.json:
            print(json.dumps(info))
        else:
            ready = "pretrained" if info["pretrained_available"] else "fresh"
            print(f"{name:20s} {info['title']:38s} data={info['dataset']:12s} {ready}")
    for name in zoo.denoisers():
        e = zoo.denoiser_entry(name)
        ready = "pretrained" if e.checkpoint.with_suffix(".safetensors").exists() else "fresh"
        if not args.json:
            print(f"{name:28s} {e.title:44s} data={e.dataset} {ready}")
    return 0


def _train(args) -> int:
    from gan_explorer import zoo
    from gan_explorer.training.cli import train_from_cli

    if args.entry in zoo.denoisers():
        from gan_explorer.training.denoiser import train_from_cli as train_denoiser

        return train_denoiser(args)
    if args.init_from is not None or args.scales is not None or args.patch is not None:
        raise ValueError("--init-from, --scales and --patch are for denoiser entries (GANs continue with --resume)")

    if args.entry in zoo.translation_list():
        from gan_explorer.training.cyclegan_cli import train_translation_from_cli

        return train_translation_from_cli(args)

    return train_from_cli(args)


def _model(entry: str, checkpoint: Path | None):
    from gan_explorer import zoo
    from gan_explorer.checkpoints import load_checkpoint, read_metadata
    from gan_explorer.config import ModelConfig
    from gan_explorer.models import build_model

    if checkpoint is None:
        return zoo.load(entry)
    # rebuilt from the checkpoint's own config: it may differ from the entry's (e.g. colour data)
    model = build_model(ModelConfig.from_dict(read_metadata(checkpoint)["config"]))
    load_checkpoint(checkpoint, model, expected_entry=entry)
    return model


def _sample(args) -> int:
    from gan_explorer import visualize

    model = _model(args.entry, args.checkpoint)
    labels = torch.full((args.n,), args.label) if args.label is not None else None
    samples = model.sample(args.n, labels=labels, seed=args.seed)
    visualize.save_png(visualize.render(samples), args.out)
    print(f"wrote {args.n} samples of {args.entry} to {args.out}")
    return 0


def _eval(args) -> int:
    from gan_explorer.metrics import evaluate_model

    model = _model(args.entry, args.checkpoint)
    if args.checkpoint is None and not model.pretrained:
        print(f"note: no shipped checkpoint for {args.entry}: measuring fresh weights", file=sys.stderr)
    print(json.dumps(evaluate_model(model, args.entry, n=args.n, seed=args.seed), indent=2))
    return 0


def _pack(args) -> int:
    from gan_explorer.data import pack_folder

    report = pack_folder(args.src, args.out, size=args.size)
    print(f"packed {report.written} images into {args.out}; skipped {len(report.skipped)}")
    for path, reason in report.skipped[:20]:
        print(f"  skipped {path}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
