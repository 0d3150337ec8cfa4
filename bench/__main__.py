"""Measure what limits the playground, and print one table: `python -m bench`.

Parts (``--only`` picks some, comma-separated):
  engine    training updates per CPU second for issue 13's five shapes: the readable engine
            (one Trainer.step per call), the fast path (Trainer.train: the compiled kernel where it
            applies), a tight NumPy step (issue 13's reference: preallocated, out=), a naive
            per-example NumPy loop and, when it is installed, PyTorch
  frames    CPU time to build and encode one frame of the default session, with and without the
            neuron maps, the parts that are no longer in every frame, and bytes per frame
  live      epochs per second one client sees on the default spiral at "as fast as possible",
            receiving its frames (30 per second) over a real WebSocket
  capacity  N private sessions (--clients, default 20, 50, 100, 200), each playing at 300
            steps/s with neuron maps, simulated by a client process of its own (bench.capacity):
            frames per second of each (median, p5), control-to-frame latency p99, server CPU
  rooms     one teacher's room and its followers (bench.rooms): follower fps, latency, CPU

The server-side parts (live, capacity, rooms) start `python -m app` on loopback, a fresh one per
measurement; with ``--workers 2`` (or ``1,2`` for both, side by side) they start that many
workers behind HAProxy with Redis instead (app/cluster/launch.py: redis-server and haproxy must
be installed), and count the CPU of every process of it. ``--url`` names a running server to
measure instead, with its CPU only for the processes given by ``--server-pid``. ``--quick``
runs every part briefly and small (a smoke test, not figures).
Run on an otherwise idle machine; the load average is printed with the table.
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from app.__main__ import pin_blas
from app.cluster.launch import Topology

pin_blas()  # as the server does, before NumPy loads

import numpy as np  # noqa: E402
import websockets  # noqa: E402

from app.config import Limits, SessionConfig  # noqa: E402
from app.engine import fast  # noqa: E402
from app.engine.activations import get_activation  # noqa: E402
from app.engine.datasets import Dataset, make_dataset  # noqa: E402
from app.engine.losses import get_loss  # noqa: E402
from app.engine.network import Network  # noqa: E402
from app.engine.optimizers import GradientDescent  # noqa: E402
from app.engine.trainer import Trainer  # noqa: E402
from app.frames import (  # noqa: E402
    OUTPUT_MAP_SECONDS,
    compiled_numbers,
    encode_frame,
    neuron_maps,
    output_map_made,
    output_maps,
    readable_numbers,
    shown_frame,
)
from app.protocol import HEADER, HEADER_FIELDS  # noqa: E402
from app.sessions import METRICS_SECONDS, Made, Session  # noqa: E402
from bench import rooms  # noqa: E402
from bench.engines import NaiveLoop, TightStep, torch_available, torch_step  # noqa: E402
from bench.hostile import free_port, serve, stop  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("engine", "frames", "live", "capacity", "rooms")
SERVER_PARTS = ("live", "capacity", "rooms")
SPIRAL = {"data": {"dataset": "spiral"}}  # the default network on the spiral
FIELD = {f.name: i for i, f in enumerate(HEADER_FIELDS)}
LIVE_WARM_UP_SECONDS = 1.0


@dataclass(frozen=True)
class Row:
    part: str
    measurement: str
    value: str


@dataclass(frozen=True)
class Options:
    seconds: float  # per engine or frame measurement (CPU seconds)
    server_seconds: float  # per server measurement (wall seconds)
    clients: list[int]
    followers: list[int]
    url: str | None
    server_pids: list[int]
    root: Path
    workers: int = 1  # the server parts' topology: one process, or workers behind HAProxy
    per_address: int = 40  # capacity clients sharing one loopback address


# ---- Engine --------------------------------------------------------------------------------

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


def engine_shapes() -> list[tuple[str, Callable[[], Trainer]]]:
    """The five shapes of issue 13, each made afresh for every engine."""
    spiral = make_dataset("spiral", 500, 0.0, 0.5, np.random.default_rng(0))
    digits = make_dataset("digits", 1797, 0.0, 0.2, np.random.default_rng(0))
    wide = wide_inputs()
    return [("2-8-8-1 spiral, batch 10", lambda: shape_trainer(spiral, [8, 8], 10)),
            ("2-8-8-1 spiral, full batch 250", lambda: shape_trainer(spiral, [8, 8], 250)),
            ("2-8x6-1 spiral, batch 32", lambda: shape_trainer(spiral, [8] * 6, 32)),
            ("digits 64-32-10, batch 64", lambda: shape_trainer(digits, [32], 64)),
            ("784-100-40-10, batch 32", lambda: shape_trainer(wide, [100, 40], 32))]


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


def engine_rows(options: Options) -> list[Row]:
    if fast.load_kernel() is not None:
        fast.warm_up()
    torch = torch_available()
    rows = []
    for label, make in engine_shapes():
        readable = cpu_rate(make().step, options.seconds)
        trainer = make()
        path = "kernel" if fast.plan(trainer) and fast.load_kernel() else "NumPy"
        compiled = kernel_rate(trainer, options.seconds)
        tight = cpu_rate(TightStep(make()).step, options.seconds)
        naive = cpu_rate(NaiveLoop(make()).step, options.seconds)
        torched = f"{cpu_rate(torch_step(make()), options.seconds):,.0f}" if torch else "not installed"
        rows.append(Row("engine", f"updates/CPU s, {label}: readable / fast ({path}) / tight "
                        "NumPy / naive loop / PyTorch",
                        f"{readable:,.0f} / {compiled:,.0f} / {tight:,.0f} / {naive:,.0f} / {torched}"))
    return rows


# ---- Frames --------------------------------------------------------------------------------

class FrameClock:
    """The session's clock in the frame bench: 1/fps later at every frame, so that what is
    redone at its own rate (metrics, the output map) is redone as often as when playing."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def frame_cost(session: Session, build: Callable[[], object], seconds: float,
               redone: bool = True) -> float:
    """µs of CPU per call, the median of several runs; the session takes one training step
    (not counted) before each call, so that every frame is of a new state, and its clock moves
    on a second, so that the metrics and the output map are due (unless not ``redone``: then
    it stands still and they are reused)."""
    clock = FrameClock(session.clock())
    session.clock = clock
    session.shown_evaluation()

    def call() -> int:
        session.train(1)
        clock.now += 1.0 if redone else 0.0
        start = time.process_time_ns()
        build()
        return time.process_time_ns() - start

    return median_run(call, seconds)


