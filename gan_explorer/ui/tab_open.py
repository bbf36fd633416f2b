"""Open a checkpoint: the .safetensors + .json pair that `python -m gan_explorer train` writes,
checked in full (zoo.add_checkpoint) and then offered as `upload:NAME` in the Latent explorer
and the Mode collapse tab.

Registered only when the server is not read-only (--demo): opening copies the files into the
app's data directory (state.RUNS_DIR / "opened"). Pickle files are refused by name and never
read; a file that only claims to be safetensors fails safetensors' own parser, which runs no code.
"""

from __future__ import annotations

import secrets
import shutil
import threading
from pathlib import Path

import gradio as gr

from gan_explorer import zoo
from gan_explorer.checkpoints import METADATA_SUFFIX, WEIGHTS_SUFFIX, CheckpointError
from gan_explorer.ui import state, tab_collapse
from gan_explorer.ui.common import entry_choices, friendly
from gan_explorer.ui.strings import T, lang_of, msg

OPENED_DIR = state.RUNS_DIR / "opened"
MAX_CHECKPOINT_MB = 256  # dcgan-faces, the zoo's largest model, is a few MB
MAX_MANIFEST_MB = 1  # a manifest is a few kB of JSON; a bigger one is not a manifest
PICKLE_SUFFIXES = (".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".bin")
_current: dict[str, Path] = {}  # name -> its folder under OPENED_DIR, so opening it again replaces it
_current_lock = threading.Lock()  # two visitors may open checkpoints of the same name at once


def _file_name(item) -> Path:
    """gr.File hands over paths; gradio_client may send anything, so take only what names a file."""
    path = getattr(item, "path", None) or (item.get("path") if isinstance(item, dict) else item)
    if not isinstance(path, str | Path) or not Path(path).is_file():
        raise ValueError(f"not an uploaded file: {str(item)[:80]!r}")
    return Path(path)


def _pair(files, lang: str) -> tuple[Path, Path]:
    paths = [_file_name(f) for f in (files if isinstance(files, list | tuple) else [files] if files else [])]
    for path in paths:
        if path.name.lower().endswith(PICKLE_SUFFIXES):
            raise ValueError(msg(lang, "open.pickle", file=path.name))
        limit = MAX_MANIFEST_MB if path.name.endswith(METADATA_SUFFIX) else MAX_CHECKPOINT_MB
        if path.stat().st_size > limit * 2**20:
            raise ValueError(msg(lang, "open.too_big", file=path.name, limit=limit))
    weights = [p for p in paths if p.name.endswith(WEIGHTS_SUFFIX)]
    metadata = [p for p in paths if p.name.endswith(METADATA_SUFFIX)]
    if len(paths) != 2 or len(weights) != 1 or len(metadata) != 1:
        got = ", ".join(p.name for p in paths) or "nothing"
        raise ValueError(msg(lang, "open.need_pair", got=got[:200]))
    return weights[0], metadata[0]


def open_checkpoint(files, request: gr.Request):
    """Check an uploaded NAME.safetensors + NAME.json and add it as the model `upload:NAME`.
    Returns the outcome, and the model lists of the Latent explorer and the Mode collapse tab."""
    lang = lang_of(request)
    weights, metadata = _pair(files, lang)
    stem = weights.name[: -len(WEIGHTS_SUFFIX)]
    name = zoo.opened_name(stem)
    folder = OPENED_DIR / secrets.token_hex(6)
    target = folder / name.removeprefix(zoo.OPENED_PREFIX)
    folder.mkdir(parents=True)
    try:
        # side by side under one stem, as load_checkpoint reads them; the upload's names may differ
        shutil.copyfile(weights, target.with_name(target.name + WEIGHTS_SUFFIX))
        shutil.copyfile(metadata, target.with_name(target.name + METADATA_SUFFIX))
        opened = zoo.add_checkpoint(name, target)
    except (CheckpointError, ValueError, OSError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise ValueError(msg(lang, "open.refused", reason=exc)) from exc
    with _current_lock:
        previous, _current[name] = _current.get(name), folder
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
    loaded = state.MODELS.get(name)
    return (msg(lang, "open.ok", name=name, base=opened.trained_as, step=loaded.step), *model_lists(request))


def model_lists(request: gr.Request):
    """The Latent explorer's and the Mode collapse tab's model lists with the opened checkpoints in them
    (every page that loads after an opening gets them too)."""
    if not zoo.opened():
        return gr.skip(), gr.skip()
    names = zoo.list() + zoo.opened()
    run = (msg(lang_of(request), "collapse.run_choice"), tab_collapse.RUN)
    return gr.Dropdown(choices=entry_choices(names)), gr.Dropdown(choices=[run, *entry_choices(names)])


def build(demo: gr.Blocks, latent_entry: gr.Dropdown, collapse_source: gr.Dropdown) -> None:
    gr.Markdown(T("open.about"))
    files = gr.File(label=T("open.files"), file_count="multiple", file_types=[WEIGHTS_SUFFIX, METADATA_SUFFIX],
                    type="filepath", elem_id="open-files")
    button = gr.Button(T("open.button"), variant="primary", elem_id="open-btn")
    outcome = gr.Markdown(elem_id="open-outcome")
    button.click(friendly(open_checkpoint), files, [outcome, latent_entry, collapse_source],
                 api_name="open_checkpoint")
    demo.load(model_lists, None, [latent_entry, collapse_source], api_visibility="private", show_progress="hidden")
