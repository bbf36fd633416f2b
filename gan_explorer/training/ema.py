"""An exponential moving average of the generator's weights (Karras et al. 2018; Yazıcı et al. 2019).

GAN weights oscillate around a good solution; their running average sits nearer it, so
samples drawn from the averaged generator are cleaner than from the latest weights. The
average is only ever *read*: the optimiser keeps training the live generator.
"""

from __future__ import annotations

import copy

import torch

from gan_explorer.models import GAN


class GeneratorEMA:
    """Holds ``model_view``: a GAN whose generator is the average and whose discriminator is the live one.

    Sampling, evaluation and checkpoints use ``model_view``, so a checkpoint is an ordinary
    GAN checkpoint (loading it needs nothing EMA-specific)."""

    def __init__(self, model: GAN, decay: float):
        if not isinstance(model, GAN):
            raise ValueError("ema_decay applies to GANs only (it averages the generator's weights)")
        if not 0.0 < decay < 1.0:
            raise ValueError(f"ema_decay must lie in (0, 1), got {decay}")
        self.decay = decay
        self.model_view = copy.deepcopy(model)
        self.model_view.discriminator = model.discriminator  # shared, not copied: only G is averaged
        for name, buffer in model.named_buffers(recurse=False):  # a self-conditioned GAN's clusters: one copy
            setattr(self.model_view, name, buffer)
        self.model_view.generator.requires_grad_(False)
        self.updates = 0

    @property
    def generator(self) -> torch.nn.Module:
        return self.model_view.generator

    @torch.no_grad()
    def update(self, live: torch.nn.Module) -> None:
        """Move the average towards the live generator's weights and batch-norm statistics.

        The decay ramps up from 0 as (1 + t) / (10 + t) (TensorFlow's ExponentialMovingAverage
        with num_updates), so the first steps' random weights are forgotten quickly."""
        self.updates += 1
        weight = 1.0 - min(self.decay, (1 + self.updates) / (10 + self.updates))
        torch._foreach_lerp_(_float_tensors(self.generator), _float_tensors(live), weight)
        for mine, theirs in zip(self.generator.buffers(), live.buffers()):
            if not mine.is_floating_point():  # e.g. batch norm's num_batches_tracked
                mine.copy_(theirs)

    def state_dict(self) -> dict:
        return {"generator": self.generator.state_dict(), "updates": self.updates}

    def load_state_dict(self, state: dict) -> None:
        self.generator.load_state_dict(state["generator"])
        self.updates = int(state["updates"])


def _float_tensors(module: torch.nn.Module) -> list[torch.Tensor]:
    # parameters and floating buffers (batch norm running mean / var), in a fixed order
    return [t.data for t in module.parameters()] + [b for b in module.buffers() if b.is_floating_point()]
