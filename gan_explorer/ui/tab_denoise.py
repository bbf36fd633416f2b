"""Denoise tab: upload any photo (or add noise to a clean one), denoise it, compare with classical filters.

Uploads arrive as files (gr.File) and are decoded by gan_explorer.images alone, so every format,
bit depth and broken file gets the same checks and messages. The result is a PNG download, 16-bit
when the upload was. It writes nothing but Gradio's temporary files, so it stays on in --demo mode.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from gan_explorer import denoise, images
from gan_explorer.data.noise import NOISE_MODELS, add_noise
from gan_explorer.ui.common import friendly
from gan_explorer.ui.strings import T, lang_of, msg

BASELINE_MAX_PIXELS = 1_048_576  # the classical filters (NL-means above all) take minutes on larger images
PRESET_KEYS = {"fidelity": "denoise.preset.fidelity", "perceptual": "denoise.preset.perceptual"}


@dataclass
class DenoiseTab:
    upload: gr.File
    compare: gr.ImageSlider
    result: gr.File


def _strength_slider(noise: str) -> dict:
    model = NOISE_MODELS[noise]
    low, high = model.ui_range
    return dict(minimum=low, maximum=high, value=model.default, step=1.0 if high >= 10 else 0.005)


def strength_for(noise: str):
    """Move the strength slider to the noise type's own unit and range."""
    return gr.Slider(**_strength_slider(noise), info=NOISE_MODELS[noise].unit)


def _reference(path: str | None, shape: tuple[int, ...], lang: str) -> np.ndarray | None:
    if not path:
        return None
    reference = images.read_image(path).pixels
    if reference.ndim != len(shape):  # a grey reference for a colour upload, or the other way round
        reference = reference.mean(axis=-1) if reference.ndim == 3 else np.repeat(reference[..., None], 3, -1)
    if reference.shape != shape:
        raise ValueError(msg(lang, "denoise.reference_size", ref=f"{reference.shape[1]} × {reference.shape[0]}",
                             img=f"{shape[1]} × {shape[0]}"))
    return reference


def _downloads_dir() -> Path:
    """A temp folder for result files; Gradio serves a copy, so ours are pruned after an hour."""
    folder = Path(tempfile.gettempdir()) / "gan-explorer-denoise"
    folder.mkdir(exist_ok=True)
    cutoff = time.time() - 3600
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        except FileNotFoundError:  # another visitor's request pruned it first
            continue
    return folder


def _save_png(pixels: np.ndarray, sixteen_bit: bool) -> str:
    path = Path(tempfile.mkdtemp(dir=_downloads_dir())) / "denoised.png"
    if sixteen_bit and pixels.ndim == 2:  # Pillow writes 16 bits for grey (mode I;16) only
        Image.fromarray(np.round(pixels * 65535).astype(np.uint16)).save(path)
    else:
        Image.fromarray(np.round(pixels * 255).astype(np.uint8)).save(path)
    return str(path)


def _to_display(pixels: np.ndarray) -> np.ndarray:
    return np.round(np.clip(pixels, 0, 1) * 255).astype(np.uint8)


def _row(name: str, pixels: np.ndarray, clean: np.ndarray | None) -> str:
    if clean is None:
        return f"| {name} | – | – |"
    q = denoise.quality(pixels, clean)
    return f"| {name} | {q['psnr']:.2f} | {q['ssim']:.4f} |"


