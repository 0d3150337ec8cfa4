"""Web basics every route shares: HEAD answered wherever GET is, and which pages may open the
WebSocket (a page on another site must not steer a learner's session through their browser)."""

from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings


class HeadAsGet:
    """ASGI middleware: a HEAD request runs as GET and its body is dropped, so that every GET
    route (pages, the docs, the API) answers HEAD with the same status and headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


def origin_allowed(connection: HTTPConnection, settings: Settings) -> bool:
    """Browsers always send Origin with a WebSocket; other clients (scripts, tests) need not,
    and cannot be made to act for a learner, so none is let through. A given Origin must be
    listed in allowed_origins or, when that is empty, name the host the client asked for."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    if settings.allowed_origins:
        return origin in settings.allowed_origins
    return urlsplit(origin).netloc == connection.headers.get("host")