def median_run(call: Callable[[], int], seconds: float) -> float:
    """The median over seven runs of the µs per call that ``call`` reports (in ns)."""
    runs = []
    for _ in range(7):
        spent, calls = 0, 0
        while spent < seconds * 1e9 / 7 or calls < 10:
            spent += call()
            calls += 1
        runs.append(spent / calls / 1000)
    return statistics.median(runs)


def viewer_frames(session: Session, limits: Limits, seconds: float, maps: bool) -> tuple[float, float]:
    """(µs of CPU, bytes) per frame for one viewer at the frame rate while the session trains
    a step per frame: what runner.Viewer has built, the output map when it was redone and the
    neuron maps (if ``maps``) at their rate, the metrics every METRICS_SECONDS."""
    clock = FrameClock(session.clock())
    session.clock = clock
    grid, size = limits.grid_size, limits.neuron_map_size
    had: Made | None = None
    next_maps, sizes = 0.0, []

    def call() -> int:
        nonlocal had, next_maps
        session.train(1)
        clock.now += 1 / limits.max_frame_rate
        start = time.process_time_ns()
        with_maps = maps and clock.now >= next_maps - 1e-9  # 3 × 1/30 is a hair under 1/10
        if with_maps:
            next_maps = clock.now + 1 / limits.neuron_map_rate
        with_grid = had is None or output_map_made(session, grid) != had
        data, made = shown_frame(session, grid, size, with_maps, with_grid)
        spent = time.process_time_ns() - start
        had = made or had
        sizes.append(len(data))
        return spent

    return median_run(call, seconds), statistics.fmean(sizes)