def run(upload, reference, noise: str, preset: str, add: bool, strength, seed, baselines: bool, ensemble: int = 1,
        request: gr.Request = None, progress=gr.Progress()):  # noqa: B008 - Gradio injects progress this way
    """Denoise an uploaded image. Returns (input vs result, the quality table and notes, baseline gallery,
    the result as a PNG file). With `add`, noise of `noise` type and `strength` (seeded) is added first,
    and the upload serves as the clean reference for PSNR / SSIM; `reference` is an optional clean file.
    `ensemble` passes over flipped / rotated copies are averaged."""
    lang = lang_of(request)
    if not upload:
        raise ValueError(msg(lang, "denoise.no_upload"))
    if noise not in NOISE_MODELS:
        raise ValueError(f"unknown noise type {noise!r}; choose one of {', '.join(NOISE_MODELS)}")
    loaded = images.read_image(upload)
    notes = list(loaded.notes)
    clean = None
    pixels = loaded.pixels
    if add:
        clean = pixels
        pixels = add_noise(clean, noise, float(strength), seed=int(seed or 0))
    elif reference:
        clean = _reference(reference, pixels.shape, lang)

    progress(0, desc=msg(lang, "denoise.progress"))
    passes = int(ensemble or 1)
    result = denoise.denoise(pixels, preset=preset, noise=noise, ensemble=passes,
                             progress=lambda done, total: progress(done / total, desc=msg(lang, "denoise.progress")))
    lines = [msg(lang, "denoise.table_head"), "|---|---|---|",
             _row(msg(lang, "denoise.row.input"), pixels, clean),
             _row(msg(lang, "denoise.row.model", preset=preset), result, clean)]
    gallery = []
    if baselines and pixels.shape[0] * pixels.shape[1] <= BASELINE_MAX_PIXELS:
        for method in denoise.BASELINES:
            progress(0.5, desc=msg(lang, "denoise.progress_baseline", method=method))
            estimate = denoise.baseline(pixels, method, noise=noise)
            lines.append(_row(method, estimate, clean))
            gallery.append((_to_display(estimate), method))
    elif baselines:
        notes.append(msg(lang, "denoise.baselines_skipped", limit=f"{BASELINE_MAX_PIXELS / 1e6:.1f}"))
    if clean is None:
        notes.append(msg(lang, "denoise.no_reference"))
    h, w = pixels.shape[:2]
    notes.append(msg(lang, "denoise.done", w=w, h=h, entry=denoise.entry_name(preset, noise), passes=passes))
    if not denoise.model_for(preset, noise).pretrained:
        notes.append(msg(lang, "denoise.fresh"))
    report = "\n".join(lines) + "\n\n" + "\n\n".join(notes)
    sixteen_bit = loaded.mode.startswith("I;16") or loaded.mode == "I"
    return (_to_display(pixels), _to_display(result)), report, gallery, _save_png(result, sixteen_bit)


def build() -> DenoiseTab:
    with gr.Accordion(T("denoise.about.title"), open=False):
        gr.Markdown(T("denoise.about"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            upload = gr.File(label=T("denoise.upload"), type="filepath", elem_id="denoise-upload")
            noise = gr.Dropdown(list(NOISE_MODELS), value="gaussian", label=T("denoise.noise"),
                                elem_id="denoise-noise")
            preset = gr.Radio([(T(key), value) for value, key in PRESET_KEYS.items()], value="fidelity",
                              label=T("denoise.preset"), elem_id="denoise-preset")
            add = gr.Checkbox(value=True, label=T("denoise.add"), elem_id="denoise-add")
            strength = gr.Slider(**_strength_slider("gaussian"), label=T("denoise.strength"),
                                 info=NOISE_MODELS["gaussian"].unit, elem_id="denoise-strength")
            seed = gr.Number(value=0, precision=0, minimum=0, label=T("common.seed"), elem_id="denoise-seed")
            baselines = gr.Checkbox(value=True, label=T("denoise.baselines"), elem_id="denoise-baselines")
            ensemble = gr.Radio([(f"{n}×", n) for n in denoise.ENSEMBLES], value=1, label=T("denoise.ensemble"),
                                elem_id="denoise-ensemble")
            with gr.Accordion(T("denoise.reference"), open=False):
                reference = gr.File(label=T("denoise.reference"), type="filepath", elem_id="denoise-reference")
            go = gr.Button(T("denoise.run"), variant="primary", elem_id="denoise-run")
        with gr.Column(scale=2, min_width=400):
            compare = gr.ImageSlider(label=T("denoise.compare"), type="numpy", interactive=False,
                                     elem_id="denoise-compare")
            report = gr.Markdown(elem_id="denoise-report")
            gallery = gr.Gallery(label=T("denoise.gallery"), columns=3, height="auto", elem_id="denoise-gallery")
            result = gr.File(label=T("denoise.download"), interactive=False, elem_id="denoise-download")
    noise.change(strength_for, noise, strength, api_visibility="private", queue=False)
    go.click(friendly(run), [upload, reference, noise, preset, add, strength, seed, baselines, ensemble],
             [compare, report, gallery, result], api_name="denoise", concurrency_limit=2)
    return DenoiseTab(upload, compare, result)
