"""Train tab: pick an entry, set hyperparameters, start / pause / step / stop, watch it learn.

One TrainingRunner serves the whole server (state.RUNNER), so every visitor watches
the same run, and it carries on across reloads. A 1-second gr.Timer polls the
runner's snapshot and redraws only when its version changed. In read-only (--demo)
mode the control listeners are never registered: the tab only watches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import gradio as gr

from gan_explorer import latent, zoo
from gan_explorer.training.runner import RunSnapshot
from gan_explorer.ui import state, trainview
from gan_explorer.ui.common import entry_choices, friendly
from gan_explorer.ui.strings import T, lang_of, msg

DEFAULT_ENTRY = "ring-gan"
POLL_SECONDS = 1.0


@dataclass
class TrainTab:
    entry: gr.Dropdown
    status: gr.Markdown
    defaults_outputs: list  # what entry_defaults fills: the settings, the entry's lesson, its architecture
    about: gr.Markdown


def _number(value, name: str, low: float, high: float, whole: bool = False) -> float | int:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(v) or not low <= v <= high or (whole and v != int(v)):
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"{name} must be {kind} in {low:g} … {high:g}, not {value!r}")
    return int(v) if whole else v


def live_settings(lr_g, lr_d, n_critic, batch_size) -> dict:
    """The settings a run may change while it goes on, validated."""
    return {
        "lr_g": _number(lr_g, "lr_g", 1e-7, 1.0),
        "lr_d": _number(lr_d, "lr_d", 1e-7, 1.0),
        "n_critic": _number(n_critic, "n_critic", 1, 20, whole=True),
        "batch_size": _number(batch_size, "batch size", 1, 4096, whole=True),
    }


# ---- handlers (plain values in, plain values out) -------------------------------------------------

def entry_about(entry: str, lang: str) -> str:
    e = zoo.entry(entry)
    return (f"**{e.title}** · {msg(lang, 'train.dataset')}: `{e.dataset}` · "
            f"{msg(lang, 'train.loss')}: `{e.train.loss}`\n\n{e.lesson}")


def entry_defaults(entry: str, request: gr.Request):
    """An entry's recipe in the controls, its lesson and its architecture."""
    t = zoo.entry(entry).train
    lang = lang_of(request)
    return (t.lr_g, t.lr_d, t.n_critic, t.batch_size, t.steps, t.seed, entry_about(entry, lang),
            trainview.architecture_text(entry, lang))


def _status(request: gr.Request | None) -> str:
    return trainview.status_text(state.RUNNER.snapshot(), lang_of(request))


def start(entry: str, lr_g, lr_d, n_critic, batch_size, steps, seed, request: gr.Request) -> str:
    """Start training `entry` with these settings; a run already in progress must be stopped first."""
    overrides = {**live_settings(lr_g, lr_d, n_critic, batch_size), "seed": latent.check_seed(seed)}
    steps = _number(steps, "steps", 1, 1_000_000, whole=True)
    state.RUNNER.start(entry, train_overrides=overrides, steps=steps)
    return _status(request)


def pause(request: gr.Request) -> str:
    state.RUNNER.pause()
    return _status(request)


def resume(request: gr.Request) -> str:
    state.RUNNER.resume()
    return _status(request)


def stop(request: gr.Request) -> str:
    state.RUNNER.stop()
    return _status(request)


def reset(request: gr.Request) -> str:
    state.RUNNER.reset()
    return _status(request)


def step(mode: str, request: gr.Request) -> str:
    """One update of a paused run: mode 'd', 'g' or 'both'."""
    if mode not in ("d", "g", "both"):
        raise ValueError(f"step mode must be 'd', 'g' or 'both', not {mode!r}")
    state.RUNNER.step(mode)
    return _status(request)


def save(request: gr.Request) -> str:
    try:
        path = state.RUNNER.save()
    except OSError as exc:  # disk full, folder not writable: the atomic write replaced nothing
        raise RuntimeError(msg(lang_of(request), "train.save_failed", error=exc.strerror or exc)) from exc
    return msg(lang_of(request), "train.saved", path=str(path)) + "\n\n" + _status(request)


