"""`backprop-playground` / `python -m app`: serve the app with uvicorn."""

import argparse
import os
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

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
    import uvicorn

    from app.main import SHUTDOWN_SECONDS, create_app
    from app.settings import Settings

    parser = argparse.ArgumentParser(description="Serve Backprop Playground.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    settings = Settings.from_env()
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        # Deflate costs 10-40x the send itself per frame; frames are already compact bytes.
        ws_per_message_deflate=False,
        ws_max_size=settings.limits.max_message_bytes,
        # A handler that still has not finished by then is cancelled: SIGTERM always ends.
        timeout_graceful_shutdown=int(SHUTDOWN_SECONDS) + 2,
    )
    server_class(app)(config).run()


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
