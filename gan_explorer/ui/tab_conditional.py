"""Conditional tab: ask a conditional GAN for one class, and see class × style
(each row keeps its latent, each column changes only the label)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import gradio as gr

from gan_explorer import latent
from gan_explorer.ui import render
from gan_explorer.ui.common import conditional_entries, entry_choices, friendly, model_status
from gan_explorer.ui.strings import T, lang_of

CLASSES = [str(i) for i in range(10)]


@dataclass
class ConditionalTab:
    entry: gr.Dropdown
    label: gr.Radio
    seed: gr.Number
    count: gr.Slider
    rows: gr.Slider
    grid: gr.Image
    styles: gr.Image
    status: gr.Markdown


def pictures(entry: str, label, seed, count, rows, request: gr.Request):
    return (model_status(entry, lang_of(request)), render.class_picture(entry, label, seed, count),
            render.class_style_picture(entry, seed, rows))


def link_query(entry: str, label, seed, count, rows) -> str:
    render.check_label(entry, label)
    return f"?tab=conditional&entry={entry}&label={int(label)}&seed={int(seed)}&count={int(count)}&rows={int(rows)}"


def build() -> ConditionalTab:
    with gr.Accordion(T("cond.about.title"), open=False):
        gr.Markdown(T("cond.about"))
    names = conditional_entries()
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            entry = gr.Dropdown(entry_choices(names), value=names[0], label=T("common.model"), elem_id="cond-entry")
            status = gr.Markdown(elem_id="cond-status")
            label = gr.Radio(CLASSES, value="7", label=T("common.class"), elem_id="cond-label")
            with gr.Row(equal_height=True):
                seed = gr.Number(value=0, label=T("common.seed"), precision=0, minimum=0, elem_id="cond-seed", scale=3)
                shuffle = gr.Button(T("common.randomise"), size="sm", elem_id="cond-randomise", scale=1)
            count = gr.Slider(1, 64, value=16, step=1, label=T("cond.count"), elem_id="cond-count")
            rows = gr.Slider(1, 12, value=6, step=1, label=T("cond.rows"), elem_id="cond-rows")
            with gr.Row(equal_height=True):
                link_btn = gr.Button(T("common.copy_link"), size="sm", elem_id="cond-link-btn", scale=1)
                link = gr.Textbox(show_label=False, buttons=["copy"], interactive=False, elem_id="cond-link", scale=3,
                                  placeholder=T("common.link_placeholder"))
        with gr.Column(scale=1, min_width=300):
            grid = gr.Image(label=T("cond.grid"), format="png", interactive=False, elem_id="cond-grid")
        with gr.Column(scale=1, min_width=300):
            styles = gr.Image(label=T("cond.styles"), format="png", interactive=False, elem_id="cond-styles")

    inputs = [entry, label, seed, count, rows]
    outputs = [status, grid, styles]
    private = dict(api_visibility="private", show_progress="hidden", trigger_mode="always_last")
    for trigger in (entry.input, label.input, seed.input, count.release, rows.release):
        trigger(friendly(pictures), inputs, outputs, **private)
    shuffle.click(lambda: random.randint(0, 99_999), None, seed, api_visibility="private", queue=False).then(
        friendly(pictures), inputs, outputs, **private)
    link_btn.click(friendly(link_query), inputs, link, api_visibility="private").then(
        None, link, link, js="(q) => window.location.origin + window.location.pathname + q")
    return ConditionalTab(entry, label, seed, count, rows, grid, styles, status)


def restore_outputs(tab: ConditionalTab) -> list:
    return [tab.entry, tab.label, tab.seed, tab.count, tab.rows, tab.status, tab.grid, tab.styles]


def restore(query: dict, lang: str) -> list:
    names = conditional_entries()
    entry = query.get("entry") or names[0]
    if entry not in names:
        raise ValueError(f"{entry!r} is not a conditional GAN; choose one of {', '.join(names)}")
    label = render.check_label(entry, query.get("label", 7))
    seed = latent.check_seed(query.get("seed", 0))
    count = render.check_count(query.get("count", 16), 1, 64)
    rows = render.check_count(query.get("rows", 6), 1, 12, "rows")
    return [entry, str(label), seed, count, rows, model_status(entry, lang),
            render.class_picture(entry, label, seed, count), render.class_style_picture(entry, seed, rows)]
