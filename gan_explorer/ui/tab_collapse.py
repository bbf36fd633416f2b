"""Mode collapse tab: a wall of samples from many seeds, each sample's nearest real
example, how spread out the samples are next to real data, and for the 2-D mixtures
how many samples land on each mode."""

from __future__ import annotations

import math
from dataclasses import dataclass

import gradio as gr
import pandas as pd
import torch

from gan_explorer import data, latent, visualize, zoo
from gan_explorer.ui import inspect, render, state
from gan_explorer.ui.common import entry_choices, friendly, model_status
from gan_explorer.ui.strings import T, lang_of, msg

RUN = "run"  # the source value that means "the model being trained right now"
DEFAULT_SOURCE = "mnist-mlp-naive"
REAL_REFERENCE = 5000  # real examples searched for nearest neighbours (all of them when fewer)


@dataclass
class CollapseTab:
    source: gr.Dropdown
    seed: gr.Number
    count: gr.Slider
    outputs: list


def _model_and_entry(source: str, lang: str):
    if source == RUN:
        snap = state.RUNNER.snapshot()
        model = state.RUNNER.model_copy()
        if model is None or not snap.entry:
            raise RuntimeError(msg(lang, "collapse.no_run"))
        return model, snap.entry, msg(lang, "collapse.from_run", entry=snap.entry, step=snap.step)
    loaded = state.MODELS.get(source)
    return loaded.model, source, model_status(source, lang)


def _real(dataset: str) -> torch.Tensor:
    source = state.dataset(dataset)
    x = getattr(source, "x", None)
    if x is not None and len(x) <= REAL_REFERENCE:
        return x.cpu()
    return state.real_samples(dataset, REAL_REFERENCE)


def measure(source: str, seed, count, lang: str = "en"):
    """Sample `count` seeds of `source` (a zoo entry or 'run') and measure how varied they are:
    (summary, sample wall, sample/neighbour pairs or None, per-mode counts or None)."""
    seed, count = latent.check_seed(seed), render.check_count(count, 4, render.MAX_COUNT)
    model, entry, origin = _model_and_entry(source, lang)
    samples = model.sample(count, seed=seed).cpu()
    e = zoo.entry(entry)
    real = _real(e.dataset)
    neighbours = inspect.nearest_real(samples, real)
    reference = real[torch.randperm(len(real), generator=torch.Generator().manual_seed(seed))[:count]]
    spread, real_spread = inspect.mean_pairwise_distance(samples), inspect.mean_pairwise_distance(reference)
    distinct = len(set(neighbours.index.tolist()))
    lines = [origin, msg(lang, "collapse.summary", count=count, distinct=distinct,
                         spread=f"{spread:.3g}", real_spread=f"{real_spread:.3g}",
                         ratio=f"{spread / max(real_spread, 1e-12):.2f}",
                         nn=f"{neighbours.distance.mean():.3g}")]
    kind = render.kind_of(entry)
    if kind == "image":
        nrow = max(1, int(math.ceil(math.sqrt(count))))
        wall = render.upscale(visualize.image_grid(samples, nrow=nrow), 480)
        pairs_order = torch.stack([samples, real[neighbours.index]], dim=1).flatten(0, 1)
        pairs = render.upscale(visualize.image_grid(pairs_order, nrow=2 * min(10, count)), 480)
    elif kind == "points":
        wall, pairs = visualize.points(samples, real[:1000], limit=float(real.abs().max()) * 1.3), None
    elif kind == "curves":
        wall, pairs = visualize.curves(samples, count=min(count, 32)), None
    else:
        wall, pairs = visualize.pattern_bars(samples, count=min(count, 12)), None

    counts = None
    centres = data.mode_centres(e.dataset) if kind == "points" else None
    if centres is not None:
        modes, sigma = centres
        result = inspect.mode_counts(samples, modes, sigma)
        names = [f"{i + 1:02d}" for i in range(len(result.counts))] + [msg(lang, "collapse.off")]
        counts = pd.DataFrame({"mode": names, "count": [*result.counts, result.off_mode]})
        lines.append(msg(lang, "collapse.modes", captured=result.captured, total=len(result.counts),
                         hq=f"{100 * result.high_quality / count:.1f}"))
    return "\n\n".join(lines), wall, pairs, counts


def inspect_source(source: str, seed, count, request: gr.Request | None = None):
    """The tab's view of measure(): the pairs and the mode bars only where they mean something."""
    summary, wall, pairs, counts = measure(source, seed, count, lang_of(request))
    return (summary, wall, gr.Image(value=pairs, visible=pairs is not None),
            gr.BarPlot(value=counts, visible=counts is not None))


def link_query(source: str, seed, count) -> str:
    if source != RUN:
        zoo.entry(source)
    return f"?tab=collapse&entry={source}&seed={latent.check_seed(seed)}&count={int(count)}"


def build() -> CollapseTab:
    with gr.Accordion(T("collapse.about.title"), open=False):
        gr.Markdown(T("collapse.about"))
    choices = [(msg("en", "collapse.run_choice"), RUN), *entry_choices()]
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            source = gr.Dropdown(choices, value=DEFAULT_SOURCE, label=T("collapse.source"), elem_id="collapse-source")
            seed = gr.Number(value=0, label=T("common.seed"), precision=0, minimum=0, elem_id="collapse-seed")
            count = gr.Slider(4, render.MAX_COUNT, value=100, step=1, label=T("collapse.count"),
                              elem_id="collapse-count")
            run_btn = gr.Button(T("collapse.inspect"), variant="primary", elem_id="collapse-btn")
            summary = gr.Markdown(elem_id="collapse-summary")
            bars = gr.BarPlot(x="mode", y="count", label=T("collapse.bars"), visible=False, height=240,
                              elem_id="collapse-bars", sort="x")
            with gr.Row(equal_height=True):
                link_btn = gr.Button(T("common.copy_link"), size="sm", elem_id="collapse-link-btn", scale=1)
                link = gr.Textbox(show_label=False, buttons=["copy"], interactive=False, elem_id="collapse-link",
                                  scale=3, placeholder=T("common.link_placeholder"))
        with gr.Column(scale=1, min_width=320):
            wall = gr.Image(label=T("collapse.wall"), format="png", interactive=False, elem_id="collapse-wall")
        with gr.Column(scale=1, min_width=320):
            pairs = gr.Image(label=T("collapse.pairs"), format="png", interactive=False, elem_id="collapse-pairs")
    outputs = [summary, wall, pairs, bars]
    run_btn.click(friendly(inspect_source), [source, seed, count], outputs, api_visibility="private")
    link_btn.click(friendly(link_query), [source, seed, count], link, api_visibility="private").then(
        None, link, link, js="(q) => window.location.origin + window.location.pathname + q")
    return CollapseTab(source, seed, count, outputs)


def restore_outputs(tab: CollapseTab) -> list:
    return [tab.source, tab.seed, tab.count, *tab.outputs]


def restore(query: dict, lang: str, active: bool, request: gr.Request) -> list:
    """Controls from the link, and their inspection."""
    source = query.get("entry") or DEFAULT_SOURCE
    if source != RUN:
        zoo.entry(source)
    seed = latent.check_seed(query.get("seed", 0))
    count = render.check_count(query.get("count", 100), 4, render.MAX_COUNT)
    results = list(inspect_source(source, seed, count, request)) if active else [gr.skip()] * 4
    return [source, seed, count, *results]
