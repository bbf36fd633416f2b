"""Public endpoints whose natural inputs are not one widget each (a list of slider
values, a step mode), on hidden components so gradio_client can call them with plain
values. The other public endpoints are the visible controls' own events."""

from __future__ import annotations

import gradio as gr

from gan_explorer.ui import render, tab_collapse, tab_latent, tab_train
from gan_explorer.ui.common import friendly


def conditional(entry: str, label, seed, count) -> object:
    """`count` samples of class `label` from a conditional entry."""
    return render.class_picture(entry, label, seed, count)


def conditional_grid(entry: str, seed, rows) -> object:
    """Class × style: `rows` latents, each drawn as every class."""
    return render.class_style_picture(entry, seed, rows)


def mode_collapse(source: str, seed, count):
    """`count` samples of a zoo entry (or 'run', the model in training): summary, sample wall,
    sample / nearest-real pairs (images only) and per-mode counts (2-D mixtures only)."""
    summary, wall, pairs, counts = tab_collapse.measure(source, seed, count)
    modes = {} if counts is None else dict(zip(counts["mode"], (int(c) for c in counts["count"]), strict=True))
    return summary, wall, pairs, modes


def build(read_only: bool) -> None:
    with gr.Column(visible=False, elem_id="api-panel"):
        entry = gr.Textbox(label="entry")
        seed = gr.Number(label="seed", precision=0)
        dims = gr.JSON(label="dims")
        pcs = gr.JSON(label="pcs")
        label = gr.Number(label="label", precision=0)
        count = gr.Number(label="count", precision=0)
        image = gr.Image(label="image", format="png")
        pairs = gr.Image(label="pairs", format="png")
        text = gr.Markdown()
        counts = gr.JSON(label="counts")
        status_json = gr.JSON(label="status")

        gr.Button(visible=False).click(friendly(tab_latent.generate), [entry, seed, dims, pcs, label], image,
                                       api_name="generate")
        gr.Button(visible=False).click(friendly(conditional), [entry, label, seed, count], image,
                                       api_name="conditional")
        gr.Button(visible=False).click(friendly(conditional_grid), [entry, seed, count], image,
                                       api_name="conditional_grid")
        gr.Button(visible=False).click(friendly(mode_collapse), [entry, seed, count], [text, image, pairs, counts],
                                       api_name="mode_collapse")
        # reading the shared run is harmless, so it stays in read-only mode; steering it does not
        gr.Button(visible=False).click(tab_train.status, None, status_json, api_name="train_status", queue=False)
        if not read_only:
            mode = gr.Textbox(label="mode")
            gr.Button(visible=False).click(friendly(tab_train.step), mode, text, api_name="train_step",
                                           concurrency_limit=None)
