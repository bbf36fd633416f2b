"""Small helpers every tab uses: friendly errors, entry choices, the model status line."""

from __future__ import annotations

import functools
from collections.abc import Callable

import gradio as gr

from gan_explorer import zoo
from gan_explorer.checkpoints import CheckpointError
from gan_explorer.ui import state
from gan_explorer.ui.strings import msg

# Errors a visitor can cause (a bad seed, an unknown model, an action in the wrong state).
# They become a red notice in the page and a clear message for API clients; the server carries on.
USER_ERRORS = (ValueError, KeyError, TypeError, RuntimeError, CheckpointError, OverflowError)


def friendly(fn: Callable) -> Callable:
    """Wrap a handler: visitor errors become gr.Error (a message, not a crash); torch stays on one thread."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        state.one_thread()
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except USER_ERRORS as exc:
            text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            raise gr.Error(str(text), print_exception=False) from exc

    return wrapper


def entry_choices(names: list[str] | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs: the label says what it is, the value is the zoo name."""
    return [(f"{name} — {zoo.entry(name).title}", name) for name in (names or zoo.list())]


def conditional_entries() -> list[str]:
    return [name for name in zoo.list() if zoo.entry(name).model.num_classes > 0]


def model_status(name: str, lang: str) -> str:
    """Whether the pictures come from shipped weights or a fresh, untrained network."""
    loaded = state.MODELS.get(name)
    if loaded.pretrained:
        step = f", {msg(lang, 'status.step', step=loaded.step)}" if loaded.step is not None else ""
        e = zoo.entry(name)
        if e.trained_as:
            return msg(lang, "status.opened", name=name, file=e.checkpoint.name, base=e.trained_as, step=step)
        return msg(lang, "status.pretrained", name=name, where=e.checkpoint.name, step=step)
    return msg(lang, "status.fresh", name=name)
