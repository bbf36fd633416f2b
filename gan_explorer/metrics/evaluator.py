"""The MNIST evaluator: a small LeNet-style classifier whose outputs define the image metrics.

Its softmax gives the classifier Inception Score, the class histogram and the
requested-class accuracy; its penultimate layer gives the feature space of the
Fréchet distance. It is trained once on the held-in split by
``benchmarks/train_evaluator.py`` and ships in ``checkpoints/evaluator-mnist``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import torch
from torch import nn

from gan_explorer import zoo
from gan_explorer.checkpoints import load_checkpoint, read_metadata

ENTRY = "evaluator-mnist"
NUM_CLASSES = 10
FEATURE_DIM = 128
BATCH = 2048  # images per forward pass: large enough to keep the BLAS busy, small enough for any laptop


class LeNet(nn.Module):
    """conv-pool-conv-pool-fc: 1×28×28 → 128 features → 10 logits.

    Channels are kept small (16, 32) because the metrics classify tens of thousands
    of images (Stacked MNIST: 3 × 26,000) on a CPU; accuracy comes from augmentation.
    """

    def __init__(self, channels: tuple[int, int] = (16, 32), feature_dim: int = FEATURE_DIM, dropout: float = 0.3):
        super().__init__()
        c1, c2 = channels
        self.body = nn.Sequential(
            nn.Conv2d(1, c1, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),  # c1×14×14
            nn.Conv2d(c1, c2, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),  # c2×7×7
            nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(c2 * 7 * 7, feature_dim), nn.ReLU(),  # feature_dim: the Fréchet feature space
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(feature_dim, NUM_CLASSES))
        self.config = {"family": "lenet", "channels": [c1, c2], "feature_dim": feature_dim, "dropout": dropout}

    @classmethod
    def from_config(cls, config: dict) -> LeNet:
        return cls(tuple(config["channels"]), config["feature_dim"], config.get("dropout", 0.0))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x * 2 - 1)  # centre [0, 1] pixels so the first layer starts well conditioned

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class Evaluator:
    """A trained LeNet in eval mode with batched, gradient-free helpers.

    Inputs are images N×1×28×28 in [0, 1] on any device; outputs land on the evaluator's device.
    """

    def __init__(self, net: LeNet, metadata: dict | None = None):
        self.net = net.eval()
        self.metadata = metadata or {}

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    def _batched(self, images: torch.Tensor, fn) -> torch.Tensor:
        images = _check_images(images)
        outs = [fn(images[i : i + BATCH].to(self.device, torch.float32)) for i in range(0, len(images), BATCH)]
        return torch.cat(outs) if outs else torch.empty(0)

    @torch.no_grad()
    def logits(self, images: torch.Tensor) -> torch.Tensor:
        return self._batched(images, self.net)

    @torch.no_grad()
    def probabilities(self, images: torch.Tensor) -> torch.Tensor:
        """N×10 class probabilities."""
        return self.logits(images).softmax(dim=1)

    @torch.no_grad()
    def features(self, images: torch.Tensor) -> torch.Tensor:
        """N×128 penultimate activations (the Fréchet distance's feature space)."""
        return self._batched(images, self.net.features)

    @torch.no_grad()
    def probabilities_and_features(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both in one pass, for callers that need both (half the cost of two calls)."""
        feats = self._batched(images, self.net.features)
        return self.net.head(feats).softmax(dim=1), feats

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> torch.Tensor:
        return self.logits(images).argmax(dim=1)


def _check_images(images: torch.Tensor) -> torch.Tensor:
    if images.dim() == 3:
        images = images.unsqueeze(1)
    if images.dim() != 4 or tuple(images.shape[1:]) != (1, 28, 28):
        raise ValueError(f"the MNIST evaluator takes N×1×28×28 images in [0, 1], got {tuple(images.shape)}")
    return images


def checkpoint_stem() -> Path:
    """Where the evaluator ships: beside the zoo's checkpoints (GAN_EXPLORER_CHECKPOINTS moves both)."""
    return zoo.CHECKPOINT_DIR / ENTRY


_CACHE: dict[str, Evaluator] = {}
_LOCK = threading.Lock()


def load_evaluator(device: str | torch.device = "cpu") -> Evaluator:
    """The shipped evaluator on ``device``, loaded once per device and shared (read-only) by all callers."""
    key = str(torch.device(device))
    with _LOCK:
        if key not in _CACHE:
            stem = checkpoint_stem()
            # the network is rebuilt from the JSON config alone, as every model in the zoo is
            net = LeNet.from_config(read_metadata(stem)["config"])
            metadata, _ = load_checkpoint(stem, net, expected_entry=ENTRY)
            _CACHE[key] = Evaluator(net.to(device), metadata)
        return _CACHE[key]