def update(lr_g, lr_d, n_critic, batch_size, request: gr.Request) -> str:
    """Change learning rates, n_critic or batch size of the run in progress (next update on)."""
    state.RUNNER.update(**live_settings(lr_g, lr_d, n_critic, batch_size))
    return _status(request)


def link_query(entry: str) -> str:
    return f"?tab=train&entry={zoo.entry(entry).name}"


def status() -> dict:
    """The shared run as JSON: status, step, history length, latest metrics, settings."""
    return trainview.status_dict(state.RUNNER.snapshot())


def timelapse() -> str:
    return str(trainview.timelapse_gif(state.RUNNER.snapshot()))


def _needs_redraw(snap: RunSnapshot, seen: dict, smoothing: float, lang: str) -> tuple[bool, bool]:
    changed = seen.get("version") != snap.version or seen.get("smoothing") != smoothing or seen.get("lang") != lang
    new_samples = seen.get("samples") != (snap.entry, snap.samples_step, snap.samples is None)
    return changed, changed and new_samples


def poll(smoothing: float, seen: dict | None, request: gr.Request):
    """Redraw from the runner's snapshot, or skip every output when nothing changed since last time."""
    seen = seen or {}
    lang = lang_of(request)
    state.one_thread()
    snap = state.RUNNER.snapshot()
    changed, new_samples = _needs_redraw(snap, seen, smoothing, lang)
    if not changed:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
    picture = gr.skip()
    if new_samples:
        model = state.RUNNER.model_copy() if snap.samples is not None and snap.samples.dim() == 2 else None
        picture = trainview.samples_picture(snap, model)
    seen = {"version": snap.version, "smoothing": smoothing, "lang": lang,
            "samples": (snap.entry, snap.samples_step, snap.samples is None)}
    return (trainview.status_text(snap, lang), trainview.loss_frame(snap, smoothing, lang),
            trainview.d_output_frame(snap, smoothing, lang), picture, seen)


# ---- layout -------------------------------------------------------------------------------------

