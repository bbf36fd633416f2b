"""Recipes against mode collapse: PacGAN packing of D's inputs and annealed instance noise."""

from __future__ import annotations

import pytest
import torch

from gan_explorer import data, losses, zoo
from gan_explorer.config import ModelConfig
from gan_explorer.models import build_model
from gan_explorer.training.step import instance_noise_std
from gan_explorer.training.trainer import Trainer


def test_a_packed_discriminator_scores_each_group_of_consecutive_samples():
    torch.manual_seed(0)
    model = zoo.create("grid-gan", pack=3)
    x = torch.randn(12, 2)
    logits = model.discriminate(x)
    assert logits.shape == (4,)
    assert model.discriminator.net[0].in_features == 3 * 2
    # the second group's logit is the net applied to its three samples laid side by side
    # (a batched and a single-row matmul may round differently, hence the tolerance)
    assert torch.allclose(logits[1], model.discriminator.net(x[3:6].reshape(1, 6)).squeeze(), atol=1e-5)
    # order within a pack matters: D sees one 6-number input, not three independent points
    assert not torch.allclose(logits[0], model.discriminate(x[[2, 1, 0]]))


def test_a_packed_conv_discriminator_stacks_images_along_channels():
    torch.manual_seed(0)
    model = build_model(ModelConfig(family="dcgan", data_shape=(3, 28, 28), base_channels=8, pack=2)).eval()
    x = torch.rand(6, 3, 28, 28) * 2 - 1
    logits = model.discriminate(x)
    assert logits.shape == (3,)
    assert model.discriminator.net[0].in_channels == 2 * 3
    assert torch.allclose(logits[1], model.discriminate(x[2:4])[0], atol=1e-5)
    assert not torch.allclose(logits[0], model.discriminate(x[[1, 0]])[0])  # D sees a pair, in order


def test_a_packed_conv_gan_trains_a_step():
    torch.manual_seed(0)
    model = build_model(ModelConfig(family="dcgan", data_shape=(1, 28, 28), base_channels=8, latent_dim=8, pack=2))
    trainer = Trainer(model, zoo.entry("dcgan-mnist").train.replace(batch_size=8, precision="fp32"),
                      data.load("mnist", "train"), dataset="mnist")
    logs = trainer.step()
    assert all(torch.isfinite(torch.tensor(v)) for v in logs.values() if isinstance(v, float))


def test_packing_refuses_batches_it_cannot_split_and_projection():
    with pytest.raises(ValueError, match="divisible by 4"):
        zoo.create("ring-gan", pack=4).discriminate(torch.randn(6, 2))
    with pytest.raises(ValueError, match="divisible by 2"):
        build_model(ModelConfig(family="dcgan", base_channels=8, pack=2)).discriminate(torch.randn(3, 1, 28, 28))
    with pytest.raises(ValueError, match="projection"):
        build_model(ModelConfig(family="dcgan", base_channels=8, pack=2, num_classes=10,
                                d_conditioning="projection"))
    with pytest.raises(ValueError, match="pack ≥ 1"):
        zoo.create("ring-gan", pack=0)


def test_gradient_penalty_takes_one_gradient_per_pack():
    # a linear critic on packs of 2: its gradient at any point of the 4-number pack space is w,
    # so the penalty is exactly (‖w‖ − 1)², not the per-sample norm of half of w
    w = torch.tensor([0.6, 0.0, 0.0, 0.8]) * 2
    critic = lambda x: x.reshape(-1, 4) @ w  # noqa: E731
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    penalty = losses.gradient_penalty(critic, real, fake, torch.Generator().manual_seed(0), pack=2)
    assert penalty.item() == pytest.approx((2.0 - 1) ** 2, abs=1e-6)


@pytest.mark.parametrize("loss", ["bce", "wgan-gp"])
def test_a_packed_gan_takes_real_training_steps(loss):
    torch.manual_seed(0)
    e = zoo.entry("ring-gan")
    model = zoo.create("ring-gan", pack=2)
    trainer = Trainer(model, e.train.replace(loss=loss, batch_size=16), data.load("ring", "train"))
    before = [p.clone() for p in model.parameters()]
    for _ in range(3):
        metrics = trainer.step()
    assert all(torch.isfinite(torch.tensor(v)) for v in metrics.values())
    unchanged = [a for a, b in zip(before, model.parameters()) if torch.equal(a, b)]
    # a Wasserstein critic's last bias takes no gradient (it cancels between real and fake)
    assert len(unchanged) <= (1 if loss == "wgan-gp" else 0)
    assert model.sample(5, seed=1).shape == (5, 2)  # sampling never goes through D, so any count works


def test_instance_noise_shrinks_linearly_to_zero():
    cfg = zoo.entry("grid-gan").train.replace(instance_noise=0.8, instance_noise_steps=100, steps=400)
    assert [instance_noise_std(cfg, s) for s in (0, 50, 100, 300)] == pytest.approx([0.8, 0.4, 0.0, 0.0])
    assert instance_noise_std(cfg.replace(instance_noise_steps=0), 200) == pytest.approx(0.4)  # span = steps
    assert instance_noise_std(cfg.replace(instance_noise=0.0), 0) == 0.0


def test_instance_noise_reaches_d_and_training_stays_finite():
    e = zoo.entry("grid-gan")

    def d_output_after_one_step(noise: float) -> dict:
        torch.manual_seed(0)
        cfg = e.train.replace(batch_size=32, instance_noise=noise, instance_noise_steps=10)
        return Trainer(zoo.create("grid-gan"), cfg, data.load("grid", "train")).step()

    clean, noisy = d_output_after_one_step(0.0), d_output_after_one_step(2.0)
    assert "instance_noise" not in clean and noisy["instance_noise"] == pytest.approx(2.0)
    assert noisy["d_real"] != clean["d_real"]  # D judged noisy inputs
    assert all(torch.isfinite(torch.tensor(v)) for v in noisy.values())
