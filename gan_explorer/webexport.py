"""A zoo image generator as a list of plain operations plus float32 weights, for the browser.

The latent explorer's page runs the generator itself (gan_explorer/ui/static/generator.js),
so a dragged slider needs no server round trip. This module writes the network out in a
form that small script can run: a JSON op list and one little-endian float32 blob.

Layout conventions the script relies on (chosen so its inner loops read memory in order):
- a feature map is stored height × width × channels (channels last); a vector is flat;
- Linear weights stay out × in (PyTorch's own layout);
- ConvTranspose2d / Conv2d weights become kh × kw × out × in;
- eval-mode BatchNorm becomes a per-channel affine, folded into the layer before it
  when that layer is linear, so most of them cost nothing at all.

Every export is checked before it is handed out: ``run_reference`` executes the op list with
the exported arrays and must reproduce ``model.generate`` on a few latents. A generator this
module does not understand, or one whose export does not match, raises ``UnsupportedExport``,
and the page falls back to the server's picture route.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from gan_explorer.models import GAN, VAE, GenerativeModel
from gan_explorer.models.dcgan import DCGANGenerator
from gan_explorer.models.mlp import MLPGenerator

FORMAT = "gan-explorer-generator/1"
CHECK_TOLERANCE = 1e-4  # |export − torch| allowed in the [0, 1] output; float32 sums in another order differ ~1e-6


class UnsupportedExport(ValueError):
    """This generator (or one of its layers) has no browser equivalent."""


class _Writer:
    """Collects ops and appends their arrays to one float32 blob."""

    def __init__(self) -> None:
        self.ops: list[dict] = []
        self.chunks: list[np.ndarray] = []
        self.size = 0

    def array(self, values: torch.Tensor | np.ndarray) -> list[int]:
        """[offset, length] in floats of the array within the blob."""
        flat = np.ascontiguousarray(np.asarray(values, dtype=np.float32).reshape(-1))
        ref = [self.size, int(flat.size)]
        self.chunks.append(flat)
        self.size += int(flat.size)
        return ref

    def blob(self) -> bytes:
        data = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)
        return data.astype("<f4").tobytes()


def _batchnorm_affine(bn: nn.modules.batchnorm._BatchNorm) -> tuple[np.ndarray, np.ndarray]:
    """Eval-mode batch norm as y = scale·x + shift (in float64, then rounded once)."""
    if bn.running_mean is None or bn.running_var is None:
        raise UnsupportedExport("batch norm without running statistics depends on the batch")
    mean = bn.running_mean.double().numpy()
    var = bn.running_var.double().numpy()
    gamma = bn.weight.detach().double().numpy() if bn.weight is not None else np.ones_like(mean)
    beta = bn.bias.detach().double().numpy() if bn.bias is not None else np.zeros_like(mean)
    scale = gamma / np.sqrt(var + bn.eps)
    return scale, beta - mean * scale


def _layers(network: nn.Module) -> list[nn.Module]:
    """The leaf modules of a (nested) Sequential, in order; anything else is refused."""
    if isinstance(network, nn.Sequential):
        return [leaf for child in network for leaf in _layers(child)]
    return [network]


def _emit(layers: list[nn.Module], shape: tuple[int, ...], writer: _Writer) -> tuple[int, ...]:
    """Ops for a chain of layers applied to a tensor of `shape` ((features,) or (C, H, W)); the output shape."""
    pending: list[dict] = []  # the last linear/conv op, kept as float64 arrays until a following BN is folded in

    def flush() -> None:
        for op in pending:
            op["weight"] = writer.array(op.pop("_w"))
            op["bias"] = writer.array(op.pop("_b"))
            writer.ops.append(op)
        pending.clear()

    for layer in layers:
        if isinstance(layer, nn.Linear):
            flush()
            if len(shape) != 1 or shape[0] != layer.in_features:
                raise UnsupportedExport(f"Linear({layer.in_features}) after shape {shape}")
            w = layer.weight.detach().double().numpy()
            b = layer.bias.detach().double().numpy() if layer.bias is not None else np.zeros(layer.out_features)
            pending.append({"op": "linear", "in": layer.in_features, "out": layer.out_features, "_w": w, "_b": b})
            shape = (layer.out_features,)
        elif isinstance(layer, (nn.ConvTranspose2d, nn.Conv2d)):
            flush()
            pending.append(_conv(layer, shape))
            shape = tuple(pending[-1]["out_shape"])
        elif isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
            channels = shape[0]
            if layer.num_features != channels:
                raise UnsupportedExport(f"BatchNorm({layer.num_features}) after shape {shape}")
            scale, shift = _batchnorm_affine(layer)
            if pending:  # y = scale·(Wx + b) + shift: fold into the layer before
                op = pending[-1]
                if op["op"] == "linear":
                    op["_w"] = op["_w"] * scale[:, None]
                else:  # conv weights are kh × kw × out × in
                    op["_w"] = op["_w"] * scale[None, None, :, None]
                op["_b"] = op["_b"] * scale + shift
            else:
                writer.ops.append({"op": "affine", "channels": channels, "scale": writer.array(scale),
                                   "shift": writer.array(shift)})
        elif isinstance(layer, nn.LayerNorm):
            flush()
            if tuple(layer.normalized_shape) != shape or len(shape) != 1:
                raise UnsupportedExport(f"LayerNorm{tuple(layer.normalized_shape)} after shape {shape}")
            op = {"op": "layer_norm", "size": shape[0], "eps": layer.eps}
            if layer.elementwise_affine:
                op["weight"] = writer.array(layer.weight.detach())
                op["bias"] = writer.array(layer.bias.detach() if layer.bias is not None else torch.zeros(shape))
            writer.ops.append(op)
        elif isinstance(layer, nn.Identity):
            continue
        else:
            flush()
            writer.ops.append(_activation(layer))
    flush()
    return shape


def _conv(layer: nn.ConvTranspose2d | nn.Conv2d, shape: tuple[int, ...]) -> dict:
    transposed = isinstance(layer, nn.ConvTranspose2d)
    if len(shape) != 3 or shape[0] != layer.in_channels:
        raise UnsupportedExport(f"{type(layer).__name__}({layer.in_channels}) after shape {shape}")
    if layer.groups != 1 or tuple(layer.dilation) != (1, 1) or layer.padding_mode != "zeros" or (
            transposed and tuple(layer.output_padding) != (0, 0)) or isinstance(layer.padding, str):
        raise UnsupportedExport(f"{layer}: only plain (ungrouped, undilated, zero-padded) convolutions")
    (kh, kw), (sh, sw), (ph, pw) = layer.kernel_size, layer.stride, layer.padding
    if kh != kw or sh != sw or ph != pw:
        raise UnsupportedExport(f"{layer}: only square kernels, strides and paddings")
    _, height, width = shape
    w = layer.weight.detach().double().numpy()
    if transposed:  # in × out × kh × kw -> kh × kw × out × in
        w = w.transpose(2, 3, 1, 0)
        out_h, out_w = (height - 1) * sh - 2 * ph + kh, (width - 1) * sw - 2 * pw + kw
    else:  # out × in × kh × kw -> kh × kw × out × in
        w = w.transpose(2, 3, 0, 1)
        out_h, out_w = (height + 2 * ph - kh) // sh + 1, (width + 2 * pw - kw) // sw + 1
    b = layer.bias.detach().double().numpy() if layer.bias is not None else np.zeros(layer.out_channels)
    return {"op": "conv_transpose2d" if transposed else "conv2d", "in_shape": list(shape),
            "out_shape": [layer.out_channels, out_h, out_w], "kernel": kh, "stride": sh, "padding": ph,
            "_w": np.ascontiguousarray(w), "_b": b}


def _activation(layer: nn.Module) -> dict:
    if isinstance(layer, nn.ReLU):
        return {"op": "relu"}
    if isinstance(layer, nn.LeakyReLU):
        return {"op": "leaky_relu", "slope": float(layer.negative_slope)}
    if isinstance(layer, nn.Tanh):
        return {"op": "tanh"}
    if isinstance(layer, nn.Sigmoid):
        return {"op": "sigmoid"}
    raise UnsupportedExport(f"no browser version of {type(layer).__name__}")


def _network(model: GenerativeModel) -> tuple[list[nn.Module], tuple[int, ...], bool]:
    """(layers, input shape, output is a flat vector to reshape) of an image model's decoder.

    Only the generator classes whose forward() is known are accepted: their extra steps (the
    one-hot label appended to z, z viewed as a 1×1 map, the flat output viewed as an image)
    are what the op list's input and reshape encode."""
    config = model.config
    inputs = config.latent_dim + config.label_classes
    if isinstance(model, GAN) and type(model.generator) is DCGANGenerator:
        return _layers(model.generator.net), (inputs, 1, 1), False
    if isinstance(model, GAN) and type(model.generator) is MLPGenerator:
        return _layers(model.generator.net) + [model.generator.out], (inputs,), True
    if isinstance(model, VAE):
        return _layers(model.decoder) + [model.out], (config.latent_dim,), True
    raise UnsupportedExport(f"no browser version of {type(model).__name__} generators")


