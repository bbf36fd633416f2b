"""The speed settings of the training step: bf16 forwards only where they pay, fp32 weights always."""

from __future__ import annotations

import pytest
import torch

from gan_explorer import data, zoo
from gan_explorer.training.precision import autocast_dtype, bf16_is_fast
from gan_explorer.training.trainer import Trainer

CPU = torch.device("cpu")


def test_auto_uses_bf16_for_conv_nets_only_where_the_cpu_has_bf16_units():
    conv, mlp = zoo.create("dcgan-mnist"), zoo.create("pattern1010")
    assert autocast_dtype(mlp, "auto", CPU) is None, "the textbook MLPs keep full precision"
    assert autocast_dtype(conv, "fp32", CPU) is None
    assert autocast_dtype(conv, "auto", CPU) == (torch.bfloat16 if bf16_is_fast("cpu") else None)
    with pytest.raises(ValueError, match="precision"):
        autocast_dtype(conv, "fp16", CPU)


@pytest.mark.parametrize("precision", ["auto", "fp32"])
def test_conv_training_keeps_fp32_weights_and_finite_losses(precision):
    e = zoo.entry("cgan-mnist")
    cfg = e.train.replace(batch_size=16, seed=0, precision=precision)
    trainer = Trainer(zoo.create("cgan-mnist", base_channels=8), cfg, data.load("mnist", "train"))
    for _ in range(3):
        metrics = trainer.step()
    assert all(torch.isfinite(torch.tensor(v)) for v in metrics.values())
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())
    samples = trainer.model.sample(4, seed=0)
    assert samples.dtype == torch.float32 and 0 <= float(samples.min()) <= float(samples.max()) <= 1
