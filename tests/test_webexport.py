"""The generator export for the browser: its op list, run in numpy, reproduces torch for every layer kind."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from gan_explorer import webexport
from gan_explorer.config import ModelConfig
from gan_explorer.models import build_model

MNIST = (1, 28, 28)
CONFIGS = {
    "dcgan": ModelConfig(family="dcgan", data_shape=MNIST, latent_dim=16, base_channels=8, g_output="tanh"),
    "cdcgan-16px": ModelConfig(family="dcgan", data_shape=(1, 16, 16), latent_dim=12, base_channels=8,
                               g_output="tanh", num_classes=4),
    "mlp-layer-norm": ModelConfig(family="mlp", data_shape=MNIST, latent_dim=10, g_hidden=(32, 24), d_hidden=(8,),
                                  activation="leaky_relu", norm="layer", g_output="sigmoid", num_classes=3),
    "mlp-batch-norm": ModelConfig(family="mlp", data_shape=(3, 8, 8), latent_dim=6, g_hidden=(20,), d_hidden=(8,),
                                  activation="tanh", norm="batch", g_output="tanh"),
    "vae": ModelConfig(family="vae", data_shape=MNIST, latent_dim=5, g_hidden=(30,), activation="relu",
                       g_output="sigmoid"),
}


def _trained_looking(config: ModelConfig) -> nn.Module:
    """A model with random weights and batch-norm statistics far from their initial 0 / 1."""
    torch.manual_seed(0)
    model = build_model(config)
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.3, 0.3)
    return model.eval()


def _agrees(model, spec, weights, count: int = 4) -> float:
    z = model.sample_latent(count, generator=torch.Generator().manual_seed(1), device="cpu")
    labels = torch.arange(count) % model.num_classes if model.num_classes else None
    expected = model.generate(z, labels).numpy().transpose(0, 2, 3, 1)  # N × H × W × C
    got = np.stack([webexport.run_reference(spec, weights, z[i].numpy(),
                                            None if labels is None else int(labels[i])) for i in range(count)])
    assert got.shape == expected.shape
    return float(np.abs(got - expected).max())


@pytest.mark.parametrize("name", CONFIGS)
def test_the_export_reproduces_the_generator(name):
    model = _trained_looking(CONFIGS[name])
    spec, weights = webexport.export_generator(model)
    assert spec["format"] == webexport.FORMAT and len(weights) == 4 * spec["floats"]
    assert spec["output_shape"] == list(model.config.data_shape)
    assert _agrees(model, spec, weights) < 1e-5


def test_batch_norm_folds_into_the_layer_before_it():
    """DCGAN's ConvTranspose → BatchNorm pairs become one op; a BatchNorm after an activation stays an affine."""
    dcgan_ops = [op["op"] for op in webexport.export_generator(_trained_looking(CONFIGS["dcgan"]))[0]["ops"]]
    assert dcgan_ops == ["conv_transpose2d", "relu", "conv_transpose2d", "relu", "conv_transpose2d", "tanh"]
    mlp_ops = [op["op"] for op in webexport.export_generator(_trained_looking(CONFIGS["mlp-batch-norm"]))[0]["ops"]]
    assert mlp_ops == ["linear", "tanh", "affine", "linear", "tanh", "chw_to_hwc"]


def test_conv2d_layers_are_exported():
    """A layer kind no shipped generator uses yet: plain convolutions, one with a batch norm folded in."""
    model = _trained_looking(CONFIGS["dcgan"])
    net = model.generator.net
    torch.manual_seed(2)
    model.generator.net = nn.Sequential(*net[:-1], nn.Conv2d(1, 3, 3, 1, 1), nn.BatchNorm2d(3), nn.LeakyReLU(0.1),
                                        nn.Conv2d(3, 1, 5, 1, 2), net[-1]).eval()
    model.generator.net[-4].running_mean.uniform_(-0.5, 0.5)
    spec, weights = webexport.export_generator(model)
    assert [op["op"] for op in spec["ops"]][-4:] == ["conv2d", "leaky_relu", "conv2d", "tanh"]
    assert _agrees(model, spec, weights) < 1e-5


def test_a_strided_conv2d_matches_torch():
    model = _trained_looking(CONFIGS["dcgan"])
    torch.manual_seed(3)
    # 28 → 14 (stride 2) → 28 again, so the image keeps its size
    model.generator.net = nn.Sequential(*model.generator.net[:-1], nn.Conv2d(1, 4, 4, 2, 1),
                                        nn.ConvTranspose2d(4, 1, 4, 2, 1), nn.Tanh()).eval()
    spec, weights = webexport.export_generator(model)
    assert _agrees(model, spec, weights) < 1e-5


def test_unknown_layers_and_models_are_refused():
    model = _trained_looking(CONFIGS["dcgan"])
    model.generator.net.insert(1, nn.Dropout(0.1))
    with pytest.raises(webexport.UnsupportedExport, match="Dropout"):
        webexport.export_generator(model)
    points = build_model(ModelConfig(family="mlp", data_shape=(2,), latent_dim=4, g_hidden=(8,), d_hidden=(8,)))
    with pytest.raises(webexport.UnsupportedExport, match="image"):
        webexport.export_generator(points)


def test_an_export_that_does_not_match_torch_is_refused():
    """A generator whose forward() does more than its layers (here: a shift) must not reach the browser."""
    model = _trained_looking(CONFIGS["dcgan"])
    plain = model.generator.forward
    model.generator.forward = lambda z, labels=None: plain(z, labels) * 0.5
    with pytest.raises(webexport.UnsupportedExport, match="differs"):
        webexport.export_generator(model)