def build(read_only: bool) -> TrainTab:
    with gr.Accordion(T("train.about.title"), open=False):
        gr.Markdown(T("train.about"))
    if read_only:
        gr.Markdown(T("train.readonly"), elem_id="train-readonly")
    editable = dict(interactive=not read_only)  # a read-only server shows the recipe, nobody can change it
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            entry = gr.Dropdown(entry_choices(), value=DEFAULT_ENTRY, label=T("train.entry"), elem_id="train-entry")
            about = gr.Markdown(elem_id="train-entry-about")
            with gr.Row():
                lr_g = gr.Number(label="lr_g", minimum=0, step=1e-4, elem_id="train-lr-g", **editable)
                lr_d = gr.Number(label="lr_d", minimum=0, step=1e-4, elem_id="train-lr-d", **editable)
            with gr.Row():
                n_critic = gr.Number(label="n_critic", precision=0, minimum=1, maximum=20, elem_id="train-n-critic",
                                     **editable)
                batch = gr.Number(label=T("train.batch"), precision=0, minimum=1, maximum=4096, elem_id="train-batch",
                                  **editable)
            with gr.Row():
                steps = gr.Number(label=T("train.steps"), precision=0, minimum=1, elem_id="train-steps", **editable)
                seed = gr.Number(label=T("common.seed"), precision=0, minimum=0, elem_id="train-seed", **editable)
            if not read_only:
                small = dict(size="sm", min_width=70)
                with gr.Row():
                    start_btn = gr.Button(T("train.start"), variant="primary", min_width=70, elem_id="train-start")
                    pause_btn = gr.Button(T("train.pause"), min_width=70, elem_id="train-pause")
                    resume_btn = gr.Button(T("train.resume"), min_width=70, elem_id="train-resume")
                    stop_btn = gr.Button(T("train.stop"), variant="stop", min_width=70, elem_id="train-stop")
                with gr.Row():
                    step_d = gr.Button(T("train.step_d"), elem_id="train-step-d", **small)
                    step_g = gr.Button(T("train.step_g"), elem_id="train-step-g", **small)
                    step_both = gr.Button(T("train.step_both"), elem_id="train-step-both", **small)
                with gr.Row():
                    apply_btn = gr.Button(T("train.apply"), elem_id="train-apply", **small)
                    reset_btn = gr.Button(T("train.reset"), elem_id="train-reset", **small)
                    save_btn = gr.Button(T("train.save"), elem_id="train-save", **small)
            samples = gr.Image(label=T("train.samples"), type="numpy", format="png", interactive=False,
                               height=400, elem_id="train-samples")
        with gr.Column(scale=3, min_width=420):
            status_md = gr.Markdown(elem_id="train-status")
            loss_plot = gr.LinePlot(x="step", y="value", color="series", label=T("train.loss_plot"),
                                    y_title=" ", color_title=" ", elem_id="train-loss-plot")
            d_plot = gr.LinePlot(x="step", y="value", color="series", label=T("train.d_plot"),
                                 y_title=" ", color_title=" ", elem_id="train-d-plot")
            smoothing = gr.Slider(0, 0.99, value=0.6, step=0.01, label=T("train.smoothing"), elem_id="train-smoothing")
            with gr.Row(equal_height=True):
                link_btn = gr.Button(T("common.copy_link"), size="sm", elem_id="train-link-btn", scale=1, min_width=80)
                link = gr.Textbox(show_label=False, buttons=["copy"], interactive=False, elem_id="train-link", scale=3,
                                  placeholder=T("common.link_placeholder"))
    if not read_only:
        with gr.Accordion(T("train.timelapse_out"), open=False):
            gif_btn = gr.Button(T("train.timelapse"), size="sm", elem_id="train-timelapse")
            gif = gr.Image(label=T("train.timelapse_out"), type="filepath", interactive=False, height=360,
                           elem_id="train-gif")
    with gr.Accordion(T("train.arch"), open=False):
        arch = gr.Markdown(elem_id="train-arch")

    seen = gr.State({})
    settings = [lr_g, lr_d, n_critic, batch, steps, seed]
    entry.change(friendly(entry_defaults), entry, [*settings, about, arch], api_visibility="private",
                 queue=False)
    timer = gr.Timer(POLL_SECONDS)
    outputs = [status_md, loss_plot, d_plot, samples, seen]
    timer.tick(poll, [smoothing, seen], outputs, api_visibility="private", queue=False, show_progress="hidden")
    smoothing.change(poll, [smoothing, seen], outputs, api_visibility="private", queue=False,
                     show_progress="hidden")

    link_btn.click(link_query, entry, link, api_visibility="private", queue=False).then(
        None, link, link, js="(q) => window.location.origin + window.location.pathname + q")

    if not read_only:
        gr_control = dict(outputs=status_md, concurrency_limit=None)
        start_btn.click(friendly(start), [entry, *settings], api_name="train_start", **gr_control)
        pause_btn.click(friendly(pause), None, api_name="train_pause", **gr_control)
        resume_btn.click(friendly(resume), None, api_name="train_resume", **gr_control)
        stop_btn.click(friendly(stop), None, api_name="train_stop", **gr_control)
        reset_btn.click(friendly(reset), None, api_name="train_reset", **gr_control)
        save_btn.click(friendly(save), None, api_name="train_save", **gr_control)
        apply_btn.click(friendly(update), [lr_g, lr_d, n_critic, batch], api_name="train_update", **gr_control)
        for button, mode in ((step_d, "d"), (step_g, "g"), (step_both, "both")):
            button.click(friendly(_step_of(mode)), None, api_visibility="private", **gr_control)
        gif_btn.click(friendly(timelapse), None, gif, api_name="train_timelapse")
    return TrainTab(entry, status_md, [*settings, about, arch], about)


def _step_of(mode: str):
    def one_step(request: gr.Request) -> str:
        return step(mode, request)
    return one_step
