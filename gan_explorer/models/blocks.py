"""Small building blocks shared by the model families."""

from __future__ import annotations

import torch
from torch import nn

ACTIVATIONS = ("sigmoid", "relu", "leaky_relu", "tanh")


def activation(name: str) -> nn.Module:
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(0.2)
    if name == "tanh":
        return nn.Tanh()
    raise ValueError(f"unknown activation {name!r}; choose one of {ACTIVATIONS}")


def output_activation(name: str) -> nn.Module:
    return nn.Identity() if name == "linear" else activation(name)


def one_hot(labels: torch.Tensor, num_classes: int, dtype: torch.dtype) -> torch.Tensor:
    return nn.functional.one_hot(labels.long(), num_classes).to(dtype)
