"""`backprop-playground` / `python -m app`: serve the app with uvicorn."""

import argparse
import os
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

    from app.settings import Settings

# The matrices here are tiny: one BLAS thread is several times faster and far steadier than
# many (see shared/PERFORMANCE.md). It must be set before NumPy loads its BLAS, so the server's
# own entry point sets it before importing anything that imports NumPy; importing `app` alone
# changes nothing in the importer's environment.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pin_blas() -> None:
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def main() -> None:
    pin_blas()
    from app.main import create_app
    from app.settings import Settings

    parser = argparse.ArgumentParser(description="Serve Backprop Playground.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    settings = Settings.from_env()
    server(create_app(settings), settings, args.host, args.port).run()


def server(app: "FastAPI", settings: "Settings", host: str, port: int) -> "uvicorn.Server":
    """uvicorn serving the app as the command does (tests serve it the same way)."""
    import uvicorn

    from app.main import SHUTDOWN_SECONDS

    limits = settings.limits
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        # Deflate costs 10-40x the send itself per frame; frames are already compact bytes.
        ws_per_message_deflate=False,
        ws_max_size=limits.max_message_bytes,
        # A client that stops answering pings is dropped: its session stops training and can
        # expire. A silent client that answers them stays.
        ws_ping_interval=limits.ws_ping_interval_seconds,
        ws_ping_timeout=limits.ws_ping_timeout_seconds,
        # A handler that still has not finished by then is cancelled: SIGTERM always ends.
        timeout_graceful_shutdown=int(SHUTDOWN_SECONDS) + 2,
    )
    return server_class(app)(config)


def server_class(app: "FastAPI") -> "type[uvicorn.Server]":
    """uvicorn's server, which first lets the app close its sockets with a reason: uvicorn's
    own shutdown closes them with 1012 and then waits for every handler before the lifespan's
    shutdown runs."""
    import uvicorn

    from app.main import shutdown

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            await shutdown(app)
            await super().shutdown(sockets)

    return Server


if __name__ == "__main__":
    main()
