"""The Denoise tab through the app's public API (gradio_client), with good and bad uploads."""

from __future__ import annotations

import io

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from gan_explorer.data.natural import load_grey, skimage_data_dir


@pytest.fixture(scope="module")
def client(app_url) -> Client:
    return Client(app_url, verbose=False)


def _png(array: np.ndarray, path, **save) -> str:
    Image.fromarray(array).save(path, **save)
    return str(path)


def _call(client: Client, path: str, *, add: bool = True, noise: str = "gaussian", strength: float = 25,
          baselines: bool = True, ensemble: int = 1):
    return client.predict(handle_file(path), None, noise, "fidelity", add, strength, 7, baselines, ensemble,
                          api_name="/denoise")


def _rows(report: str) -> dict[str, tuple[float, float]]:
    rows = {}
    for line in report.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[1].replace(".", "").isdigit():
            rows[cells[0]] = (float(cells[1]), float(cells[2]))
    return rows


def test_added_noise_is_measured_for_the_denoiser_and_every_baseline(client, tmp_path):
    camera = (load_grey(skimage_data_dir() / "camera.png")[:192, 160:352] * 255).astype(np.uint8)  # held out
    compare, report, gallery, download = _call(client, _png(camera, tmp_path / "camera.png"))
    rows = _rows(report)
    assert {"input (noisy)", "denoiser (fidelity)", "nl-means", "median", "gaussian"} <= set(rows)
    assert 19.5 < rows["input (noisy)"][0] < 21.0  # σ = 25 on the 0–255 scale: about 20.2 dB
    assert len(gallery) == 3
    result = np.asarray(Image.open(download))
    assert result.shape == camera.shape and result.dtype == np.uint8
    assert len(compare) == 2


def test_the_self_ensemble_raises_psnr_and_says_how_many_passes(client, tmp_path):
    camera = (load_grey(skimage_data_dir() / "camera.png")[:192, 160:352] * 255).astype(np.uint8)  # held out
    path = _png(camera, tmp_path / "camera.png")
    single, eight = (_call(client, path, baselines=False, ensemble=n)[1] for n in (1, 8))
    assert "self-ensemble 1×" in single and "self-ensemble 8×" in eight
    gain = _rows(eight)["denoiser (fidelity)"][0] - _rows(single)["denoiser (fidelity)"][0]
    assert 0 < gain < 1.0  # averaging views cancels some of the network's errors; it cannot work wonders


def test_a_16_bit_png_comes_back_as_16_bit(client, tmp_path):
    ramp = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (48, 1))
    path = tmp_path / "deep.png"
    Image.fromarray(ramp).save(path)
    _, report, _, download = _call(client, str(path), add=False, baselines=False)
    assert "High bit depth" in report
    assert "No clean reference" in report
    out = Image.open(download)
    assert out.mode.startswith("I") and np.asarray(out).shape == (48, 64)


def test_an_animated_gif_uses_its_first_frame_and_says_so(client, tmp_path):
    frames = [Image.fromarray(np.full((32, 40), v, np.uint8)) for v in (40, 200)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    _, report, _, download = _call(client, str(path), baselines=False)
    assert "animated (2 frames)" in report
    assert np.asarray(Image.open(download)).shape[:2] == (32, 40)  # a palette image comes back as RGB


def _text_named_png(tmp_path) -> str:
    path = tmp_path / "notes.png"
    path.write_text("not an image at all")
    return str(path)


def _truncated_png(tmp_path) -> str:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buffer, "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return str(path)


def _huge_png(tmp_path) -> str:
    # 50 megapixels of one grey: a small file whose header claims far more than the limit
    path = tmp_path / "huge.png"
    Image.new("L", (8000, 6250), 128).save(path, optimize=False, compress_level=1)
    return str(path)


@pytest.mark.parametrize("make, message", [
    (_text_named_png, "not an image"),
    (_truncated_png, "damaged or truncated"),
    (lambda d: _png(np.zeros((1, 1), np.uint8), d / "dot.png"), "at least 8 pixels"),
    (_huge_png, "50.0 megapixels"),
])
def test_bad_uploads_get_a_clear_message_and_the_app_keeps_serving(client, tmp_path, make, message):
    with pytest.raises(AppError, match=message):
        _call(client, make(tmp_path))
    ok = _png(np.full((16, 16), 100, np.uint8), tmp_path / "fine.png")
    assert len(_call(client, ok, baselines=False)) == 4


def test_the_read_only_app_denoises_too(demo_url, tmp_path):
    demo = Client(demo_url, verbose=False)
    rgba = np.dstack([np.full((24, 24, 3), 120, np.uint8), np.full((24, 24), 255, np.uint8)])
    _, report, _, download = _call(demo, _png(rgba, tmp_path / "rgba.png"), baselines=False)
    assert "denoiser (fidelity)" in report
    assert np.asarray(Image.open(download)).shape == (24, 24, 3)
