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
    """Inspect a zoo entry (or 'run', the model in training) for mode collapse: 2,000 samples
    (2,500 for the 2-D mixtures) from `seed`, `count` of them on the wall. Returns the summary,
    the sample wall, sample / nearest-real pairs (images only), per-mode counts (2-D mixtures
    only; else {}) and a report of plain numbers: the protocol's figures (classes_covered,
    kl_to_uniform, inception_score, frechet_distance, modes_captured, …) with "real" beside them."""
    view = tab_collapse.measure(source, seed, count)
    return view.summary, view.wall, view.pairs, view.report.get("mode_counts", {}), view.report


def mode_collapse_lesson() -> dict:
    """The textbook lesson's figures: mnist-mlp-naive, mnist-mlp-improved, dcgan-mnist and real digits."""
    return tab_collapse.lesson_numbers()


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
        report = gr.JSON(label="report")
        status_json = gr.JSON(label="status")

        gr.Button(visible=False).click(friendly(tab_latent.generate), [entry, seed, dims, pcs, label], image,
                                       api_name="generate")
        gr.Button(visible=False).click(friendly(conditional), [entry, label, seed, count], image,
                                       api_name="conditional")
        gr.Button(visible=False).click(friendly(conditional_grid), [entry, seed, count], image,
                                       api_name="conditional_grid")
        gr.Button(visible=False).click(friendly(mode_collapse), [entry, seed, count],
                                       [text, image, pairs, counts, report], api_name="mode_collapse")
        gr.Button(visible=False).click(friendly(mode_collapse_lesson), None, report, api_name="mode_collapse_lesson")
        # reading the shared run is harmless, so it stays in read-only mode; steering it does not
        gr.Button(visible=False).click(tab_train.status, None, status_json, api_name="train_status", queue=False)
        if not read_only:
            mode = gr.Textbox(label="mode")
            gr.Button(visible=False).click(friendly(tab_train.step), mode, text, api_name="train_step",
                                           concurrency_limit=None)
