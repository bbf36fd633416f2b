"""What every generative model in the zoo offers the app, the CLI and the tests.

Networks work in their own range (tanh images live in [-1, 1]); callers see the
data's natural range (images in [0, 1]). ``sample`` draws its latents on the CPU
from a seeded generator, so a seed gives the same picture on any device.
"""

from __future__ import annotations

import torch
from torch import nn

from gan_explorer.config import ModelConfig


class GenerativeModel(nn.Module):
    config: ModelConfig

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def num_classes(self) -> int:
        return self.config.num_classes

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def _converts_range(self) -> bool:
        # only images have a natural range ([0, 1]) that differs from tanh's
        return len(self.config.data_shape) == 3 and self.config.g_output == "tanh"

    def to_model_range(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2 - 1 if self._converts_range() else x

    def to_natural(self, x: torch.Tensor) -> torch.Tensor:
        return ((x + 1) / 2).clamp(0, 1) if self._converts_range() else x

    def sample_latent(
        self, n: int, generator: torch.Generator | None = None, device: torch.device | str | None = None
    ) -> torch.Tensor:
        device = device or self.device
        shape = (n, self.latent_dim)
        if self.config.latent_distribution == "uniform":
            return torch.rand(shape, generator=generator, device=device)
        return torch.randn(shape, generator=generator, device=device)

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Latents to samples in the network's own range (gradients flow)."""
        raise NotImplementedError

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Latents to samples in the data's natural range, in eval mode.

        Eval mode makes one sample independent of the others in its batch
        (batch norm uses running statistics), so a slider moves one image only.
        """
        z = z.to(self.device, torch.float32)
        if self.num_classes:
            if labels is None:
                raise ValueError(f"this model is conditional: pass labels (0 … {self.num_classes - 1})")
            labels = torch.as_tensor(labels, device=self.device).long().reshape(-1)
            if labels.numel() != z.shape[0]:
                raise ValueError(f"{labels.numel()} labels for {z.shape[0]} latents")
            if labels.min() < 0 or labels.max() >= self.num_classes:
                raise ValueError(f"labels must lie in 0 … {self.num_classes - 1}")
        was_training = self.training
        self.eval()
        try:
            return self.to_natural(self.decode(z, labels)).float()
        finally:
            self.train(was_training)

    def sample(self, n: int, *, labels: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
        """n samples in the natural range; conditional models cycle 0…K-1 unless given labels."""
        generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        z = self.sample_latent(n, generator=generator, device="cpu")
        if self.num_classes and labels is None:
            labels = torch.arange(n) % self.num_classes
        return self.generate(z, labels)
