"""Measure what limits the playground: training steps, frame building, frame delivery.

Prints a table. Run on an otherwise idle machine: `python -m bench` (about half a minute).
"""

import argparse
import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable

from app.__main__ import pin_blas

pin_blas()  # as the server does, before NumPy loads

import numpy as np  # noqa: E402
import uvicorn  # noqa: E402
import websockets  # noqa: E402

from app.config import SessionConfig  # noqa: E402
from app.engine import fast  # noqa: E402
from app.engine.activations import get_activation  # noqa: E402
from app.engine.datasets import Dataset, make_dataset  # noqa: E402
from app.engine.losses import get_loss  # noqa: E402
from app.engine.network import Network  # noqa: E402
from app.engine.optimizers import GradientDescent  # noqa: E402
from app.engine.trainer import Trainer  # noqa: E402
from app.frames import encode_frame  # noqa: E402
from app.main import create_app  # noqa: E402
from app.serve import server_options  # noqa: E402
from app.sessions import Session  # noqa: E402
from app.settings import Settings  # noqa: E402

SPIRAL_2_8_8_1 = {"network": {"hidden_layers": [8, 8]}, "data": {"dataset": "spiral"}}


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of fn, over about ``seconds``."""
    fn()
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        calls += 1
    return calls / elapsed


def session(batch_size: int | None = None) -> Session:
    config = SessionConfig.model_validate(SPIRAL_2_8_8_1)
    s = Session("bench", config, 0.0)
    n_train = s.data.x_train.shape[1]
    training = {"batch_size": batch_size or n_train}
    s.apply_config(config.model_copy(update={"training": config.training.model_copy(update=training)}))
    return s


def wide_inputs() -> Dataset:
    """MNIST's shape without MNIST: 784 inputs in [0, 1], ten one-hot classes, 2,000 examples."""
    rng = np.random.default_rng(0)
    x, labels = rng.uniform(0.0, 1.0, (784, 2000)), rng.integers(0, 10, 2000)
    y = np.eye(10)[labels].T
    return Dataset(x[:, :1000], y[:, :1000], x[:, 1000:], y[:, 1000:], task="multiclass")


def shape_trainer(data: Dataset, hidden: list[int], batch: int) -> Trainer:
    """tanh hidden layers; sigmoid and cross-entropy for one output, softmax for several."""
    outputs = data.y_train.shape[0]
    output, loss = ("sigmoid", "binary_cross_entropy") if outputs == 1 else ("softmax", "categorical_cross_entropy")
    sizes = [data.x_train.shape[0], *hidden, outputs]
    activations = [get_activation("tanh")] * len(hidden) + [get_activation(output)]
    net = Network(sizes, activations, np.random.default_rng(0))
    return Trainer(net, get_loss(loss), GradientDescent(0.01), data, min(batch, data.x_train.shape[1]),
                   np.random.default_rng(1))


def engine_shapes() -> list[tuple[str, Trainer]]:
    """The five shapes of issue 13."""
    spiral = make_dataset("spiral", 500, 0.0, 0.5, np.random.default_rng(0))
    digits = make_dataset("digits", 1797, 0.0, 0.2, np.random.default_rng(0))
    return [("2-8-8-1 spiral, batch 10", shape_trainer(spiral, [8, 8], 10)),
            ("2-8-8-1 spiral, full batch 250", shape_trainer(spiral, [8, 8], 250)),
            ("2-8x6-1 spiral, batch 32", shape_trainer(spiral, [8] * 6, 32)),
            ("digits 64-32-10, batch 64", shape_trainer(digits, [32], 64)),
            ("784-100-40-10, batch 32", shape_trainer(wide_inputs(), [100, 40], 32))]


