"""The quality levers of the training recipes: DiffAugment, an EMA of G's weights, hinge + spectral norm."""

from __future__ import annotations

import pytest
import torch

from gan_explorer import data, zoo
from gan_explorer.checkpoints import load_checkpoint
from gan_explorer.config import TrainConfig
from gan_explorer.training.augment import cutout, diff_augment, parse_policy, translate
from gan_explorer.training.ema import GeneratorEMA
from gan_explorer.training.trainer import Trainer


def test_translation_moves_each_image_by_at_most_four_pixels_and_keeps_flat_images_flat():
    x = torch.zeros(64, 1, 28, 28)
    x[:, :, 14, 14] = 1.0
    moved = translate(x, torch.Generator().manual_seed(0))
    assert moved.shape == x.shape and torch.equal(moved.sum((1, 2, 3)), torch.ones(64))
    where = moved[:, 0].flatten(1).argmax(1)
    dy, dx = where // 28 - 14, where % 28 - 14
    assert dy.abs().max() <= 4 and dx.abs().max() <= 4
    assert len(set(zip(dy.tolist(), dx.tolist()))) > 10  # each image draws its own shift
    flat = torch.full((4, 3, 28, 28), -1.0)  # a background-only image gains no border from the shift
    assert torch.equal(translate(flat, torch.Generator().manual_seed(1)), flat)


def test_cutout_zeroes_one_square_of_half_the_side():
    erased = cutout(torch.ones(256, 1, 28, 28), torch.Generator().manual_seed(0))
    holes = (erased == 0).flatten(1).sum(1)
    assert holes.max() == 14 * 14 and holes.min() > 0  # a full square inside, smaller over the border
    rows = (erased[:, 0] == 0).any(2).sum(1)
    assert rows.max() == 14


def test_diff_augment_is_differentiable_and_seeded():
    x = torch.randn(8, 1, 28, 28, requires_grad=True)
    a = diff_augment(x, "translation,cutout", torch.Generator().manual_seed(3))
    b = diff_augment(x, "translation,cutout", torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    a.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert parse_policy(" translation, cutout ") == ("translation", "cutout") and parse_policy("") == ()
    with pytest.raises(ValueError, match="unknown augmentation"):
        parse_policy("translation,colour")


def test_ema_follows_the_live_generator_at_its_decay():
    model = zoo.create("dcgan-mnist", base_channels=8)
    ema = GeneratorEMA(model, decay=0.5)
    start = [p.clone() for p in ema.generator.parameters()]
    with torch.no_grad():
        for p in model.generator.parameters():
            p.add_(1.0)
    ema.update(model.generator)  # first update: min(0.5, 2/11) -> weight 1 - 2/11 on the live weights
    for p0, p in zip(start, ema.generator.parameters()):
        assert torch.allclose(p, p0 + 9 / 11, atol=1e-6)
    assert ema.model_view.discriminator is model.discriminator  # only G is averaged
    with pytest.raises(ValueError, match="GANs only"):
        GeneratorEMA(zoo.create("vae-mnist"), 0.9)


def _trainer(seed: int = 0, **train) -> Trainer:
    cfg = TrainConfig(loss="hinge", batch_size=8, seed=seed, ema_decay=0.9, augment="translation,cutout",
                      lr_d=4e-4, **train)
    model = zoo.create("dcgan-mnist", base_channels=8, d_norm="spectral")
    return Trainer(model, cfg, data.load("mnist", "train"), entry="dcgan-mnist", dataset="mnist")


def test_ema_samples_checkpoints_and_resumes(tmp_path):
    torch.manual_seed(0)
    straight = _trainer()
    for _ in range(6):
        metrics = straight.step()
    assert all(torch.isfinite(torch.tensor(v)) for v in metrics.values())
    live, averaged = straight.model.generator.state_dict(), straight.ema.generator.state_dict()
    assert any(not torch.equal(live[k], averaged[k]) for k in live)
    assert torch.equal(straight.fixed_samples(), straight.ema.model_view.generate(straight.fixed_noise))

    torch.manual_seed(0)
    first = _trainer()
    for _ in range(3):
        first.step()
    first.save(tmp_path / "ckpt")
    shipped = zoo.create("dcgan-mnist", base_channels=8, d_norm="spectral")
    load_checkpoint(tmp_path / "ckpt", shipped)  # the weights file holds the average, loadable as a plain GAN
    for k, v in first.ema.generator.state_dict().items():
        assert torch.equal(shipped.generator.state_dict()[k], v), k
    resumed = _trainer(seed=123)
    resumed.resume(tmp_path / "ckpt")
    for _ in range(3):
        resumed.step()
    for (name, a), b in zip(averaged.items(), resumed.ema.generator.state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=1e-5), name


def test_new_fields_round_trip_and_default_to_off():
    cfg = TrainConfig(ema_decay=0.999, augment="translation")
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    plain = Trainer(zoo.create("dcgan-mnist", base_channels=8), TrainConfig(batch_size=4), data.load("mnist", "train"))
    assert plain.ema is None and plain.sampling_model is plain.model


def test_projection_discriminator_scores_depend_on_the_label_and_train():
    torch.manual_seed(0)
    model = zoo.create("cgan-mnist", base_channels=8, d_conditioning="projection", d_norm="spectral")
    x = torch.randn(6, 1, 28, 28)
    a = model.discriminate(x, torch.zeros(6, dtype=torch.long))
    b = model.discriminate(x, torch.full((6,), 7))
    assert a.shape == (6,) and not torch.allclose(a, b)
    assert model.discriminator.net[0].in_channels == 1  # no label planes: the label enters by projection
    cfg = TrainConfig(loss="hinge", batch_size=8, ema_decay=0.9, augment="translation")
    trainer = Trainer(model, cfg, data.load("mnist", "train"))
    before = model.discriminator.embed.parametrizations.weight.original.clone()
    for _ in range(2):
        metrics = trainer.step()
    assert all(torch.isfinite(torch.tensor(v)) for v in metrics.values())
    assert not torch.equal(before, model.discriminator.embed.parametrizations.weight.original)
    with pytest.raises(ValueError, match="d_conditioning"):
        zoo.create("cgan-mnist", d_conditioning="sum")


def test_cosine_schedule_anneals_both_learning_rates_to_zero_at_the_last_step_and_survives_live_changes():
    trainer = _trainer(lr_schedule="cosine", steps=4)
    lrs = []
    for _ in range(5):
        trainer.step()
        lrs.append([group["lr"] for opt in (trainer.optimizers.g, trainer.optimizers.d) for group in opt.param_groups])
    # the rate used by update k is set just before it: full at k = 0, half at k = steps / 2, 0 at k = steps
    assert lrs[0] == pytest.approx([2e-4, 4e-4])
    assert lrs[2] == pytest.approx([1e-4, 2e-4])
    assert lrs[4] == pytest.approx([0.0, 0.0])
    assert lrs[1][0] > lrs[2][0] > lrs[3][0] > 0
    trainer.update_settings(lr_g=1e-3)  # a live change sets the base the schedule scales (0 here, at the end)
    assert trainer.optimizers.g.param_groups[0]["lr"] == pytest.approx(0.0)
    assert trainer.cfg.lr_g == 1e-3
    with pytest.raises(ValueError, match="lr_schedule"):
        _trainer(lr_schedule="exponential")
