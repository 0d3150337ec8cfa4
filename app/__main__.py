"""`backprop-playground` / `python -m app`: serve the app with uvicorn."""

import argparse

import uvicorn

from app.main import create_app
from app.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Backprop Playground.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    settings = Settings.from_env()
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        # Deflate costs 10-40x the send itself per frame; frames are already compact bytes.
        ws_per_message_deflate=False,
        ws_max_size=settings.limits.max_message_bytes,
    )


if __name__ == "__main__":
    main()
