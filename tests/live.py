"""A live uvicorn server on loopback, for the tests that need real sockets (the browser tests,
the WebSocket size caps): the same uvicorn options as the console entry."""

import contextlib
import socket
import threading
from collections.abc import Iterator

import uvicorn

from app.main import create_app
from app.serve import server_options
from app.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """Yields the server's http:// URL; the server stops when the block ends."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                            log_level="warning", **server_options(settings))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test server did not start")
        threading.Event().wait(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