@torch.no_grad()
def export_generator(model: GenerativeModel) -> tuple[dict, bytes]:
    """(spec, weights): the image model's generator as ops on a float32 blob, checked against torch.

    The spec is plain JSON: input sizes, the ops, the output shape and the map from the
    network's range to [0, 1]. Raises UnsupportedExport for non-image models and unknown layers."""
    config = model.config
    if len(config.data_shape) != 3:
        raise UnsupportedExport("only image models run in the browser")
    layers, shape, flat_output = _network(model)
    writer = _Writer()
    out_shape = _emit(layers, shape, writer)
    channels, height, width = config.data_shape
    if flat_output:
        if out_shape != (math.prod(config.data_shape),):
            raise UnsupportedExport(f"the network ends in {out_shape}, not a flat {config.data_shape}")
        writer.ops.append({"op": "chw_to_hwc", "shape": [channels, height, width]})
    elif out_shape != tuple(config.data_shape):
        raise UnsupportedExport(f"the network ends in {out_shape}, not {config.data_shape}")
    # GenerativeModel.to_natural: tanh images map from [-1, 1] to [0, 1]
    scale, shift = (0.5, 0.5) if model._converts_range() else (1.0, 0.0)
    spec = {
        "format": FORMAT,
        "latent_dim": config.latent_dim,
        "num_classes": config.num_classes,
        # a self-conditioned G takes the one-hot cluster its first latent value falls in (GAN.latent_clusters)
        "cluster_bounds": model.cluster_bounds().tolist() if config.clusters else [],
        "latent_distribution": config.latent_distribution,
        "input_shape": list(shape),
        "ops": writer.ops,
        "output_shape": [channels, height, width],
        "output_scale": scale,
        "output_shift": shift,
        "floats": writer.size,
    }
    weights = writer.blob()
    _check(model, spec, weights)
    return spec, weights


