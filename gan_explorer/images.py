"""Reading images a visitor uploads: any common file in, plain float pixels out, or a clear refusal.

    >>> from gan_explorer.images import read_image
    >>> picture = read_image("photo.jpg")
    >>> picture.pixels.shape, picture.notes        # (H, W) grey or (H, W, 3) colour, floats in [0, 1]

The size is checked from the header before a single pixel is decoded, so a decompression
bomb (a tiny file that claims gigapixels) costs nothing. Conversions that change what the
visitor sent (16-bit to floats, the first frame of an animation, transparency flattened)
are done and named in ``notes`` rather than refused.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 16_777_216  # 4096 × 4096: a 12-megapixel phone photo fits; tiles keep memory bounded
MIN_SIDE = 8  # below this there is nothing to denoise or translate
MAX_FILE_BYTES = 50 * 1024 * 1024
FORMATS = ("PNG", "JPEG", "WEBP", "TIFF", "BMP", "GIF")


class ImageInputError(ValueError):
    """The upload cannot be used; the message says why in words a visitor understands."""


@dataclass(frozen=True)
class LoadedImage:
    pixels: np.ndarray  # H×W (grey) or H×W×3 (colour), float32 in [0, 1]
    format: str  # the file's format as Pillow names it: PNG, JPEG, …
    mode: str  # the file's pixel mode before conversion: L, RGB, RGBA, I;16, CMYK, P, …
    notes: tuple[str, ...]  # conversions made, for the page to show

    @property
    def is_grey(self) -> bool:
        return self.pixels.ndim == 2


def read_image(source: str | Path | bytes, *, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Decode an uploaded file (a path or its bytes). Raises ImageInputError with the reason."""
    data = _read_bytes(source)
    try:
        with warnings.catch_warnings():
            # we enforce our own, lower pixel limit before decoding; Pillow's warning would only be noise
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:  # Pillow's own guard fires first for gigapixel claims
        raise ImageInputError(f"The image is far larger than the limit of {max_pixels / 1e6:.1f} megapixels.") from exc
    except UnidentifiedImageError as exc:
        raise ImageInputError(f"This file is not an image we can read ({_formats()}).") from exc
    except OSError as exc:
        raise ImageInputError(f"This file could not be read as an image: {exc}.") from exc

    width, height = image.size
    if width * height > max_pixels:
        raise ImageInputError(
            f"The image is {width} × {height} ({width * height / 1e6:.1f} megapixels); the limit is "
            f"{max_pixels / 1e6:.1f} megapixels. Please scale it down or crop it.")
    if min(width, height) < MIN_SIDE:
        raise ImageInputError(f"The image is {width} × {height}; it needs at least {MIN_SIDE} pixels on each side.")
    if image.format not in FORMATS:
        raise ImageInputError(f"{image.format} files are not supported; please use {_formats()}.")

    notes: list[str] = []
    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        notes.append(f"The file is animated ({frames} frames); the first frame is used.")
        image.seek(0)
    mode, file_format = image.mode, image.format
    try:
        image.load()
        image = ImageOps.exif_transpose(image)  # phone photos arrive the way the phone held them
        pixels = _to_float(image, notes)
    except OSError as exc:  # a truncated or damaged file fails here, after the header read fine
        raise ImageInputError(f"The image file is damaged or truncated ({exc}).") from exc
    return LoadedImage(pixels, file_format, mode, tuple(notes))


def _read_bytes(source: str | Path | bytes) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        if not path.is_file():
            raise ImageInputError("No image was uploaded.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImageInputError(f"The file is larger than {MAX_FILE_BYTES // 2**20} MB.")
        data = path.read_bytes()
    if not data:
        raise ImageInputError("The uploaded file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise ImageInputError(f"The file is larger than {MAX_FILE_BYTES // 2**20} MB.")
    return data


def _to_float(image: Image.Image, notes: list[str]) -> np.ndarray:
    """Grey stays grey, everything else becomes RGB; transparency is flattened onto white."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or values.max() > 255 else 255.0
        if mode == "F":
            top = 1.0 if values.max() <= 1.0 else 255.0
        notes.append(f"High bit depth ({mode}) scaled to [0, 1].")
        return np.clip(values / top, 0.0, 1.0).astype(np.float32)
    if mode == "1":
        image = image.convert("L")
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("LA", "RGBA", "PA"):
        notes.append("Transparent areas were flattened onto white.")
        base = "L" if image.mode == "LA" else "RGB"
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA")).convert(base)
    if image.mode == "CMYK":
        notes.append("CMYK colours were converted to RGB.")
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    return np.asarray(image, dtype=np.float32) / 255.0


def _formats() -> str:
    return "PNG, JPEG, WebP, TIFF, BMP or GIF"
