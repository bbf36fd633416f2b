"""Translate one image with a CycleGAN from the zoo, and send it back again (the cycle).

    >>> from gan_explorer.translation import translate_image
    >>> result = translate_image(pixels, direction="a2b")   # pixels: H×W or H×W×3 floats in [0, 1]
    >>> result.translated, result.reconstruction, result.cycle_psnr

Images larger than the working size are scaled down so their longer side is ``WORKING_SIDE``
pixels (256): the networks learned lines at the spacing of the training images at that scale, so a
4,000-pixel photo run at full size would be "sketched" at a detail level it never saw. The
networks are fully convolutional, so any smaller size runs as it is, in a fraction of a second.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import numpy as np
import torch

from gan_explorer import zoo
from gan_explorer.data.unpaired import WORKING_SIDE, fit_channels
from gan_explorer.models.cyclegan import DIRECTIONS, CycleGAN

DEFAULT_ENTRY = "cyclegan-photo-sketch"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Translation:
    translated: np.ndarray  # H×W (grey models) or H×W×3, floats in [0, 1], at the working size
    reconstruction: np.ndarray  # the translation sent back through the other generator
    cycle_psnr: float  # PSNR (dB) of the reconstruction against the (resized) input
    size: tuple[int, int]  # (width, height) the networks ran at
    original_size: tuple[int, int]  # (width, height) of the image given
    made_grey: bool  # a colour image was converted to grey for a grey model


@functools.lru_cache(maxsize=4)
def translator(name: str = DEFAULT_ENTRY) -> CycleGAN:
    """The entry's model, loaded once per process; inference only, so sessions can share it."""
    with _LOCK:
        return zoo.load_translator(name)


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = float(torch.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)


def _to_numpy(image: torch.Tensor) -> np.ndarray:
    out = image.permute(1, 2, 0).numpy()
    return out[..., 0] if out.shape[-1] == 1 else out


def translate_image(pixels: np.ndarray, *, direction: str = "a2b", entry: str = DEFAULT_ENTRY,
                    max_side: int = WORKING_SIDE) -> Translation:
    """Translate H×W or H×W×3 floats in [0, 1]; returns the translation, its cycle reconstruction and its error."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
    pixels = np.asarray(pixels, dtype=np.float32)
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] != 3):
        raise ValueError(f"expected an H×W or H×W×3 image, got shape {pixels.shape}")
    model = translator(entry)
    channels = model.config.channels
    h, w = pixels.shape[:2]
    x = fit_channels(torch.from_numpy(pixels), channels, max_side)
    back = "b2a" if direction == "a2b" else "a2b"
    translated = model.translate(x[None], direction)
    reconstruction = model.translate(translated, back)
    return Translation(_to_numpy(translated[0]), _to_numpy(reconstruction[0]), round(_psnr(reconstruction[0], x), 2),
                       (int(x.shape[2]), int(x.shape[1])), (w, h), channels == 1 and pixels.ndim == 3)