def _check(model: GenerativeModel, spec: dict, weights: bytes) -> None:
    """The export must reproduce model.generate on a few latents, or it is not handed out."""
    generator = torch.Generator().manual_seed(0)
    z = model.sample_latent(3, generator=generator, device="cpu")
    labels = torch.arange(3) % model.num_classes if model.num_classes else None
    expected = model.generate(z, labels).cpu().numpy()  # N × C × H × W in [0, 1]
    for i in range(len(z)):
        got = run_reference(spec, weights, z[i].numpy(), None if labels is None else int(labels[i]))
        error = float(np.abs(got.transpose(2, 0, 1) - expected[i]).max())
        if not error <= CHECK_TOLERANCE:
            raise UnsupportedExport(f"the exported generator differs from torch by {error:.2g}")


def run_reference(spec: dict, weights: bytes, z: np.ndarray, label: int | None = None) -> np.ndarray:
    """The op list run in numpy, exactly as generator.js runs it: H × W × C floats in [0, 1].

    This is the export's executable definition: the check above and the tests compare it with
    torch, the browser test compares generator.js with the server's pictures."""
    blob = np.frombuffer(weights, dtype="<f4").astype(np.float64)

    def arr(ref: list[int]) -> np.ndarray:
        return blob[ref[0] : ref[0] + ref[1]]

    x = np.asarray(z, dtype=np.float64).reshape(-1)
    bounds = spec.get("cluster_bounds") or []
    if bounds:  # the first value picks the cluster and G sees it as 0, as in GAN.decode
        label = int(np.searchsorted(bounds, x[0], side="right"))
        x = np.concatenate([[0.0], x[1:]])
    classes = spec["num_classes"] or (len(bounds) + 1 if bounds else 0)
    if classes:
        onehot = np.zeros(classes)
        onehot[int(label)] = 1.0
        x = np.concatenate([x, onehot])
    shape = spec["input_shape"]
    if len(shape) == 3:  # channels last
        x = x.reshape(shape[0], shape[1], shape[2]).transpose(1, 2, 0)
    for op in spec["ops"]:
        kind = op["op"]
        if kind == "linear":
            x = arr(op["weight"]).reshape(op["out"], op["in"]) @ x + arr(op["bias"])
        elif kind in ("conv_transpose2d", "conv2d"):
            x = _reference_conv(op, arr(op["weight"]), arr(op["bias"]), x)
        elif kind == "affine":
            x = x * arr(op["scale"]) + arr(op["shift"])  # the last axis is the channel in both layouts
        elif kind == "layer_norm":
            x = (x - x.mean()) / np.sqrt(x.var() + op["eps"])
            if "weight" in op:
                x = x * arr(op["weight"]) + arr(op["bias"])
        elif kind == "relu":
            x = np.maximum(x, 0)
        elif kind == "leaky_relu":
            x = np.where(x >= 0, x, x * op["slope"])
        elif kind == "tanh":
            x = np.tanh(x)
        elif kind == "sigmoid":
            x = 1 / (1 + np.exp(-x))
        elif kind == "chw_to_hwc":
            c, h, w = op["shape"]
            x = x.reshape(c, h, w).transpose(1, 2, 0)
        else:
            raise UnsupportedExport(f"unknown op {kind!r}")
    return np.clip(x * spec["output_scale"] + spec["output_shift"], 0, 1)


