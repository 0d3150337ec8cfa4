"""Open WebSockets, so that the server can end every one of them with a reason.

A socket's handler owns its socket; this only asks it to close (``Connection.close``) and
waits until it has, so the close frame and the handler's own clean-up happen in one place.
"""

import asyncio
import contextlib
from collections.abc import Iterator

# Close codes (RFC 6455): the server is going away; the session the socket showed has ended.
GOING_AWAY = (1001, "server shutting down")
SESSION_ENDED = (1000, "session ended")
# A worker of several let the session go to another one (app/cluster/): pages reconnect to it.
MOVED = (1012, "session moved to another worker")


class Connection:
    """One open socket as the rest of the server sees it: it can be asked to close."""

    def __init__(self) -> None:
        self.closing = asyncio.Event()
        self.close_with: tuple[int, str] | None = None
        self.ended = asyncio.Event()

    def close(self, code: int, reason: str) -> None:
        """Ask the handler to close with this code and reason; the first request wins."""
        if self.close_with is None:
            self.close_with = (code, reason)
        self.closing.set()


class Connections:
    def __init__(self) -> None:
        self.open: set[Connection] = set()

    def __len__(self) -> int:
        return len(self.open)

    @contextlib.contextmanager
    def opened(self) -> Iterator[Connection]:
        connection = Connection()
        self.open.add(connection)
        try:
            yield connection
        finally:
            self.open.discard(connection)
            connection.ended.set()

    async def close_all(self, code: int, reason: str, seconds: float) -> None:
        """Ask every socket to close, and wait (at most ``seconds``) for their handlers."""
        connections = list(self.open)
        for connection in connections:
            connection.close(code, reason)
        waits = [asyncio.create_task(c.ended.wait()) for c in connections]
        try:
            if waits:
                await asyncio.wait(waits, timeout=seconds)
        finally:
            for wait in waits:
                wait.cancel()
