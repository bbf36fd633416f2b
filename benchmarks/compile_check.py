"""Does torch.compile pay for the DCGAN nets on this CPU? Eager against compiled, same run.

    python benchmarks/compile_check.py [--size 64|28] [--threads 1]

One "step" is the forward and backward passes of a GAN update as the trainer runs them (bf16
autocast, channels-last, batch 64): G forward, D on real and fake, D backward, D on the same
fakes, G backward. No optimiser: only the part compilation could speed up. Eager is timed before
and after the compiled networks, in CPU seconds of this process; compiling time is printed apart.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train_throughput import BATCH, model_config  # noqa: E402

from gan_explorer import zoo  # noqa: E402
from gan_explorer.training.precision import use_channels_last  # noqa: E402


def step(generator, discriminator, real: torch.Tensor, latent_dim: int) -> None:
    with torch.autocast("cpu", dtype=torch.bfloat16):
        fake = generator(torch.randn(BATCH, latent_dim))
        d_loss = discriminator(real).float().mean() - discriminator(fake.detach()).float().mean()
    d_loss.backward()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        g_loss = -discriminator(fake).float().mean()
    g_loss.backward()


def cpu_ms_per_step(generator, discriminator, real, latent_dim: int, steps: int) -> float:
    for _ in range(3):
        step(generator, discriminator, real, latent_dim)
    start = time.process_time()
    for _ in range(steps):
        step(generator, discriminator, real, latent_dim)
    return (time.process_time() - start) / steps * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, choices=(64, 28), default=64)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    name, overrides = model_config(args.size)
    model = use_channels_last(zoo.create(name, **overrides))
    real = torch.rand(BATCH, *model.config.data_shape)
    steps = 5 if args.size == 64 else 30
    g, d = model.generator, model.discriminator
    before = cpu_ms_per_step(g, d, real, model.latent_dim, steps)
    start = time.process_time()
    g_compiled, d_compiled = torch.compile(g), torch.compile(d)
    step(g_compiled, d_compiled, real, model.latent_dim)
    compile_s = time.process_time() - start
    compiled = cpu_ms_per_step(g_compiled, d_compiled, real, model.latent_dim, steps)
    after = cpu_ms_per_step(g, d, real, model.latent_dim, steps)
    print(f"{args.size}×{args.size}, {args.threads} thread(s): eager {before:.0f} / {after:.0f} ms per step "
          f"(before / after), compiled {compiled:.0f} ms per step, compiling took {compile_s:.0f} CPU-s")


if __name__ == "__main__":
    main()