def frame_rows(options: Options) -> list[Row]:
    limits = Limits()
    grid, size = limits.grid_size, limits.neuron_map_size
    fps, map_rate = limits.max_frame_rate, min(limits.neuron_map_rate, limits.max_frame_rate)
    session = Session("bench", SessionConfig(), 0.0)
    session.train(10)
    seconds = options.seconds
    light, _ = viewer_frames(session, limits, seconds, maps=False)
    full, mean_bytes = viewer_frames(session, limits, seconds, maps=True)
    fresh = frame_cost(session, lambda: encode_frame(session, grid, size, with_maps=False), seconds)
    fresh_full = frame_cost(session, lambda: encode_frame(session, grid, size), seconds)
    numbers_bytes = len(shown_frame(session, grid, size, with_maps=False, with_grid=False)[0])
    light_bytes = len(encode_frame(session, grid, size, with_maps=False))
    full_bytes = len(encode_frame(session, grid, size, with_maps=True))
    evaluation = frame_cost(session, session.trainer.evaluation, seconds)
    grid_map = frame_cost(session, lambda: output_maps(session, grid), seconds)
    maps = frame_cost(session, lambda: neuron_maps(session, size), seconds)
    numbers = frame_cost(session, lambda: compiled_numbers(session) or readable_numbers(session),
                         seconds, redone=False)
    alone = frame_cost(session, lambda: shown_frame(session, grid, size, False, False), seconds,
                       redone=False)
    network = "2-4-2-1 on the circle, batch 10"
    return [
        Row("frames", f"one viewer's frames at {fps:g} fps while training, default {network}: "
            f"build + encode, no neuron maps / with the {size}x{size} neuron maps {map_rate:g} "
            f"a second (the {grid}x{grid} output map redone every {OUTPUT_MAP_SECONDS:g} s, "
            f"the metrics every {METRICS_SECONDS:g} s)", f"{light:,.0f} / {full:,.0f} µs CPU"),
        Row("frames", "one frame of the numbers alone (no maps, the metrics reused), build + "
            "encode", f"{alone:,.0f} µs CPU"),
        Row("frames", "one frame with everything redone, no neuron maps / with them",
            f"{fresh:,.0f} / {fresh_full:,.0f} µs CPU"),
        Row("frames", "of which: the numbers (one kernel call: the next batch's ∂C/∂θ, the "
            "shown example's z, a, δ) / the output map / the neuron maps / the metrics",
            f"{numbers:,.0f} / {grid_map:,.0f} / {maps:,.0f} / {evaluation:,.0f} µs CPU"),
        Row("frames", "bytes per frame: the numbers alone / with the output map / with both maps",
            f"{numbers_bytes:,} / {light_bytes:,} / {full_bytes:,}"),
        Row("frames", f"bytes per frame on average at {fps:g} fps while training, as above",
            f"{mean_bytes:,.0f}"),
    ]


# ---- Servers -------------------------------------------------------------------------------

@contextlib.contextmanager
def server(options: Options) -> Iterator[tuple[str, list[int]]]:
    """(host:port, server pids): the --url server, or a fresh `python -m app` of --root."""
    if options.url is not None:
        yield urlsplit(options.url).netloc, options.server_pids
        return
    if options.workers > 1:
        with cluster(options.workers) as found:
            yield found
        return
    port = free_port()
    process = serve(port, options.root)
    try:
        time.sleep(1.0)  # the server loads the kernel from the cache just after it starts
        yield f"127.0.0.1:{port}", [process.pid]
    finally:
        stop(process)


@contextlib.contextmanager
def cluster(workers: int) -> Iterator[tuple[str, list[int]]]:
    """Workers behind HAProxy with Redis, as `python -m app.cluster` starts them, on free ports;
    every process of the topology counts as the server's CPU. The proxy passes each simulated
    client's own address on (X-Forwarded-For), so the per-address limits are as in one process."""
    topology = Topology(workers=workers, proxy_bind=f"127.0.0.1:{free_port()}",
                        first_worker_port=None, redis_port=None, quiet=True)
    topology.start()
    try:
        time.sleep(3.0)  # the workers load the kernel from the cache just after they start
        processes = [w.process for w in topology.members] + [topology.proxy, topology.redis]
        yield topology.proxy_bind, [p.pid for p in processes if p is not None]
    finally:
        topology.stop()


def server_cpu(pids: Sequence[int], before: Sequence[int], seconds: float) -> float:
    """The processes' CPU over ``seconds`` as % of one core; NaN when none is known."""
    if not pids:
        return math.nan
    ticks = sum(rooms.process_ticks(pid) for pid in pids) - sum(before)
    return rooms.cpu_percent(0, ticks, seconds, os.sysconf("SC_CLK_TCK"))


