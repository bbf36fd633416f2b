"""Uploads: every common kind of file decodes to plain floats, and every bad one gets a clear refusal."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from gan_explorer.images import MAX_PIXELS, ImageInputError, read_image


def _encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def _gradient(mode: str = "RGB", size: tuple[int, int] = (40, 30)) -> Image.Image:
    rng = np.random.default_rng(0)
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    array = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    return Image.fromarray(array.squeeze(-1) if channels == 1 else array, mode)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "TIFF", "BMP"])
def test_common_formats_decode_to_rgb_floats(fmt):
    loaded = read_image(_encode(_gradient(), fmt))
    assert loaded.pixels.shape == (30, 40, 3) and loaded.pixels.dtype == np.float32
    assert 0.0 <= loaded.pixels.min() and loaded.pixels.max() <= 1.0
    assert loaded.format == fmt and not loaded.notes


def test_png_pixels_are_exact():
    image = _gradient("L")
    loaded = read_image(_encode(image, "PNG"))
    assert loaded.is_grey
    np.testing.assert_allclose(loaded.pixels * 255, np.asarray(image), atol=1e-4)


def test_sixteen_bit_png_keeps_its_precision():
    ramp = (np.arange(64 * 16, dtype=np.uint16).reshape(16, 64) * 64).astype(np.uint16)
    loaded = read_image(_encode(Image.fromarray(ramp), "PNG"))
    assert loaded.is_grey and loaded.mode.startswith("I")
    np.testing.assert_allclose(loaded.pixels, ramp / 65535.0, atol=1e-6)
    assert any("bit depth" in note for note in loaded.notes)


def test_alpha_is_flattened_onto_white():
    rgba = np.zeros((10, 10, 4), dtype=np.uint8)  # fully transparent black
    loaded = read_image(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert loaded.pixels.shape == (10, 10, 3) and loaded.pixels.min() == 1.0
    assert any("Transparent" in note for note in loaded.notes)


def test_palette_and_cmyk_become_rgb():
    palette = _gradient().convert("P")
    assert read_image(_encode(palette, "PNG")).pixels.shape == (30, 40, 3)
    cmyk = read_image(_encode(_gradient().convert("CMYK"), "JPEG"))
    assert cmyk.pixels.shape == (30, 40, 3) and any("CMYK" in note for note in cmyk.notes)


def test_animated_gif_uses_the_first_frame():
    frames = [Image.new("L", (16, 16), value) for value in (0, 128, 255)]
    data = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    loaded = read_image(data)
    assert loaded.pixels.max() < 0.05 and any("3 frames" in note for note in loaded.notes)


def _png_header_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes that claim a huge image: the decompression-bomb shape."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"%PDF-1.4 this is not a picture", "not an image"),
    (_encode(Image.new("RGB", (1, 1)), "PNG"), "at least"),
    (_png_header_claiming(50_000, 50_000), "megapixels"),
    (_encode(Image.new("L", (7072, 7072)), "PNG"), "megapixels"),  # a real 50-megapixel picture
], ids=["empty", "pdf", "1x1", "bomb", "50mp"])
def test_bad_uploads_are_refused_with_the_reason(data, reason):
    with pytest.raises(ImageInputError, match=reason):
        read_image(data)


def test_truncated_file_is_refused():
    data = _encode(_gradient(size=(200, 200)), "PNG")
    with pytest.raises(ImageInputError, match="damaged or truncated"):
        read_image(data[: len(data) // 2])


def test_missing_path_is_refused(tmp_path):
    with pytest.raises(ImageInputError, match="No image"):
        read_image(tmp_path / "nothing.png")


def test_limit_is_adjustable():
    assert MAX_PIXELS >= 4096 * 4096
    with pytest.raises(ImageInputError, match="megapixels"):
        read_image(_encode(_gradient(), "PNG"), max_pixels=100)