def _reference_conv(op: dict, w: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A convolution on a channels-last map in the exported weight layout, one kernel tap at a time."""
    (_, h_in, w_in), (c_out, h_out, w_out) = op["in_shape"], op["out_shape"]
    k, s, p = op["kernel"], op["stride"], op["padding"]
    w = w.reshape(k, k, c_out, -1)
    if op["op"] == "conv_transpose2d":
        # input pixel (iy, ix) spreads to (iy·s + ky − p, ix·s + kx − p): scatter into an uncropped map
        full = np.zeros(((h_in - 1) * s + k, (w_in - 1) * s + k, c_out))
        for ky in range(k):
            for kx in range(k):
                full[ky : ky + (h_in - 1) * s + 1 : s, kx : kx + (w_in - 1) * s + 1 : s] += x @ w[ky, kx].T
        return full[p : p + h_out, p : p + w_out] + b
    # output pixel (oy, ox) reads input (oy·s + ky − p, ox·s + kx − p)
    padded = np.pad(x, ((p, p), (p, p), (0, 0)))
    out = np.zeros((h_out, w_out, c_out)) + b
    for ky in range(k):
        for kx in range(k):
            out += padded[ky : ky + (h_out - 1) * s + 1 : s, kx : kx + (w_out - 1) * s + 1 : s] @ w[ky, kx].T
    return out
