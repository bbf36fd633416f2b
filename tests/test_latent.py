"""Latent tools: seeds, interpolation, arithmetic, GANSpace directions."""

from __future__ import annotations

import math

import pytest
import torch

from gan_explorer import latent
from gan_explorer.config import ModelConfig
from gan_explorer.models import build_model

DCGAN = ModelConfig(family="dcgan", data_shape=(1, 28, 28), latent_dim=16, base_channels=8, g_output="tanh")
MLP = ModelConfig(family="mlp", data_shape=(1, 28, 28), latent_dim=10, g_hidden=(32,), d_hidden=(32,))


@pytest.fixture(scope="module")
def dcgan():
    torch.manual_seed(0)
    return build_model(DCGAN).eval()


def test_seed_latent_matches_sample(dcgan):
    z = latent.latent_for_seed(dcgan, 42)
    assert torch.equal(dcgan.generate(z[None]), dcgan.sample(1, seed=42))
    assert torch.equal(z, latent.latent_for_seed(dcgan, 42))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1, 2**40, 1.5, "abc", None])
def test_bad_seeds_are_refused(bad):
    with pytest.raises(ValueError, match="seed"):
        latent.check_seed(bad)


def test_check_seed_accepts_whole_floats():
    assert latent.check_seed(7.0) == 7 and latent.check_seed("12") == 12


def test_lerp_and_slerp_end_points_and_norm():
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(64, generator=gen), torch.randn(64, generator=gen)
    for method in latent.METHODS:
        path = latent.interpolate(a, b, 9, method)
        assert path.shape == (9, 64)
        assert torch.allclose(path[0], a, atol=1e-5) and torch.allclose(path[-1], b, atol=1e-5)
    mid_lerp = latent.interpolate(a, b, 3, "lerp")[1].norm()
    mid_slerp = latent.interpolate(a, b, 3, "slerp")[1].norm()
    # lerp's midpoint falls towards the origin; slerp stays near the end points' norm
    assert mid_lerp < 0.85 * min(a.norm(), b.norm())
    assert mid_slerp > 0.95 * min(a.norm(), b.norm())


def test_slerp_of_parallel_vectors_is_lerp():
    a = torch.ones(4)
    assert torch.allclose(latent.slerp(a, 2 * a, 0.5), 1.5 * a)


def test_interpolate_validates():
    a = torch.zeros(3)
    with pytest.raises(ValueError, match="interpolation"):
        latent.interpolate(a, a, 5, "cubic")
    with pytest.raises(ValueError, match="steps"):
        latent.interpolate(a, a, 1000)


def test_arithmetic():
    a, b, c = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]), torch.tensor([0.5, 0.5])
    assert torch.equal(latent.arithmetic(a, b, c), torch.tensor([3.5, 5.5]))


@pytest.mark.parametrize("config", [DCGAN, MLP], ids=["dcgan", "mlp"])
def test_principal_directions_are_unit_and_ordered(config):
    torch.manual_seed(0)
    model = build_model(config).eval()
    directions = latent.principal_directions(model, k=4, samples=500)
    assert directions.vectors.shape == (4, config.latent_dim)
    assert torch.allclose(directions.vectors.norm(dim=1), torch.ones(4), atol=1e-5)
    explained = directions.explained.tolist()
    assert explained == sorted(explained, reverse=True) and 0 < sum(explained) <= 1 + 1e-6
    # the first direction moves the output more than a random direction of the same length
    z = latent.latent_for_seed(model, 1)
    random_dir = torch.randn(config.latent_dim, generator=torch.Generator().manual_seed(3))
    random_dir /= random_dir.norm()
    base = model.generate(z[None])
    along = (model.generate((z + 2 * directions.vectors[0])[None]) - base).abs().mean()
    across = (model.generate((z + 2 * random_dir)[None]) - base).abs().mean()
    assert along > across


def test_principal_directions_are_reproducible(dcgan):
    first = latent.principal_directions(dcgan, k=3, samples=300)
    torch.manual_seed(123)  # the global stream must not matter
    second = latent.principal_directions(dcgan, k=3, samples=300)
    assert torch.allclose(first.vectors, second.vectors, atol=1e-6)
    largest = first.vectors.gather(1, first.vectors.abs().argmax(dim=1, keepdim=True))
    assert (largest > 0).all(), "signs are fixed so shared links mean the same move"


def test_principal_directions_conditional_and_tiny():
    torch.manual_seed(0)
    cgan = build_model(DCGAN.replace(num_classes=10)).eval()
    assert latent.principal_directions(cgan, k=3, samples=200).vectors.shape == (3, 16)
    tiny = build_model(ModelConfig(family="mlp", data_shape=(4,), latent_dim=1, g_hidden=(3,), d_hidden=(3,)))
    assert latent.principal_directions(tiny, k=5, samples=100).vectors.shape == (1, 1)


def test_compose(dcgan):
    directions = latent.principal_directions(dcgan, k=2, samples=300)
    base = latent.latent_for_seed(dcgan, 0)
    assert torch.equal(latent.compose(base), base)
    z = latent.compose(base, dims=[1.0, -1.0], offsets=[0.0, 0.0], directions=directions)
    assert z[:2].tolist() == [1.0, -1.0] and torch.equal(z[2:], base[2:])
    moved = latent.compose(base, offsets=[1.5], directions=directions)
    assert math.isclose(float((moved - base) @ directions.vectors[0]), 1.5, rel_tol=1e-5)
    with pytest.raises(ValueError, match="finite"):
        latent.compose(base, dims=[float("nan")])
    with pytest.raises(ValueError, match="directions"):
        latent.compose(base, offsets=[1, 2, 3], directions=directions)
    with pytest.raises(ValueError, match="latent values"):
        latent.compose(base, dims=[0.0] * 17)