async def live(base: str, pids: Sequence[int], seconds: float) -> tuple[float, float, float, float]:
    """(epochs/s, steps/s, frames/s, server CPU %) of one client playing the spiral as fast
    as possible, counted from the frames' own headers after a warm-up."""
    async with websockets.connect(f"ws://{base}/ws", compression=None, max_size=None) as ws:
        await ws.send(json.dumps({"type": "config", "config": SPIRAL}))
        await ws.send(json.dumps({"type": "speed", "steps_per_second": None}))
        await ws.send(json.dumps({"type": "play"}))
        frames: list[tuple[float, float, int]] = []
        start = time.perf_counter() + LIVE_WARM_UP_SECONDS
        end = start + seconds
        ticks: list[int] = []
        while (left := end - time.perf_counter()) > 0:
            with contextlib.suppress(TimeoutError):
                message = await asyncio.wait_for(ws.recv(), left)
                if isinstance(message, bytes) and time.perf_counter() >= start:
                    if not ticks:
                        ticks = [rooms.process_ticks(pid) for pid in pids]
                    header = HEADER.unpack_from(message)
                    frames.append((time.perf_counter(), header[FIELD["epoch"]], header[FIELD["step"]]))
    if len(frames) < 2:
        return (math.nan,) * 4
    (t0, e0, s0), (t1, e1, s1) = frames[0], frames[-1]
    return ((e1 - e0) / (t1 - t0), (s1 - s0) / (t1 - t0), (len(frames) - 1) / (t1 - t0),
            server_cpu(pids, ticks, t1 - t0))


def live_rows(options: Options) -> list[Row]:
    with server(options) as (base, pids):
        epochs, steps, fps, cpu = asyncio.run(live(base, pids, options.server_seconds))
    # Epochs per second of the server's CPU (its frames included): the cost, steadier than
    # the rate on a shared machine.
    per_cpu = epochs / (cpu / 100) if cpu > 0 else math.nan
    return [Row("live", "default network on the spiral, 1 client, as fast as possible: "
                "epochs/s (steps/s), frames/s, server CPU, epochs per server CPU second",
                f"{epochs:,.0f} ({steps:,.0f}), {fps:.1f} fps, {cpu:.0f}%, {per_cpu:,.0f}")]


def capacity(base: str, pids: Sequence[int], clients: int, seconds: float, per_address: int) -> dict:
    """bench.capacity in a process of its own, so that the clients' CPU is not the server's."""
    command = [sys.executable, "-m", "bench.capacity", "--url", f"ws://{base}/ws",
               "--clients", str(clients), "--seconds", str(seconds),
               "--clients-per-address", str(per_address),
               "--warm-up", str(min(2.0 + clients / 50, seconds)),
               "--server-pid", *map(str, pids)]
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=600 + 10 * seconds, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout)


def capacity_rows(options: Options) -> list[Row]:
    rows = []
    for n in options.clients:
        with server(options) as (base, pids):
            found = capacity(base, pids, n, options.server_seconds, options.per_address)
        label = f"{n} sessions at 300 steps/s with neuron maps ({options.per_address} a client " \
                "address): fps median / p5 (frames/s in all), pick→frame p99, server CPU (per " \
                "core), client CPU"
        if "error" in found:
            rows.append(Row("capacity", label, f"failed: {found['error']}"))
            continue
        fps, lat = found["fps"], [1000 * x for x in found["latencies"]]
        cpu = sum(found["server_cpu"]) if found["server_cpu"] else math.nan
        rows.append(Row("capacity", label,
                        f"{rooms.percentile(fps, 50):.1f} / {rooms.percentile(fps, 5):.1f} fps "
                        f"({sum(fps):,.0f}), "
                        f"{rooms.percentile(lat, 99):,.0f} ms, {cpu:.0f}% "
                        f"({cpu / found['cores']:.0f}%), {found['client_cpu']:.0f}%"
                        + (f", {found['unanswered']} picks unanswered" if found["unanswered"] else "")))
    return rows


