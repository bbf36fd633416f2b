"""Real training steps on CPU: every zoo entry learns, the 1010 GAN converges, resume is exact."""

from __future__ import annotations

import pytest
import torch

from gan_explorer import data, zoo
from gan_explorer.training.step import train_step
from gan_explorer.training.trainer import Trainer, TrainingDiverged


@pytest.mark.parametrize("name", zoo.list())
def test_every_entry_takes_real_steps(name):
    torch.manual_seed(0)
    e = zoo.entry(name)
    model = zoo.create(name)
    trainer = Trainer(model, e.train.replace(batch_size=8, seed=0), data.load(e.dataset, "train"))
    before = {k: v.clone() for k, v in model.state_dict().items() if v.is_floating_point()}
    for _ in range(3):
        metrics = trainer.step()
    assert metrics and all(torch.isfinite(torch.tensor(v)) for v in metrics.values())
    changed = [k for k, v in model.state_dict().items() if k in before and not torch.equal(v, before[k])]
    assert len(changed) >= len(before) // 2, f"{name}: too few tensors changed"
    sample = model.sample(4, seed=1)
    assert sample.shape == (4, *e.model.data_shape)
    if len(e.model.data_shape) == 3:
        assert 0.0 <= float(sample.min()) and float(sample.max()) <= 1.0


def test_pattern1010_learns_the_pattern_and_losses_settle_at_a_quarter():
    e = zoo.entry("pattern1010")
    history = []
    trainer = Trainer(zoo.create("pattern1010"), e.train.replace(seed=0), data.load("pattern1010", "train"),
                      on_event=lambda ev: history.append(ev.data) if ev.kind == "metrics" else None)
    trainer.run(e.train.steps)
    s = trainer.model.sample(500, seed=3)
    in_bands = (s[:, 0] > 0.7) & (s[:, 2] > 0.7) & (s[:, 1] < 0.3) & (s[:, 3] < 0.3)
    assert in_bands.float().mean() > 0.9, s.mean(0)
    late = history[-20:]
    d_loss = sum(h["d_loss"] for h in late) / len(late)
    g_loss = sum(h["g_loss"] for h in late) / len(late)
    assert d_loss == pytest.approx(0.25, abs=0.02)
    assert g_loss == pytest.approx(0.25, abs=0.03)


def _trainer(seed: int = 0) -> Trainer:
    e = zoo.entry("dcgan-mnist")
    cfg = e.train.replace(batch_size=8, seed=seed, log_every=1)
    model = zoo.create("dcgan-mnist", base_channels=8)
    return Trainer(model, cfg, data.load("mnist", "train"), entry="dcgan-mnist", dataset="mnist")


def test_resume_equals_training_straight_through(tmp_path):
    torch.manual_seed(0)
    straight = _trainer()
    for _ in range(6):
        straight.step()

    torch.manual_seed(0)
    first = _trainer()
    for _ in range(3):
        first.step()
    first.save(tmp_path / "ckpt")
    resumed = _trainer(seed=123)  # different seed: everything must come from the checkpoint
    resumed.resume(tmp_path / "ckpt")
    assert resumed.step_count == 3
    for _ in range(3):
        resumed.step()

    for (name, a), b in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=1e-5), name


def test_divergence_rolls_back_and_says_why():
    e = zoo.entry("ring-gan")
    cfg = e.train.replace(batch_size=32, sample_every=5, divergence_threshold=1e-3)
    trainer = Trainer(zoo.create("ring-gan"), cfg, data.load("ring", "train"))
    with pytest.raises(TrainingDiverged, match="diverged at step 1.*rolled back to step 0"):
        trainer.step()
    assert trainer.step_count == 0


def test_wgan_gp_reports_penalty_and_n_critic():
    e = zoo.entry("wgan-gp-mnist")
    model = zoo.create("wgan-gp-mnist", base_channels=8)
    trainer = Trainer(model, e.train.replace(batch_size=4), data.load("mnist", "train"))
    metrics = trainer.step()
    assert metrics["gradient_penalty"] >= 0
    assert {"d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g"} <= metrics.keys()


def test_single_d_or_g_updates_touch_only_that_network():
    e = zoo.entry("ring-gan")
    model = zoo.create("ring-gan")
    trainer = Trainer(model, e.train.replace(batch_size=16), data.load("ring", "train"))
    g_before = [p.clone() for p in model.generator.parameters()]
    d_before = [p.clone() for p in model.discriminator.parameters()]
    assert "g_loss" not in trainer.step("d")
    assert all(torch.equal(a, b) for a, b in zip(g_before, model.generator.parameters()))
    d_after = [p.clone() for p in model.discriminator.parameters()]
    assert "d_loss" not in trainer.step("g")
    assert all(torch.equal(a, b) for a, b in zip(d_after, model.discriminator.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(d_before, d_after))


def test_live_settings_change_learning_rates():
    e = zoo.entry("ring-gan")
    trainer = Trainer(zoo.create("ring-gan"), e.train, data.load("ring", "train"))
    trainer.update_settings(lr_g=1e-5, n_critic=2)
    assert trainer.optimizers.g.param_groups[0]["lr"] == 1e-5
    assert trainer.cfg.n_critic == 2
    with pytest.raises(ValueError, match="cannot change"):
        trainer.update_settings(loss="mse")


def test_train_step_rejects_unknown_mode():
    e = zoo.entry("ring-gan")
    trainer = Trainer(zoo.create("ring-gan"), e.train, data.load("ring", "train"))
    with pytest.raises(ValueError, match="step mode"):
        train_step(trainer.model, trainer.optimizers, trainer.source, trainer.cfg, trainer.generators, "x")
