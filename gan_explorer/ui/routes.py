"""The fast path behind the latent sliders: GET /gan/latent.png?entry=&seed=&dims=&pcs=&label=

A Gradio event costs a queue round trip and a file write per picture (about 100 ms
here); this plain route renders a PNG in memory in a few milliseconds, which is what
lets the picture follow a slider while it is dragged. It is registered on Gradio's own
FastAPI app (launch(app_kwargs={"routes": ...})), so it shares the port, the share
link and, when --auth is on, the login.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.routing import APIRoute

from gan_explorer.checkpoints import CheckpointError
from gan_explorer.ui import render, state

LATENT_ROUTE = "/gan/latent.png"


def _logged_in(request: Request) -> bool:
    """Gradio's own check (routes.py, get_current_user): a token cookie it issued at login."""
    app = request.app
    if getattr(app, "auth", None) is None and getattr(app, "auth_dependency", None) is None:
        return True
    if app.auth_dependency is not None:
        return app.auth_dependency(request) is not None
    token = request.cookies.get(f"access-token-{app.cookie_id}") or request.cookies.get(
        f"access-token-unsecure-{app.cookie_id}")
    return app.tokens.get(token) is not None


def latent_png(request: Request, entry: str = "", seed: str = "0", dims: str = "", pcs: str = "",
               label: str = "", scale: int = 1, download: int = 0) -> Response:
    # a plain (sync) def: FastAPI runs it in its thread pool, so renders never block the event loop
    if not _logged_in(request):
        return PlainTextResponse("log in first", status_code=401)
    state.one_thread()
    try:
        view = render.LatentView.parse(entry, seed, dims, pcs, label or None)
        if not 1 <= scale <= 16:
            raise ValueError("scale must lie in 1 … 16")
        body = render.png_bytes(render.latent_picture(view), scale=scale)
    except (ValueError, KeyError, TypeError, CheckpointError) as exc:
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        return PlainTextResponse(str(text), status_code=400)
    headers = {"Cache-Control": "public, max-age=3600"}  # same values, same weights, same picture
    if download:
        headers["Content-Disposition"] = f'attachment; filename="gan-explorer-{view.entry}-seed{view.seed}.png"'
    return Response(body, media_type="image/png", headers=headers)


def routes() -> list[APIRoute]:
    return [APIRoute(LATENT_ROUTE, latent_png, methods=["GET"], include_in_schema=False)]