def room_rows(options: Options) -> list[Row]:
    rows = []
    for n in options.followers:
        with server(options) as (base, pids):
            result = asyncio.run(rooms.run(base, pids, n, False,
                                           options.server_seconds))
        fps, lat = result.follower_fps, [1000 * x for x in result.latencies]
        rows.append(Row("rooms", f"1 teacher → {n} followers: follower fps median / p5, teacher "
                        "pick→frame p95, server CPU, bytes/frame",
                        f"{rooms.percentile(fps, 50):.1f} / {rooms.percentile(fps, 5):.1f} fps, "
                        f"{rooms.percentile(lat, 95):,.0f} ms, {result.server_cpu:.0f}%, "
                        f"{result.frame_bytes:,.0f}"))
    return rows


PART_ROWS: dict[str, Callable[[Options], list[Row]]] = {
    "engine": engine_rows, "frames": frame_rows, "live": live_rows, "capacity": capacity_rows,
    "rooms": room_rows}


def table(rows: Sequence[Row]) -> str:
    header = Row("part", "measurement", "value")
    widths = [max(len(getattr(r, f)) for r in (header, *rows)) for f in ("part", "measurement")]
    lines = [f"{r.part:<{widths[0]}}  {r.measurement:<{widths[1]}}  {r.value}" for r in (header, *rows)]
    lines.insert(1, f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * 30}")
    return "\n".join(lines)


def numbers(text: str) -> list[int]:
    return [int(n) for n in text.split(",") if n.strip()]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts to run, of {', '.join(PARTS)} (default: all)")
    parser.add_argument("--engine", action="store_true", help="the engine part alone (--only engine)")
    parser.add_argument("--quick", action="store_true",
                        help="every part briefly, with few clients: checks that it runs")
    parser.add_argument("--seconds", type=float, default=None,
                        help="CPU seconds per engine or frame measurement (default 2; quick 0.1)")
    parser.add_argument("--server-seconds", type=float, default=None,
                        help="seconds per server measurement (default 10; quick 2)")
    parser.add_argument("--clients", type=numbers, default=None,
                        help="capacity levels, comma-separated (default 20,50,100,200; quick 5)")
    parser.add_argument("--followers", type=numbers, default=None,
                        help="room sizes, comma-separated (default 60,300; quick 5)")
    parser.add_argument("--url", default=None,
                        help="a running server (http://host:port) to measure instead of starting one")
    parser.add_argument("--server-pid", type=int, nargs="*", default=[],
                        help="with --url: its processes on this machine, for the CPU figures")
    parser.add_argument("--workers", type=numbers, default=[1],
                        help="server topologies for live, capacity and rooms, comma-separated: 1 is "
                        "one process, N > 1 that many workers behind HAProxy with Redis (default 1)")
    parser.add_argument("--clients-per-address", type=int, default=40,
                        help="capacity clients sharing one address (default 40, a class behind "
                        "one school's address; 1: every student at home)")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the checkout whose server to start (to compare with another version)")
    args = parser.parse_args(argv)
    parts = ["engine"] if args.engine else [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    quick = args.quick
    options = Options(
        seconds=args.seconds or (0.1 if quick else 2.0),
        server_seconds=args.server_seconds or (2.0 if quick else 10.0),
        clients=args.clients or ([5] if quick else [20, 50, 100, 200]),
        followers=args.followers or ([5] if quick else [60, 300]),
        url=args.url, server_pids=args.server_pid, root=args.root,
        per_address=args.clients_per_address)
    if options.url is None and set(parts) & set(SERVER_PARTS):
        rooms.warm_kernel(options.root)
    rows: list[Row] = []
    for part in PARTS:
        if part not in parts:
            continue
        # The server parts once per topology asked for; the others once.
        topologies = args.workers if part in SERVER_PARTS and options.url is None else [1]
        for workers in topologies:
            found = PART_ROWS[part](replace(options, workers=workers))
            if workers > 1:
                found = [replace(row, part=f"{row.part}, {workers} workers") for row in found]
            for row in found:
                print(f"{row.part}: {row.measurement}: {row.value}", file=sys.stderr, flush=True)
            rows += found
    print(table(rows))
    load = os.getloadavg()
    print(f"\n{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
          " (1 / 5 / 15 min); CPU figures are % of one core")


if __name__ == "__main__":
    main()
