"""`backprop-playground` / `python -m app`: serve the app with uvicorn."""

import argparse
import gc
import os

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
    from app.engine.fast import warm_up_in_background
    from app.main import create_app
    from app.serve import server
    from app.settings import Settings

    parser = argparse.ArgumentParser(description="Serve Backprop Playground.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    try:
        settings = Settings.from_env()
    except ValueError as e:  # a bad BPP_ setting: said plainly, before anything starts
        raise SystemExit(f"backprop-playground: {e}") from None
    serving = server(create_app(settings), settings, args.host, args.port)
    # What the imports, the app and then the kernel make lives as long as the process: frozen,
    # the collector's full passes skip it. With numba's objects (157,000 in all) each pass took
    # over 100 ms, a stall of every viewer's frames: a 300-follower room lost one frame in 30.
    gc.freeze()
    warm_up_in_background(lambda: serving.started, then=gc.freeze)  # the kernel, once it listens
    serving.run()


if __name__ == "__main__":
    main()
