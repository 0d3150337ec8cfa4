"""Request bodies are counted before anything parses them: a body over its route's limit is
answered 413 as soon as its declared length (or, without one, its bytes so far) shows it, so a
30 MB body costs the server neither the parse nor the memory."""

import re

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Limits
from app.errors import Refusal

CSV_ROUTE = re.compile(r"/api/sessions/[^/]+/csv")
IMPORT_ROUTE = "/api/sessions/import"


class BodyTooLarge(HTTPException):
    """Raised from the body stream, where FastAPI lets an HTTPException through unchanged."""

    def __init__(self, limit: int, setting: str) -> None:
        super().__init__(413, "request body too large")
        self.limit, self.setting = limit, setting

    def refusal(self) -> Refusal:
        return too_large(self.limit, self.setting)


def too_large(limit: int, setting: str) -> Refusal:
    return Refusal(code="too_large", message=f"request body over {limit} bytes ({setting})",
                   params={"limit": limit, "setting": setting})


def body_limit(scope: Scope, limits: Limits) -> tuple[int, str]:
    """The CSV upload and the model import have their own, larger limits; every other route
    shares max_body_bytes."""
    if scope["method"] == "PUT" and CSV_ROUTE.fullmatch(scope["path"]):
        return limits.max_csv_bytes, "max_csv_bytes"
    if scope["method"] == "POST" and scope["path"] == IMPORT_ROUTE:
        return limits.max_model_bytes, "max_model_bytes"
    return limits.max_body_bytes, "max_body_bytes"


def declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


class BodyLimit:
    """ASGI middleware: 413 with the refusal shape for a body over its route's limit."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = body_limit(scope, self.limits)
        length = declared_length(scope)
        if length is not None and length > limit:
            response = Response(too_large(limit, setting).model_dump_json(), status_code=413,
                                media_type="application/json")
            await response(scope, receive, send)
            return
        await self.app(scope, counted(receive, limit, setting), send)


def counted(receive: Receive, limit: int, setting: str) -> Receive:
    """The body stream, cut off by BodyTooLarge once more than ``limit`` bytes have come."""
    seen = 0

    async def receive_counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit, setting)
        return message

    return receive_counted
