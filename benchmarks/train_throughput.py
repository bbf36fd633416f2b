"""Training images per second: the project's trainer against the loop of pytorch/examples' dcgan.

    python benchmarks/train_throughput.py [--size 64|28] [--windows 5] [--steps 6] [--threads 1]

Both train the same DCGAN (64×64: ngf = ndf = 64, nz = 100, three colour channels, as in
pytorch/examples; 28×28: the dcgan-mnist architecture) with batch 64, BCE, Adam 2e-4,
betas (0.5, 0.999). The reference is that example's main.py loop, re-written here: a
DataLoader over torchvision's FakeData (its ``--dataset fake``, default 2 workers, reshuffled
every epoch), a sigmoid + BCELoss on D, D's real and fake terms backpropagated separately,
``.item()`` reads and a log line every step, G's update on the fakes D just saw. (It saves a
sample grid every 100 iterations; that file I/O is left out, in the reference's favour.)
The project side is the real code path: ``Trainer.step`` on an in-memory dataset of the same
size, with every event the trainer emits (metrics, fixed-noise samples).

The two alternate in windows of ``--steps`` steps; each window's rate is images per second of
this process's CPU time (the machine is shared: wall clock would measure the neighbours), and
the reported figures are medians over the windows. The reference's data workers run in other
processes, so their CPU time is not counted: again in the reference's favour.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import torch
import torchvision.datasets as dset
import torchvision.transforms as transforms
from torch import nn

# runnable as `python benchmarks/train_throughput.py` from a checkout, without installing the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textbook import TEXTBOOK_MODEL, TEXTBOOK_TRAIN  # noqa: E402

from gan_explorer import zoo  # noqa: E402
from gan_explorer.data import Dataset  # noqa: E402
from gan_explorer.models import GAN  # noqa: E402
from gan_explorer.training.precision import autocast_dtype  # noqa: E402
from gan_explorer.training.trainer import Trainer  # noqa: E402

BATCH = 64
FAKE_IMAGES = 1000  # FakeData's default size: one epoch is 16 batches


def model_config(size: int) -> tuple[str, dict]:
    if size == 64:  # pytorch/examples' networks: the zoo's DCGAN at 64×64 with its widths
        return "dcgan-faces", {"data_shape": (3, 64, 64), "base_channels": 64, "latent_dim": 100}
    return "dcgan-mnist", TEXTBOOK_MODEL


class ReferenceLoop:
    """pytorch/examples dcgan/main.py's training loop, one iteration per ``step()``."""

    def __init__(self, gan: GAN, dataset: torch.utils.data.Dataset, workers: int):
        self.gan = gan
        self.net_g = gan.generator
        # main.py's D ends in a sigmoid and is trained with BCELoss
        self.net_d = nn.Sequential(gan.discriminator, nn.Sigmoid())
        self.nz = gan.latent_dim
        self.loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=workers)
        self.criterion = nn.BCELoss()
        self.opt_d = torch.optim.Adam(self.net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_g = torch.optim.Adam(self.net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.batches = iter(self.loader)
        self.log = io.StringIO()  # main.py prints a line per iteration; a console would add its own cost

    def _next(self) -> torch.Tensor:
        try:
            return next(self.batches)[0]
        except StopIteration:  # a new epoch: main.py's outer loop re-enters the DataLoader
            self.batches = iter(self.loader)
            return next(self.batches)[0]

    def step(self) -> int:
        # (1) D: maximise log D(x) + log(1 - D(G(z)))
        self.net_d.zero_grad()
        real = self._next()
        n = real.size(0)
        label = torch.full((n,), 1.0)
        output = self.net_d(real).view(-1)
        err_d_real = self.criterion(output, label)
        err_d_real.backward()
        d_x = output.mean().item()
        fake = self.net_g(torch.randn(n, self.nz))
        label.fill_(0.0)
        output = self.net_d(fake.detach()).view(-1)
        err_d_fake = self.criterion(output, label)
        err_d_fake.backward()
        d_g_z1 = output.mean().item()
        err_d = err_d_real + err_d_fake
        self.opt_d.step()
        # (2) G: maximise log D(G(z)) on the same fakes
        self.net_g.zero_grad()
        label.fill_(1.0)
        output = self.net_d(fake).view(-1)
        err_g = self.criterion(output, label)
        err_g.backward()
        d_g_z2 = output.mean().item()
        self.opt_g.step()
        print(f"Loss_D: {err_d.item():.4f} Loss_G: {err_g.item():.4f} D(x): {d_x:.4f} "
              f"D(G(z)): {d_g_z1:.4f} / {d_g_z2:.4f}", file=self.log)
        return n


def fake_data_reference(size: int, workers: int, seed: int) -> ReferenceLoop:
    """main.py with ``--dataset fake``: FakeData images through ToTensor."""
    torch.manual_seed(seed)
    name, overrides = model_config(size)
    gan = zoo.create(name, **overrides)
    dataset = dset.FakeData(size=FAKE_IMAGES, image_size=gan.config.data_shape, transform=transforms.ToTensor())
    return ReferenceLoop(gan, dataset, workers)


class ProjectLoop:
    """The project's Trainer, as the CLI and the app run it."""

    def __init__(self, size: int, seed: int, precision: str):
        name, overrides = model_config(size)
        model = zoo.create(name, **overrides)
        fake = torch.rand((FAKE_IMAGES, *model.config.data_shape), generator=torch.Generator().manual_seed(seed))
        data = Dataset("fake", fake, None, None, "random images")
        cfg = zoo.entry(name).train.replace(batch_size=BATCH, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999),
                                            seed=seed, precision=precision, **TEXTBOOK_TRAIN)
        self.trainer = Trainer(model, cfg, data)

    def step(self) -> int:
        self.trainer.step()
        return BATCH


def images_per_cpu_second(loop, steps: int) -> float:
    start = time.process_time()
    images = sum(loop.step() for _ in range(steps))
    return images / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, choices=(64, 28), default=64)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--steps", type=int, default=6, help="steps per window")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: honest on a shared machine)")
    parser.add_argument("--workers", type=int, default=2, help="the reference's DataLoader workers (main.py: 2)")
    parser.add_argument("--precision", default="auto", help="the project's precision setting: auto | bf16 | fp32")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    reference = fake_data_reference(args.size, args.workers, seed=0)
    project = ProjectLoop(args.size, seed=0, precision=args.precision)
    dtype = autocast_dtype(project.trainer.model, args.precision, torch.device("cpu"))
    print(f"{args.size}×{args.size} DCGAN, batch {BATCH}, {args.threads} torch thread(s), "
          f"project forwards in {dtype or torch.float32}, {args.windows} alternating windows of {args.steps} steps")
    for loop in (reference, project):  # warm-up: first-call allocations, DataLoader workers
        images_per_cpu_second(loop, 2)
    ref_rates, proj_rates, ratios = [], [], []
    for window in range(args.windows):
        ref = images_per_cpu_second(reference, args.steps)
        proj = images_per_cpu_second(project, args.steps)
        ref_rates.append(ref)
        proj_rates.append(proj)
        ratios.append(proj / ref)
        print(f"  window {window + 1}: reference {ref:7.1f} img/s  project {proj:7.1f} img/s  ratio {proj / ref:.2f}",
              flush=True)
    print(f"median: reference {statistics.median(ref_rates):.1f} img/s, project {statistics.median(proj_rates):.1f} "
          f"img/s (per CPU-second), ratio {statistics.median(ratios):.2f}×")


if __name__ == "__main__":
    main()
