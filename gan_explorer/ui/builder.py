"""Builds the whole app from the tab modules, restores shared views, and launches it.

``build_demo(read_only)`` returns the gr.Blocks; ``launch(...)`` serves it with the
fast slider route, the page script and style, translations, and the share-link fallback.
In read-only mode (``--demo``) the listeners that train, save, reset or write files are
never registered, so they exist neither in the page nor in the API.
"""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from gan_explorer import zoo
from gan_explorer.ui import (
    api,
    limits,
    routes,
    state,
    tab_collapse,
    tab_conditional,
    tab_denoise,
    tab_latent,
    tab_open,
    tab_train,
    tab_translate,
)
from gan_explorer.ui.common import USER_ERRORS, friendly, model_status
from gan_explorer.ui.strings import I18N, T, choose_language, lang_of, msg

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
TAB_IDS = ("train", "latent", "conditional", "collapse", "denoise", "translate")
DEMO_QUEUE_SIZE = 32  # read-only servers refuse work beyond this many waiting events
DEMO_MAX_FILE_SIZE = "2mb"


def head_html() -> str:
    scripts = ("generator.js", "live.js")  # live.js draws with generator.js's runtime
    return "".join(f"<script>\n{(STATIC / name).read_text(encoding='utf-8')}\n</script>" for name in scripts)


def css() -> str:
    return (STATIC / "style.css").read_text(encoding="utf-8")


def _note(lang: str) -> str:
    notes = []  # (read-only mode is explained where it matters, in the Train tab)
    if state.NOTES.share_failed:
        notes.append(msg(lang, "note.share_failed"))
    elif state.NOTES.share_url:
        notes.append(msg(lang, "note.share_ok", url=state.NOTES.share_url))
    return "\n\n".join(notes)


def build_demo(read_only: bool = False) -> gr.Blocks:
    state.NOTES.read_only = read_only
    with gr.Blocks(title="GAN Explorer") as demo:
        with gr.Row(elem_id="app-header", equal_height=True):
            with gr.Column(scale=5):
                gr.Markdown(T("app.title"))
                gr.Markdown(T("app.subtitle"))
            language = gr.Radio([("English", "en"), ("中文", "zh")], value="en", label=T("lang.label"),
                                elem_id="lang-switch", scale=1, min_width=180)
        note = gr.Markdown(elem_id="server-note")
        with gr.Tabs(selected="train", elem_id="tabs") as tabs:
            with gr.Tab(T("tab.train"), id="train", elem_id="tab-train") as train_tab:
                train = tab_train.build(read_only)
            with gr.Tab(T("tab.latent"), id="latent", elem_id="tab-latent") as latent_tab:
                latent = tab_latent.build()
            with gr.Tab(T("tab.conditional"), id="conditional", elem_id="tab-conditional") as conditional_tab:
                conditional = tab_conditional.build()
            with gr.Tab(T("tab.collapse"), id="collapse", elem_id="tab-collapse") as collapse_tab:
                collapse = tab_collapse.build()
            with gr.Tab(T("tab.denoise"), id="denoise", elem_id="tab-denoise") as denoise_tab:
                tab_denoise.build()
            with gr.Tab(T("tab.translate"), id="translate", elem_id="tab-translate") as translate_tab:
                tab_translate.build()
            if not read_only:  # opening a checkpoint writes it into the app's data directory
                with gr.Tab(T("tab.open"), id="open", elem_id="tab-open") as open_tab:
                    tab_open.build(demo, latent.entry, collapse.source)
        tab_collapse.on_select(collapse_tab, collapse)
        tab_blocks = [train_tab, latent_tab, conditional_tab, collapse_tab, denoise_tab, translate_tab,
                      *([] if read_only else [open_tab])]
        tab_labels = [f"tab.{tab_id}" for tab_id in TAB_IDS] + ([] if read_only else ["tab.open"])
        api.build(read_only)

        views = [*tab_latent.restore_outputs(latent), *tab_conditional.restore_outputs(conditional),
                 *tab_collapse.restore_outputs(collapse)]

        def restore(request: gr.Request):
            """Open the view a shared link describes (?tab=latent&entry=…&seed=…&dims=…)."""
            state.one_thread()
            lang = lang_of(request)
            query = dict(request.query_params) if request is not None else {}
            tab = query.get("tab") if query.get("tab") in TAB_IDS else None
            try:
                restored = [*tab_latent.restore(query if tab == "latent" else {}, lang),
                            *tab_conditional.restore(query if tab == "conditional" else {}, lang),
                            *tab_collapse.restore(query if tab == "collapse" else {}, lang, tab == "collapse",
                                                  request)]
                train_entry = zoo.entry(query["entry"]).name if tab == "train" and query.get("entry") else gr.skip()
            except USER_ERRORS as exc:  # a broken link still opens the app, with the default view
                error = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
                gr.Warning(msg(lang, "link.bad", error=error))
                tab, train_entry = None, gr.skip()
                restored = [*tab_latent.restore({}, lang), *tab_conditional.restore({}, lang),
                            *tab_collapse.restore({}, lang, False, request)]
            return [_note(lang), lang, gr.Tabs(selected=tab) if tab else gr.skip(), *restored, train_entry]

        hidden = dict(api_visibility="private", show_progress="hidden")
        demo.load(restore, None, [note, language, tabs, *views, train.entry], **hidden)
        demo.load(friendly(tab_train.entry_defaults), train.entry, train.defaults_outputs, **hidden)

        def switch_language(lang: str, latent_entry: str, conditional_entry: str, train_entry: str,
                            request: gr.Request):
            """Remember the choice for this visitor and redraw the server-written lines in it.
            The tab labels are sent again because Gradio's tab bar only re-translates the open tab."""
            lang = choose_language(lang, request)
            labels = [gr.Tab(label=T(key)) for key in tab_labels]
            return (_note(lang), model_status(latent_entry, lang), model_status(conditional_entry, lang),
                    tab_train.entry_about(train_entry, lang), *labels)

        language.input(friendly(switch_language), [language, latent.entry, conditional.entry, train.entry],
                       [note, latent.status, conditional.status, train.about, *tab_blocks], api_visibility="private",
                       show_progress="hidden",
                       js="async (lang, a, b, c) => { await window.ganSetLocale(lang); return [lang, a, b, c]; }")
    return demo


def launch(demo: gr.Blocks, *, read_only: bool = False, share: bool = False, host: str = "127.0.0.1",
           port: int = 7860, auth: tuple[str, str] | None = None) -> None:
    """Serve until interrupted. A share link that cannot be opened is reported, and the app stays local."""
    if read_only:
        demo.queue(max_size=DEMO_QUEUE_SIZE, default_concurrency_limit=2)
    else:
        demo.queue(default_concurrency_limit=2)
    _, local_url, share_url = demo.launch(
        server_name=host, server_port=port, share=share, auth=auth, prevent_thread_lock=True,
        show_error=not read_only, i18n=I18N, css=css(), head=head_html(),
        app_kwargs={"routes": routes.routes(),
                    # a public server refuses oversized request bodies before reading them (ui/limits.py)
                    **({"middleware": [Middleware(limits.RequestSizeLimit)]} if read_only else {})},
        max_file_size=DEMO_MAX_FILE_SIZE if read_only else None,
        footer_links=["api", "gradio", "settings"],
    )
    if share and not share_url:
        state.NOTES.share_failed = True
        message = (f"The share link could not be opened (no internet connection?). "
                   f"GAN Explorer keeps serving locally at {local_url}")
        log.warning(message)
    state.NOTES.share_url = share_url
    demo.block_thread()
