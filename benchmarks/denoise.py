"""Denoising benchmark: PSNR / SSIM at σ = 15, 25, 50 against non-local means and BM3D, plus speed.

    python benchmarks/denoise.py                       # the held-out scikit-image photos, grey
    python benchmarks/denoise.py --folder ~/data/BSD68 # any folder of test images (converted to grey)
    python benchmarks/denoise.py --ensembles 1 2 4 8   # the self-ensemble's passes, each a row

Noise: additive Gaussian, σ on the 0–255 scale, seeded, clipped to [0, 1] (as the app adds it and as
the denoiser was trained). Every method sees the same noisy image. Non-local means runs twice: with
scikit-image's own noise estimate (estimate_sigma, what a user without σ gets) and with the true σ.
BM3D (the `bm3d` package, not a requirement of GAN Explorer) gets the true σ; it is skipped with a
message when the package is missing. The denoiser runs once per --ensembles value (flipped / rotated
passes averaged). Timing: one 512 × 512 grey image, every denoiser row and NL-means alternated,
median of --runs runs each, on one torch thread.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gan_explorer import denoise  # noqa: E402
from gan_explorer.data.natural import HELD_OUT_IMAGES, load_grey, natural_images, skimage_data_dir  # noqa: E402
from gan_explorer.data.noise import add_noise  # noqa: E402
from gan_explorer.metrics.denoising import psnr, ssim  # noqa: E402

SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")


def _bm3d():
    try:
        import bm3d
    except ImportError:
        print("BM3D skipped: the bm3d package is not installed (pip install bm3d)")
        return None
    return lambda noisy, sigma: np.clip(bm3d.bm3d(noisy, sigma_psd=sigma), 0, 1).astype(np.float32)


def _label(preset: str, ensemble: int) -> str:
    return f"denoiser ({preset}, {ensemble}×)"


def _denoiser(noisy: np.ndarray, sigma: float | None = None, *, preset: str, ensemble: int) -> np.ndarray:
    return denoise.denoise(noisy, preset=preset, ensemble=ensemble)  # blind: σ is not used


def _images(folder: Path | None) -> dict[str, np.ndarray]:
    if folder is None:
        return natural_images("test")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
    if not files:
        raise SystemExit(f"no images in {folder}")
    return {p.name: load_grey(p) for p in files}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, help="test images (default: the held-out scikit-image photos)")
    parser.add_argument("--sigmas", type=float, nargs="+", default=[15, 25, 50])
    parser.add_argument("--preset", default="fidelity", choices=denoise.PRESETS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ensembles", type=int, nargs="+", default=[1, 4], choices=denoise.ENSEMBLES,
                        help="self-ensemble passes of the denoiser, one row each")
    parser.add_argument("--runs", type=int, default=5, help="timing runs per method")
    args = parser.parse_args()
    torch.set_num_threads(1)

    bm3d = _bm3d()
    denoisers = {_label(args.preset, n): functools.partial(_denoiser, preset=args.preset, ensemble=n)
                 for n in args.ensembles}
    methods = {
        **denoisers,
        "NL-means (σ estimated)": lambda noisy, sigma: denoise.baseline(noisy, "nl-means"),
        "NL-means (true σ)": lambda noisy, sigma: denoise.nl_means(noisy, sigma),
        **({"BM3D (true σ)": bm3d} if bm3d else {}),
    }
    images = _images(args.folder)
    model = denoise.model_for(args.preset, "gaussian")
    source = args.folder or f"held-out scikit-image photos ({', '.join(HELD_OUT_IMAGES)})"
    print(f"images: {len(images)} from {source}; denoiser pretrained: {model.pretrained}")
    results: dict[tuple[float, str], list[tuple[float, float]]] = {}
    for sigma in args.sigmas:
        for k, clean in enumerate(images.values()):
            noisy = add_noise(clean, "gaussian", sigma, seed=args.seed + k)
            results.setdefault((sigma, "noisy input"), []).append((psnr(noisy, clean), ssim(noisy, clean)))
            for method, run in methods.items():
                estimate = run(noisy, sigma / 255.0)
                results.setdefault((sigma, method), []).append((psnr(estimate, clean), ssim(estimate, clean)))

    print("\n| σ | method | PSNR (dB) | SSIM |\n|---|---|---|---|")
    for (sigma, method), scores in results.items():
        p, s = np.mean([x[0] for x in scores]), np.mean([x[1] for x in scores])
        print(f"| {sigma:g} | {method} | {p:.2f} | {s:.4f} |")
    mean_psnr = {key: float(np.mean([x[0] for x in v])) for key, v in results.items()}
    if bm3d and 25 in args.sigmas:
        for label in denoisers:
            gap = mean_psnr[(25, label)] - mean_psnr[(25, "BM3D (true σ)")]
            print(f"σ = 25: {label} − BM3D = {gap:+.2f} dB (goal: ≥ +0.30 dB)")

    camera = load_grey(skimage_data_dir() / "camera.png")  # 512 × 512, held out
    noisy = add_noise(camera, "gaussian", 25, seed=args.seed)
    timed = {**denoisers, "NL-means": lambda noisy: denoise.baseline(noisy, "nl-means")}
    times: dict[str, list[float]] = {name: [] for name in timed}
    denoise.denoise(noisy, preset=args.preset)  # warm-up: first call loads the weights
    for _ in range(args.runs):  # alternated, so a busy moment on the shared machine hits every method
        for name, run in timed.items():
            start = time.perf_counter()
            run(noisy)
            times[name].append(time.perf_counter() - start)
    nlm = statistics.median(times["NL-means"])
    print(f"\n512 × 512 grey, median of {args.runs} (one thread): NL-means {nlm:.3f} s")
    for label in denoisers:
        den = statistics.median(times[label])
        print(f"{label}: {den:.3f} s, {den / nlm:.2f} × NL-means (goal: ≤ 1 s)")


if __name__ == "__main__":
    main()
