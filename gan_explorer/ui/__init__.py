"""The Gradio app: the only package that imports gradio. One module per tab, plus the builder."""

from __future__ import annotations

from gan_explorer.ui.builder import build_demo, launch

__all__ = ["build_demo", "launch"]
