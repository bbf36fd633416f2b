"""The fast paths behind the latent sliders, outside Gradio's event queue:

- GET /gan/generator/<entry>.json and .bin?v=<version>: the entry's generator exported for
  the page (gan_explorer/webexport.py) plus its GANSpace directions, so the browser draws
  every slider move itself (static/generator.js) with no server round trip at all;
- GET /gan/latent.png?entry=&seed=&dims=&pcs=&label=: one picture rendered on the server,
  in memory, in a few milliseconds; the fallback for models the page cannot run, and the
  PNG download.

A Gradio event costs a queue round trip and a file write per picture (about 100 ms here).
These routes are registered on Gradio's own FastAPI app (launch(app_kwargs={"routes": ...})),
so they share the port, the share link and, when --auth is on, the login.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute

from gan_explorer.checkpoints import CheckpointError
from gan_explorer.ui import render, state
from gan_explorer.webexport import UnsupportedExport

LATENT_ROUTE = "/gan/latent.png"
GENERATOR_ROUTE = "/gan/generator"
# a versioned URL names exactly one set of weights: the browser may keep it
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


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


def _exported(request: Request, entry: str):
    """(loaded model, spec, weights) or the error response a visitor gets instead."""
    if not _logged_in(request):
        return PlainTextResponse("log in first", status_code=401)
    state.one_thread()
    try:
        loaded = state.MODELS.get(entry)
        spec, weights = loaded.browser_generator()
    except KeyError as exc:
        return PlainTextResponse(str(exc.args[0] if exc.args else exc), status_code=404)
    except UnsupportedExport as exc:  # the page then keeps using the PNG route
        return PlainTextResponse(str(exc), status_code=404)
    except CheckpointError as exc:
        return PlainTextResponse(str(exc), status_code=400)
    return loaded, spec, weights


def generator_spec(request: Request, entry: str) -> Response:
    """The op list, the principal directions and where the weights are: small JSON."""
    found = _exported(request, entry)
    if isinstance(found, Response):
        return found
    loaded, spec, _ = found
    directions = loaded.directions().vectors.tolist()
    body = {**spec, "entry": entry, "version": loaded.version, "directions": directions,
            # quoted: a relative URL "upload:NAME.bin" would read as the scheme "upload:"
            "weights_url": f"{quote(entry, safe='')}.bin?v={loaded.version}"}
    # the spec URL the page asks for carries ?v= too, but the answer is cheap: let the browser revalidate
    return JSONResponse(body, headers={"Cache-Control": "no-cache"})


def generator_weights(request: Request, entry: str, v: str = "") -> Response:
    """The float32 weights the spec points into; 409 when they changed since the spec was read."""
    found = _exported(request, entry)
    if isinstance(found, Response):
        return found
    loaded, _, weights = found
    if v != loaded.version:
        return PlainTextResponse(f"{entry} has other weights now ({loaded.version}): reload its spec",
                                 status_code=409)
    return Response(weights, media_type="application/octet-stream", headers=IMMUTABLE)


def routes() -> list[APIRoute]:
    get = dict(methods=["GET"], include_in_schema=False)
    return [APIRoute(LATENT_ROUTE, latent_png, **get),
            APIRoute(GENERATOR_ROUTE + "/{entry}.json", generator_spec, **get),
            APIRoute(GENERATOR_ROUTE + "/{entry}.bin", generator_weights, **get)]
