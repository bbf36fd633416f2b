"""A cap on request bodies for a public (--demo) server.

Gradio reads a JSON request whole before looking at it: a 23 MB list of slider values took the
app 6 s and 440 MB of memory to refuse (measured). File uploads have their own limit (launch's
max_file_size, enforced while streaming), so the upload route is left to it; every other body is
refused above LIMIT, from its Content-Length before a byte is read, or while it streams in.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LIMIT = 1 * 2**20  # the app's own requests are a few hundred bytes; images travel through the upload route
UPLOAD_PATHS = ("/gradio_api/upload",)


class BodyTooLarge(Exception):
    pass


class RequestSizeLimit:
    """Pure ASGI middleware: HTTP 413 for a body above ``limit`` bytes, except on the upload route."""

    def __init__(self, app: ASGIApp, limit: int = LIMIT) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].endswith(UPLOAD_PATHS):
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._refuse(send)
            return
        seen = 0

        async def counted() -> Message:  # a chunked body carries no length: count it as it arrives
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = f"request body larger than {self.limit // 2**20} MB".encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
