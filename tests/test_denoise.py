"""The denoiser: noise models, the residual network, tiled inference, training steps, the shipped weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_explorer import denoise, zoo
from gan_explorer.__main__ import main
from gan_explorer.checkpoints import load_checkpoint, save_checkpoint
from gan_explorer.config import DenoiserConfig
from gan_explorer.data.natural import HELD_OUT_IMAGES, OTHER_TRAIN_PHOTOS, TRAIN_IMAGES, natural_images, rescaled
from gan_explorer.data.noise import NOISE_MODELS, add_noise
from gan_explorer.metrics.denoising import heldout_gain
from gan_explorer.models.denoiser import Critic, ResidualDenoiser, grow
from gan_explorer.training import denoiser as training
from gan_explorer.training.precision import bf16_is_fast


def _random_net(channels: int = 8, blocks: int = 2, norm: str = "none") -> ResidualDenoiser:
    torch.manual_seed(0)
    model = ResidualDenoiser(DenoiserConfig(channels=channels, blocks=blocks, norm=norm))
    for p in model.parameters():  # a non-trivial function (the fresh tail is zero: the identity)
        torch.nn.init.normal_(p, 0, 0.2)
    return model.eval()


def test_held_out_images_are_never_trained_on():
    train = natural_images("train")
    assert set(train) == set(TRAIN_IMAGES) | {name for _, _, name in OTHER_TRAIN_PHOTOS}
    assert not set(HELD_OUT_IMAGES) & set(train)
    assert set(natural_images("test")) == set(HELD_OUT_IMAGES)
    test_pixels = {im.tobytes() for im in natural_images("test").values()}
    assert not test_pixels & {im.tobytes() for im in train.values()}  # not the same photo under another name
    assert all(im.dtype == np.float32 and 0 <= im.min() and im.max() <= 1 for im in train.values())


def test_patch_sampler_area_cap_keeps_one_huge_image_from_crowding_out_the_rest():
    huge, small = np.zeros((1024, 1024), np.float32), np.ones((256, 256), np.float32)
    rng = torch.Generator().manual_seed(0)
    uncapped = training.PatchSampler([huge, small], 32).sample(2000, rng)
    capped = training.PatchSampler([huge, small], 32, area_cap=256 * 256).sample(2000, rng)
    assert abs(uncapped.mean().item() - 1 / 17) < 0.02  # in proportion to area: 1 patch in 17 is the small one
    assert abs(capped.mean().item() - 1 / 2) < 0.04  # capped at the small one's area: half and half


def test_gaussian_noise_has_the_requested_sigma_and_no_bias():
    clean = np.full((256, 256), 0.5, np.float32)
    noisy = add_noise(clean, "gaussian", 25, seed=1)
    assert abs((noisy - clean).std() * 255 - 25) < 0.5
    assert abs((noisy - clean).mean()) < 0.003
    assert np.array_equal(noisy, add_noise(clean, "gaussian", 25, seed=1))  # seeded
    assert not np.array_equal(noisy, add_noise(clean, "gaussian", 25, seed=2))


def test_poisson_speckle_and_salt_pepper_statistics():
    clean = np.full((256, 256), 0.5, np.float32)
    poisson = add_noise(clean, "poisson", 40, seed=0)  # counts ~ Poisson(20): variance 20 / 40²
    assert abs(poisson.mean() - 0.5) < 0.005
    assert abs(poisson.var() - 20 / 40**2) < 0.1 * 20 / 40**2
    speckle = add_noise(clean, "speckle", 0.2, seed=0)  # std proportional to the signal: 0.5 · 0.2
    assert abs(speckle.std() - 0.1) < 0.005
    dark = add_noise(np.full((64, 64), 0.0, np.float32), "speckle", 0.2, seed=0)
    assert np.all(dark == 0)  # multiplicative: black stays black
    sp = add_noise(clean, "salt-pepper", 0.1, seed=0)
    hit = sp != 0.5
    assert abs(hit.mean() - 0.1) < 0.01
    assert set(np.unique(sp[hit])) == {0.0, 1.0}


def test_colour_channels_get_independent_noise_and_bad_strengths_are_refused():
    colour = add_noise(np.full((64, 64, 3), 0.5, np.float32), "gaussian", 30, seed=0)
    assert colour.shape == (64, 64, 3)
    assert not np.array_equal(colour[..., 0], colour[..., 1])
    with pytest.raises(ValueError, match="strength"):
        add_noise(np.zeros((16, 16), np.float32), "gaussian", 500)
    with pytest.raises(ValueError, match="unknown noise"):
        add_noise(np.zeros((16, 16), np.float32), "pink", 5)


def test_generator_is_residual_and_keeps_any_shape():
    fresh = ResidualDenoiser(DenoiserConfig(channels=8, blocks=1)).eval()
    x = torch.rand(2, 1, 33, 47)  # odd sides
    assert torch.equal(fresh(x), x)  # the zero-initialised tail: output = 0 + x
    assert _random_net()(x).shape == x.shape
    assert Critic(DenoiserConfig(critic_channels=8))(torch.rand(3, 1, 64, 64)).shape == (3,)


@pytest.mark.parametrize(("shape", "norm"), [((301, 333), "none"), ((200, 260, 3), "none"),
                                             ((301, 333), "instance")])
def test_tiled_inference_equals_whole_image_inference(shape, norm):
    model = _random_net(norm=norm)
    image = np.random.default_rng(0).random(shape).astype(np.float32)
    planes = torch.from_numpy(image if image.ndim == 2 else np.moveaxis(image, -1, 0).copy())
    with torch.no_grad():
        whole = model(planes.reshape(-1, 1, *shape[:2]))[:, 0].clamp(0, 1).numpy()
    whole = whole[0] if image.ndim == 2 else np.moveaxis(whole, 0, -1)
    calls = []
    tiled = denoise.run_tiled(model, image, tile=128, overlap=48, margin=24,
                              progress=lambda done, total: calls.append((done, total)))
    assert tiled.shape == image.shape
    assert float(np.abs(tiled - whole).max()) < 1e-4
    assert len(calls) > 4 and calls[-1][0] == calls[-1][1]


@pytest.mark.parametrize("norm", ["none", "instance"])
def test_grown_denoiser_starts_as_the_shallower_one_and_can_learn(norm):
    shallow = _random_net(norm=norm).eval()
    deep = grow(ResidualDenoiser(shallow.config.replace(blocks=shallow.config.blocks + 2)), shallow).eval()
    x = torch.rand(2, 1, 40, 36)
    with torch.no_grad():
        assert torch.allclose(deep(x), shallow(x), atol=1e-6)
    deep.train()
    deep(x).square().mean().backward()  # the new blocks' zeroed convolutions still get gradients
    assert deep.blocks[-1].body[3].weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="cannot grow"):
        grow(ResidualDenoiser(shallow.config.replace(channels=16, blocks=9)), shallow)


def test_cli_fine_tuning_grows_a_shallower_checkpoint_of_the_entry(tmp_path):
    shallow = ResidualDenoiser(zoo.denoiser_entry("denoise-gaussian").model.replace(blocks=6))
    with torch.no_grad():
        shallow.tail.weight.normal_(0, 0.01)  # not the identity, so "starts as the checkpoint" is a real check
    save_checkpoint(tmp_path / "six", shallow.eval(), entry="denoise-gaussian", config=shallow.config.to_dict(),
                    step=1, dataset="natural-patches", metrics={})
    main(["train", "denoise-gaussian", "--steps", "1", "--batch-size", "2", "--lr-g", "1e-9", "--init-from",
          str(tmp_path / "six"), "--out", str(tmp_path / "eight")])
    meta, weights = load_checkpoint(tmp_path / "eight")
    assert meta["config"]["blocks"] == 8 and "blocks.7.body.3.weight" in weights
    x = torch.rand(1, 1, 32, 32)
    grown = zoo.load_denoiser("denoise-gaussian", pretrained=False)
    grown.load_state_dict(weights)
    with torch.no_grad():
        assert torch.allclose(grown(x), shallow(x), atol=1e-4)


def test_denoise_refuses_values_outside_the_unit_range():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        denoise.denoise(np.full((16, 16), 2.0))
    with pytest.raises(ValueError, match="preset"):
        denoise.denoise(np.zeros((16, 16)), preset="sharpest")


@pytest.mark.parametrize("shape", [(30, 44), (30, 44, 3)])
def test_every_ensemble_view_is_undone_exactly(shape):
    image = np.random.default_rng(1).random(shape).astype(np.float32)
    for turns, mirror in denoise.ENSEMBLE_VIEWS:
        view = denoise._view(image, turns, mirror)
        assert view.shape[:2] == (shape[:2] if turns % 2 == 0 else shape[1::-1])
        np.testing.assert_array_equal(denoise._unview(view, turns, mirror), image)
    assert len(set(denoise.ENSEMBLE_VIEWS)) == 8  # the 8 symmetries of the square, each once


def test_self_ensemble_averages_views_and_reports_progress_over_all_passes():
    image = np.random.default_rng(2).random((40, 52)).astype(np.float32)
    calls = []
    four = denoise.denoise(image, ensemble=4, progress=lambda done, total: calls.append((done, total)))
    assert four.shape == image.shape and np.isfinite(four).all()
    assert calls[-1] == (4, 4) and [done for done, _ in calls] == [1, 2, 3, 4]  # one tile a pass
    with pytest.raises(ValueError, match="ensemble"):
        denoise.denoise(image, ensemble=3)


@pytest.mark.parametrize("adv_weight", [0.0, 0.01])
def test_training_steps_lower_the_content_loss(adv_weight):
    cfg = zoo.denoiser_entry("denoise-gaussian").train.replace(batch_size=4, patch=32, adv_weight=adv_weight,
                                                               init_from="", lr_g=1e-3)
    t = training.setup("denoise-gaussian", cfg)
    sampler = training.PatchSampler(list(natural_images("train").values()), cfg.patch)
    fixed = training.make_batch(sampler, cfg, torch.Generator().manual_seed(5))
    first = [training.train_step(t, *fixed) for _ in range(12)]
    assert ("d_loss" in first[0]) == (adv_weight > 0)
    assert first[-1]["content"] < first[0]["content"]
    assert all(np.isfinite(v) for logs in first for v in logs.values())


def test_unknown_norm_schedule_and_precision_are_refused():
    with pytest.raises(ValueError, match="norm"):
        ResidualDenoiser(DenoiserConfig(norm="batch"))
    base = zoo.denoiser_entry("denoise-gaussian").train
    with pytest.raises(ValueError, match="lr_schedule"):
        training.setup("denoise-gaussian", base.replace(lr_schedule="step"))
    with pytest.raises(ValueError, match="precision"):
        training.setup("denoise-gaussian", base.replace(precision="fp8"))


def test_cosine_schedule_falls_to_zero_at_the_last_step():
    cfg = zoo.denoiser_entry("denoise-gaussian").train.replace(steps=4, batch_size=2, patch=32, lr_schedule="cosine",
                                                               precision="fp32")
    t = training.setup("denoise-gaussian", cfg)
    sampler = training.PatchSampler(list(natural_images("train").values()), cfg.patch)
    rates = []
    for _ in range(cfg.steps):
        rates.append(t.opt_g.param_groups[0]["lr"])
        training.train_step(t, *training.make_batch(sampler, cfg, t.rng))
    assert rates[0] == pytest.approx(cfg.lr_g)
    assert rates == sorted(rates, reverse=True) and rates[-1] < cfg.lr_g
    assert t.opt_g.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.skipif(not bf16_is_fast("cpu"), reason="this CPU has no bf16 units")
def test_bf16_forward_trains_like_fp32():
    torch.manual_seed(0)
    base = zoo.denoiser_entry("denoise-gaussian").train.replace(batch_size=4, patch=32, lr_g=1e-3,
                                                                lr_schedule="constant")
    sampler = training.PatchSampler(list(natural_images("train").values()), base.patch)
    fixed = training.make_batch(sampler, base, torch.Generator().manual_seed(5))
    final = {}
    for precision in ("bf16", "fp32"):
        t = training.setup("denoise-gaussian", base.replace(precision=precision))
        assert (t.forward_dtype == torch.bfloat16) == (precision == "bf16")
        logs = [training.train_step(t, *fixed) for _ in range(12)]
        assert logs[-1]["content"] < logs[0]["content"]
        final[precision] = logs[-1]["content"]
        assert all(p.dtype == torch.float32 for p in t.generator.parameters())  # weights stay fp32
    assert final["bf16"] == pytest.approx(final["fp32"], rel=0.25)


def test_training_writes_a_checkpoint_that_loads(tmp_path):
    _, record = training.train("denoise-speckle", steps=2, batch_size=2, patch=32, out=tmp_path / "dn")
    meta = load_checkpoint(tmp_path / "dn", ResidualDenoiser(DenoiserConfig()),
                               expected_entry="denoise-speckle")[0]
    assert meta["step"] == 2 and meta["wall_time_s"] >= 0 and meta["sha256"]
    assert "heldout_default" in record["metrics"]


def test_cli_fine_tunes_a_checkpoint_on_rescaled_photos(tmp_path, capsys):
    main(["train", "denoise-speckle", "--steps", "2", "--batch-size", "2", "--out", str(tmp_path / "a")])
    start = load_checkpoint(tmp_path / "a")[1]
    main(["train", "denoise-speckle", "--steps", "1", "--batch-size", "2", "--lr-g", "1e-6", "--init-from",
          str(tmp_path / "a"), "--scales", "1", "0.5", "--patch", "48", "--out", str(tmp_path / "b")])
    meta, tuned = load_checkpoint(tmp_path / "b")
    assert meta["train"]["init_from"] == str(tmp_path / "a") and meta["train"]["scales"] == [1.0, 0.5]
    assert meta["train"]["patch"] == 48
    assert meta["train"]["lr_g"] == 1e-6
    # one step at a tiny learning rate: the weights started from the checkpoint's, not from fresh ones
    assert all(torch.allclose(tuned[k], start[k], atol=1e-4) for k in start)
    capsys.readouterr()
    # another entry's weights are refused by name; GANs have no --init-from / --scales
    assert main(["train", "denoise-gaussian", "--steps", "1", "--init-from", str(tmp_path / "a"), "--out",
                 str(tmp_path / "c")]) != 0
    assert "is for 'denoise-speckle', not 'denoise-gaussian'" in capsys.readouterr().err
    assert main(["train", "ring-gan", "--steps", "1", "--scales", "1", "0.5", "--out", str(tmp_path / "d")]) != 0
    assert "for denoiser entries" in capsys.readouterr().err
    assert not list(tmp_path.glob("[cd].*"))


def test_rescaled_adds_each_photo_at_each_scale_in_range():
    photo = np.linspace(0, 1, 200 * 300, dtype=np.float32).reshape(200, 300)
    out = rescaled([photo], (1.0, 0.75, 0.5))
    assert [im.shape for im in out] == [(200, 300), (150, 225), (100, 150)]
    assert out[0] is photo and all(im.dtype == np.float32 and 0 <= im.min() and im.max() <= 1 for im in out)
    assert abs(out[2].mean() - photo.mean()) < 0.01
    with pytest.raises(ValueError, match="scales"):
        rescaled([photo], (1.5,))


SHIPPED = [n for n in zoo.denoisers() if zoo.denoiser_entry(n).checkpoint.with_suffix(".safetensors").exists()]


@pytest.mark.skipif("denoise-gaussian" not in SHIPPED, reason="the gaussian denoiser is not shipped yet")
def test_shipped_gaussian_denoiser_gains_5_db_at_sigma_25_on_held_out_patches():
    # measured here, never read from the manifest (issue 6 floor)
    gain = heldout_gain(zoo.load_denoiser("denoise-gaussian"), "gaussian", 25.0, n=24, patch=96, seed=123)
    assert gain["gain_db"] >= 5.0, gain


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_denoiser_loads_small_and_improves_its_noise(name):
    e = zoo.denoiser_entry(name)
    assert e.checkpoint.with_suffix(".safetensors").stat().st_size <= 10 * 2**20
    model = zoo.load_denoiser(name)
    assert model.pretrained
    gain = heldout_gain(model, e.train.noise, NOISE_MODELS[e.train.noise].default, n=8, patch=64, seed=7)
    assert gain["gain_db"] > 1.0, gain
