"""Speed settings of the training step: bf16 autocast and the channels-last memory layout.

Both pay only for convolutional networks: oneDNN (CPU) and cuDNN (GPU) run bf16 convolutions
about twice as fast as fp32 where the hardware has bf16 units, and convolutions prefer their
inputs channels-last. Small MLPs gain nothing, and the textbook lessons (the 1010 GAN's losses
settling at exactly 0.25) deserve full precision, so ``auto`` leaves them in fp32.
Weights, optimiser moments and losses stay fp32 in every mode: only the forward passes of the
networks run in bf16, so checkpoints and everything the app shows are unchanged.
"""

from __future__ import annotations

import contextlib
import functools

import torch

from gan_explorer.models import GenerativeModel

PRECISIONS = ("auto", "bf16", "fp32")


@functools.cache
def bf16_is_fast(device_type: str) -> bool:
    """Whether this machine has bf16 arithmetic units (AVX512-BF16/AMX on CPU, Ampere+ on CUDA)."""
    if device_type == "cpu":
        return torch.backends.mkldnn.is_available() and bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    if device_type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported(including_emulation=False)
    return False


def _is_convolutional(model: GenerativeModel) -> bool:
    return model.config.family == "dcgan"


def autocast_dtype(model: GenerativeModel, precision: str, device: torch.device) -> torch.dtype | None:
    """The dtype the forward passes run in, or None for plain fp32."""
    return forward_dtype(precision, device, convolutional=_is_convolutional(model))


def forward_dtype(precision: str, device: torch.device, *, convolutional: bool) -> torch.dtype | None:
    """The dtype a network's forward passes run in (bf16 or None for fp32); ``auto`` picks bf16 only
    for convolutional networks on a device with bf16 units."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {PRECISIONS}")
    if precision == "fp32":
        return None
    if precision == "bf16":
        if not bf16_is_fast(device.type):
            raise ValueError(f"precision bf16 needs a device with bf16 units; {device} has none: use auto or fp32")
        return torch.bfloat16
    return torch.bfloat16 if convolutional and bf16_is_fast(device.type) else None


def autocast(device: torch.device, dtype: torch.dtype | None) -> contextlib.AbstractContextManager:
    """Autocast to ``dtype`` on the device, or nothing at all for fp32 (None)."""
    return torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()


def forward_precision(model: GenerativeModel, precision: str) -> contextlib.AbstractContextManager:
    """Context for the forward passes of one training step."""
    return autocast(model.device, autocast_dtype(model, precision, model.device))


def use_channels_last(model: GenerativeModel) -> GenerativeModel:
    """Convolutional weights channels-last, so every convolution runs in its fastest layout."""
    if _is_convolutional(model):
        model.to(memory_format=torch.channels_last)
    return model
