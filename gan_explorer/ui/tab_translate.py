"""Translate tab: upload an image, translate it A→B or B→A with the shipped CycleGAN, and see the
cycle reconstruction (translated back) with its error. The upload arrives as a plain file
(gr.File), so the only decoder is gan_explorer.images.read_image and a bad file gets its reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import numpy as np
import torch

from gan_explorer.data.unpaired import WORKING_SIDE, fit_channels
from gan_explorer.images import read_image
from gan_explorer.translation import DEFAULT_ENTRY, translate_image, translator
from gan_explorer.ui.common import friendly
from gan_explorer.ui.strings import T, lang_of, msg

EXAMPLES = Path(__file__).resolve().parent / "static" / "translate"  # held-out images, never trained on


@dataclass
class TranslateTab:
    upload: gr.File
    direction: gr.Radio
    source: gr.Image
    translated: gr.Image
    reconstruction: gr.Image
    summary: gr.Markdown


def _uint8(image: np.ndarray) -> np.ndarray:
    return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def translate(upload: str | None, direction: str, request: gr.Request):
    """Translate an uploaded image file; returns (input as used, translation, reconstruction, summary)."""
    lang = lang_of(request)
    if not upload:
        raise ValueError(msg(lang, "translate.no_upload"))
    picture = read_image(upload)  # ImageInputError (a ValueError) names what is wrong with the file
    result = translate_image(picture.pixels, direction=direction)
    notes = list(picture.notes)
    if result.size != result.original_size:
        notes.append(msg(lang, "translate.resized", width=result.original_size[0], height=result.original_size[1],
                         side=WORKING_SIDE))
    if result.made_grey:
        notes.append(msg(lang, "translate.grey"))
    if not translator(DEFAULT_ENTRY).pretrained:
        notes.append(msg(lang, "translate.fresh", name=DEFAULT_ENTRY))
    label = msg(lang, f"translate.{direction}")
    summary = msg(lang, "translate.result", direction=label, width=result.size[0], height=result.size[1],
                  psnr=result.cycle_psnr, notes="".join(f"\n\n- {note}" for note in notes))
    source = translate_image_input(picture.pixels, result.size)
    return source, _uint8(result.translated), _uint8(result.reconstruction), summary


def translate_image_input(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The input at the size and channels the network used, so the three pictures line up."""
    x = fit_channels(torch.from_numpy(pixels), translator(DEFAULT_ENTRY).config.channels, max(size))
    out = x.permute(1, 2, 0).numpy()
    return _uint8(out[..., 0] if out.shape[-1] == 1 else out)


def build() -> TranslateTab:
    with gr.Accordion(T("translate.about.title"), open=False):
        gr.Markdown(T("translate.about"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=280):
            upload = gr.File(label=T("translate.upload"), file_types=["image"], type="filepath",
                             elem_id="translate-upload")
            direction = gr.Radio([(T("translate.a2b"), "a2b"), (T("translate.b2a"), "b2a")], value="a2b",
                                 label=T("translate.direction"), elem_id="translate-direction")
            run = gr.Button(T("translate.run"), variant="primary", elem_id="translate-run")
            summary = gr.Markdown(elem_id="translate-summary")
        with gr.Column(scale=3, min_width=300):
            with gr.Row():
                source = gr.Image(label=T("translate.input"), format="png", interactive=False, buttons=["download"],
                                  elem_id="translate-input")
                translated = gr.Image(label=T("translate.output"), format="png", interactive=False,
                                      buttons=["download"], elem_id="translate-output")
                reconstruction = gr.Image(label=T("translate.reconstruction"), format="png", interactive=False,
                                          buttons=["download"], elem_id="translate-reconstruction")
    outputs = [source, translated, reconstruction, summary]
    handler = friendly(translate)
    # the button's event is the public API: gradio_client.predict(handle_file(path), "a2b", api_name="/translate")
    run.click(handler, [upload, direction], outputs, api_name="translate")
    gr.Examples(
        examples=[[str(EXAMPLES / name), way] for name, way in (
            ("camera.png", "a2b"), ("brick.png", "a2b"), ("cell.png", "a2b"), ("camera-sketch.png", "b2a"))],
        inputs=[upload, direction], outputs=outputs, fn=handler, run_on_click=True, cache_examples=False,
        label=T("translate.examples"), api_visibility="private",
    )
    return TranslateTab(upload, direction, source, translated, reconstruction, summary)