def cpu_rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of this process's CPU time: on a machine that other work shares, the
    rate the engine reaches when it has a core to itself, which wall time would understate."""
    fn()
    calls, start = 0, time.process_time()
    while (elapsed := time.process_time() - start) < seconds:
        fn()
        calls += 1
    return calls / elapsed


def kernel_rate(trainer: Trainer, seconds: float) -> float:
    """Updates per CPU second of Trainer.train, which uses the compiled kernel where it applies
    (compiled or loaded from the cache beforehand)."""
    trainer.kernel = True
    trainer.train(1)
    done, start = 0, time.process_time()
    while (elapsed := time.process_time() - start) < seconds:
        done += trainer.train(1000)
    return done / elapsed


def engine_rows(seconds: float) -> list[tuple[str, str]]:
    """Updates per CPU second, the readable NumPy engine (one Trainer.step per call) beside the
    kernel."""
    rows = []
    for label, trainer in engine_shapes():
        readable = cpu_rate(trainer.step, seconds)
        compiled = kernel_rate(trainer, seconds) if fast.load_kernel() else float("nan")
        path = "kernel" if fast.plan(trainer) else "NumPy"
        rows.append((f"engine updates per CPU second, {label}: readable / train ({path})",
                     f"{readable:,.0f} / {compiled:,.0f}  ({compiled / readable:.1f}x)"))
    s = session(10)
    limits = Settings().limits
    grid, maps = limits.grid_size, limits.neuron_map_size

    def build() -> bytes:
        s.state_version += 1  # defeat the per-state cache: measure a fresh frame each time
        return encode_frame(s, grid, maps)

    frames = rate(build, seconds)
    rows.append((f"build + encode one frame ({grid}x{grid} boundary, {maps}x{maps} neuron maps, "
                 "metrics on 400 points)", f"{1e6 / frames:.0f} µs"))
    rows.append(("bytes per frame, 2-8-8-1", f"{len(build()):,}"))
    return rows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def count_frames(url: str, seconds: float, speed: int | None) -> tuple[int, int]:
    """Frames and bytes one client receives while the server trains at ``speed``."""
    async with websockets.connect(url, compression=None, max_size=None) as ws:
        await ws.send(json.dumps({"type": "config", "config": SPIRAL_2_8_8_1}))
        await ws.send(json.dumps({"type": "speed", "steps_per_second": speed}))
        await ws.send(json.dumps({"type": "play"}))
        frames = size = 0
        deadline = time.perf_counter() + seconds
        while (left := deadline - time.perf_counter()) > 0:
            try:
                message = await asyncio.wait_for(ws.recv(), left)
            except TimeoutError:
                break
            if isinstance(message, bytes):
                frames += 1
                size += len(message)
        return frames, size


async def clients(url: str, n: int, seconds: float, speed: int | None) -> list[tuple[int, int]]:
    return await asyncio.gather(*(count_frames(url, seconds, speed) for _ in range(n)))


def delivery_rows(seconds: float) -> list[tuple[str, str]]:
    port = free_port()
    settings = Settings()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning",
                                           **server_options(settings)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"ws://127.0.0.1:{port}/ws"
    rows = []
    try:
        for n, speed in ((1, None), (1, 1000), (20, 100)):
            results = asyncio.run(clients(url, n, seconds, speed))
            fps = sum(f for f, _ in results) / n / seconds
            kbit = sum(b for _, b in results) / n / seconds * 8 / 1000
            label = "max" if speed is None else f"{speed:,} steps/s"
            rows.append((f"frames/s per client, {n} client(s), training at {label}",
                         f"{fps:.1f}  ({kbit:,.0f} kbit/s each)"))
    finally:
        server.should_exit = True
        thread.join()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--engine", action="store_true", help="only the engine's updates/s")
    args = parser.parse_args()
    rows = engine_rows(args.seconds) + ([] if args.engine else delivery_rows(args.seconds))
    width = max(len(name) for name, _ in rows)
    print(f"{'measurement':<{width}}  value")
    print(f"{'-' * width}  {'-' * 30}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
