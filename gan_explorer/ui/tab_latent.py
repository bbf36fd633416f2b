"""Latent explorer: a seed, sliders for the first latent values and for GANSpace directions,
interpolation between two seeds, and seed arithmetic.

The picture follows a slider while it is dragged without a Gradio round trip: the page
runs the entry's generator itself (static/generator.js, weights from routes.py) and draws
into a canvas; for models it cannot run, a small script (static/live.js) points the <img>
at the fast PNG route instead. Python rewrites the picture box whenever the model, the
seed or the class changes, with the seed's latent for the page to compose sliders onto.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass

import gradio as gr

from gan_explorer import latent, zoo
from gan_explorer.ui import render, routes, state
from gan_explorer.ui.common import entry_choices, friendly, model_status
from gan_explorer.ui.strings import T, lang_of, msg
from gan_explorer.webexport import UnsupportedExport

DEFAULT_ENTRY = "dcgan-mnist"
METHODS = ["slerp", "lerp"]


@dataclass
class LatentTab:
    entry: gr.Dropdown
    seed: gr.Number
    label: gr.Slider
    dims: list[gr.Slider]
    pcs: list[gr.Slider]
    live: gr.HTML
    status: gr.Markdown
    strip: gr.Image
    arithmetic: gr.Image


def live_html(view: render.LatentView, lang: str) -> str:
    """The picture and its PNG export link; live.js rewrites both while a slider moves.

    For image models the box also carries what the page needs to draw the picture itself
    (static/generator.js): the exported generator's URL, the seed's whole latent and the class.
    The <img> from the server route shows first and stays the fallback."""
    url = html.escape(view.url())
    download = html.escape(view.url(scale=8, download=1))
    name = html.escape(f"gan-explorer-{view.entry}-seed{view.seed}.png")
    alt = html.escape(msg(lang, "latent.alt"))
    pixelated = " pixelated" if render.kind_of(view.entry) == "image" else ""
    browser = _browser_attributes(view)
    canvas = (f'<canvas id="latent-canvas" class="live-img{pixelated}" role="img" aria-label="{alt}" '
              f'style="display:none"></canvas>') if browser else ""
    return (f'<div class="live-view"{browser}><img id="latent-live" class="live-img{pixelated}" src="{url}" '
            f'alt="{alt}">{canvas}'
            f'<a id="latent-download" class="live-download" href="{download}" download="{name}">'
            f'{html.escape(msg(lang, "latent.export"))}</a></div>')


def _browser_attributes(view: render.LatentView) -> str:
    """data-model / data-z / data-label for generator.js, or "" when the page cannot run this model."""
    loaded = state.MODELS.get(view.entry)
    try:
        loaded.browser_generator()
    except UnsupportedExport:
        return ""
    model = f"{routes.GENERATOR_ROUTE.lstrip('/')}/{view.entry}.json?v={loaded.version}"
    z = ",".join(f"{v:.9g}" for v in render.seed_latent(view.entry, view.seed))  # 9 digits: float32 exactly
    label = f' data-label="{view.label}"' if view.label is not None else ""
    return f' data-model="{html.escape(model)}" data-z="{z}"{label}'


def _slider_updates(entry: str, values: list[float] | None, offsets: list[float] | None):
    """Sliders shown, ranged and (when given) set for an entry: latent dims, then directions."""
    e = zoo.entry(entry)
    low, high = render.slider_range(entry)
    dims = []
    for i in range(render.LATENT_SLIDERS):
        visible = i < e.model.latent_dim
        kwargs = {"minimum": low, "maximum": high, "visible": visible}
        if values is not None:
            # hidden sliders rest at 0, inside every range: Gradio checks each input against the
            # slider's current range, even for sliders an entry does not use
            kwargs["value"] = values[i] if visible else 0.0
        dims.append(gr.Slider(**kwargs))
    count = min(state.PCA_COMPONENTS, e.model.latent_dim)
    explained = state.MODELS.get(entry).directions().explained.tolist()
    pcs = []
    for i in range(state.PCA_COMPONENTS):
        kwargs = {"visible": i < count}
        if i < count:
            kwargs["label"] = f"PC {i + 1} ({100 * explained[i]:.1f} %)"
        if offsets is not None:
            kwargs["value"] = offsets[i] if i < len(offsets) else 0.0
        pcs.append(gr.Slider(**kwargs))
    return dims, pcs


def _padded(dims: list[float]) -> list[float]:
    """Latent values padded to the number of z sliders, so direction offsets follow at a fixed index."""
    return dims + [0.0] * (render.LATENT_SLIDERS - len(dims))


def _view(entry, seed, label, values) -> render.LatentView:
    """The view from raw widget values: only the sliders the entry shows count."""
    e = zoo.entry(entry)
    dims = values[: render.LATENT_SLIDERS][: e.model.latent_dim]
    pcs = values[render.LATENT_SLIDERS :][: min(state.PCA_COMPONENTS, e.model.latent_dim)]
    return render.LatentView.parse(entry, seed, dims, pcs, label if e.model.num_classes else None)


def choose_entry(entry: str, seed, label, request: gr.Request):
    """A new model: sliders re-ranged and set from the seed, directions reset, status says which weights."""
    lang = lang_of(request)
    seed = latent.check_seed(seed)
    values = render.seed_values(entry, seed)
    dims, pcs = _slider_updates(entry, values, offsets=[])
    e = zoo.entry(entry)
    label_update = gr.Slider(visible=bool(e.model.num_classes), maximum=max(1, e.model.num_classes - 1))
    view = _view(entry, seed, label, _padded(values) + [0.0] * state.PCA_COMPONENTS)
    return [model_status(entry, lang), label_update, *dims, *pcs, live_html(view, lang)]


def choose_seed(request: gr.Request, entry: str, seed, label, *pcs):
    """A new seed: the first sliders jump to its latent values; direction offsets are kept.

    (The request comes first: Gradio passes it by position, which a parameter after *pcs cannot take.)"""
    lang = lang_of(request)
    values = render.seed_values(entry, latent.check_seed(seed))
    view = _view(entry, seed, label, _padded(values) + list(pcs))
    updates = [gr.Slider(value=v) for v in values] + [gr.skip()] * (render.LATENT_SLIDERS - len(values))
    return [*updates, live_html(view, lang)]


def randomise(request: gr.Request, entry: str, label, *pcs):
    seed = random.randint(0, 99_999)
    return [seed, *choose_seed(request, entry, seed, label, *pcs)]


def refresh(request: gr.Request, entry: str, seed, label, *values) -> str:
    return live_html(_view(entry, seed, label, list(values)), lang_of(request))


def generate(entry: str, seed, dims, pcs, label):
    """One latent's picture: the seed's latent with its first values replaced by `dims`
    and moved `pcs[i]` units along principal direction i (same as the sliders)."""
    return render.latent_picture(render.LatentView.parse(entry, seed, dims, pcs, label))


def link_query(entry: str, seed, label, *values) -> str:
    query = _view(entry, seed, label, list(values)).query()
    return "?" + "&".join(f"{k}={v}" for k, v in {"tab": "latent", **query}.items())


def build() -> LatentTab:
    with gr.Accordion(T("latent.about.title"), open=False):
        gr.Markdown(T("latent.about"))
    e = zoo.entry(DEFAULT_ENTRY)
    low, high = render.slider_range(DEFAULT_ENTRY)
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            entry = gr.Dropdown(entry_choices(), value=DEFAULT_ENTRY, label=T("common.model"), elem_id="latent-entry")
            status = gr.Markdown(elem_id="latent-status")
            with gr.Row(equal_height=True):
                seed = gr.Number(value=0, label=T("common.seed"), precision=0, minimum=0, maximum=latent.MAX_SEED,
                                 elem_id="latent-seed", scale=2, min_width=100)
                shuffle = gr.Button(T("common.randomise"), size="sm", elem_id="latent-randomise", scale=1,
                                    min_width=80)
            label = gr.Slider(0, 9, value=0, step=1, label=T("common.class"), visible=bool(e.model.num_classes),
                              elem_id="latent-label")
            live = gr.HTML(elem_id="latent-live-box", js_on_load=None)
            with gr.Row(equal_height=True):
                link_btn = gr.Button(T("common.copy_link"), size="sm", elem_id="latent-link-btn", scale=1,
                                     min_width=80)
                link = gr.Textbox(show_label=False, buttons=["copy"], interactive=False, elem_id="latent-link",
                                  scale=3, placeholder=T("common.link_placeholder"))
        with gr.Column(scale=1, min_width=280):
            gr.Markdown(T("latent.dims"))
            dims = [gr.Slider(low, high, value=0.0, step=0.01, label=f"z[{i}]", visible=i < e.model.latent_dim,
                              elem_id=f"latent-dim-{i}", elem_classes=["latent-slider"])
                    for i in range(render.LATENT_SLIDERS)]
        with gr.Column(scale=1, min_width=280):
            gr.Markdown(T("latent.pcs"))
            pcs = [gr.Slider(-render.SLIDER_LIMIT, render.SLIDER_LIMIT, value=0.0, step=0.05, label=f"PC {i + 1}",
                             visible=i < e.model.latent_dim, elem_id=f"latent-pc-{i}", elem_classes=["latent-slider"])
                   for i in range(state.PCA_COMPONENTS)]
    with gr.Row(equal_height=False):
        with gr.Column(min_width=320):
            gr.Markdown(T("latent.interp"))
            with gr.Row():
                seed_a = gr.Number(value=1, label=T("latent.seed_a"), precision=0, minimum=0, elem_id="interp-a")
                seed_b = gr.Number(value=2, label=T("latent.seed_b"), precision=0, minimum=0, elem_id="interp-b")
            with gr.Row():
                steps = gr.Slider(2, 16, value=8, step=1, label=T("latent.steps"), elem_id="interp-steps")
                method = gr.Radio(METHODS, value="slerp", label=T("latent.method"), elem_id="interp-method")
            interp_btn = gr.Button(T("latent.interp_btn"), elem_id="interp-btn")
            strip = gr.Image(label=T("latent.strip"), format="png", interactive=False, elem_id="interp-strip")
        with gr.Column(min_width=320):
            gr.Markdown(T("latent.arith"))
            with gr.Row():
                arith_a = gr.Number(value=1, label="A", precision=0, minimum=0, elem_id="arith-a")
                arith_b = gr.Number(value=2, label="B", precision=0, minimum=0, elem_id="arith-b")
                arith_c = gr.Number(value=3, label="C", precision=0, minimum=0, elem_id="arith-c")
            arith_btn = gr.Button(T("latent.arith_btn"), elem_id="arith-btn")
            arith = gr.Image(label="A + B − C", format="png", interactive=False, elem_id="arith-out")

    sliders = [*dims, *pcs]
    private = dict(api_visibility="private", show_progress="hidden")
    interp_inputs = [entry, seed_a, seed_b, steps, method, label]
    arith_inputs = [entry, arith_a, arith_b, arith_c, label]

    def redraw_panels(event) -> None:
        """The interpolation and arithmetic pictures follow a change of model or class."""
        event.then(friendly(render.interpolation_picture), interp_inputs, strip, **private).then(
            friendly(render.arithmetic_picture), arith_inputs, arith, **private)

    redraw_panels(entry.input(friendly(choose_entry), [entry, seed, label], [status, label, *sliders, live], **private))
    seed.input(friendly(choose_seed), [entry, seed, label, *pcs], [*dims, live], trigger_mode="always_last",
               **private)
    shuffle.click(friendly(randomise), [entry, label, *pcs], [seed, *dims, live], **private)
    redraw_panels(label.release(friendly(refresh), [entry, seed, label, *sliders], live, **private))
    link_btn.click(friendly(link_query), [entry, seed, label, *sliders], link, **private).then(
        None, link, link, js="(q) => window.location.origin + window.location.pathname + q")
    interp_btn.click(friendly(render.interpolation_picture), interp_inputs, strip, api_name="interpolate")
    arith_btn.click(friendly(render.arithmetic_picture), arith_inputs, arith, api_name="arithmetic")
    return LatentTab(entry, seed, label, dims, pcs, live, status, strip, arith)


def restore_outputs(tab: LatentTab) -> list:
    return [tab.entry, tab.seed, tab.label, tab.status, *tab.dims, *tab.pcs, tab.live, tab.strip, tab.arithmetic]


def restore(query: dict, lang: str) -> list:
    """The view a shared link describes (defaults for what it leaves out), ready for restore_outputs."""
    entry = query.get("entry") or DEFAULT_ENTRY
    seed = latent.check_seed(query.get("seed", 0))
    e = zoo.entry(entry)
    parsed = render.LatentView.parse(entry, seed, query.get("dims"), query.get("pcs"), query.get("label"))
    room = min(render.LATENT_SLIDERS, e.model.latent_dim)
    values = list(parsed.dims) + render.seed_values(entry, seed)[len(parsed.dims) : room]
    offsets = list(parsed.pcs) + [0.0] * (min(state.PCA_COMPONENTS, e.model.latent_dim) - len(parsed.pcs))
    view = render.LatentView(entry, seed, tuple(values), tuple(offsets), parsed.label)
    dims, pcs = _slider_updates(entry, values, offsets)
    label = gr.Slider(value=parsed.label or 0, visible=bool(e.model.num_classes),
                      maximum=max(1, e.model.num_classes - 1))
    # the interpolation and arithmetic panels open with their default seeds drawn
    strip = render.interpolation_picture(entry, 1, 2, 8, "slerp", parsed.label)
    arithmetic = render.arithmetic_picture(entry, 1, 2, 3, parsed.label)
    return [entry, seed, label, model_status(entry, lang), *dims, *pcs, live_html(view, lang), strip, arithmetic]
