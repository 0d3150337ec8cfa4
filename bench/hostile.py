"""What a well-behaved client gets while a hostile one attacks: `python -m bench.hostile`.

Starts the server as `python -m app` does, on loopback, in its own process; a well-behaved
client (the page's default session at its default 100 steps/s, plus a REST poller) connects
from 127.0.0.2, the attackers from 127.0.0.1, so that each is its own client address. Prints
the well-behaved client's frames per second and REST latency (p50, p99) under each attack,
with the server's own event-loop lag and memory from /health. About a minute in all.
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
GOOD_ADDRESS, HOSTILE_ADDRESS = "127.0.0.2", "127.0.0.1"
# The attacks of issue 12: the largest network on the digits with a full batch, and the
# spiral with a batch of 1,800, alternated as fast as a socket can send them.
DIGITS = {"network": {"hidden_layers": [16] * 6, "output_activation": "softmax",
                      "loss": "categorical_cross_entropy"},
          "data": {"dataset": "digits", "n_samples": 2000, "test_ratio": 0.1},
          "training": {"batch_size": 1617}}
SPIRAL = {"network": {"hidden_layers": [16] * 6}, "data": {"dataset": "spiral", "n_samples": 2000,
                                                           "test_ratio": 0.1},
          "training": {"batch_size": 1800}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def drain(ws: websockets.ClientConnection) -> int:
    """Read everything the server sends; the number of frames."""
    frames = 0
    with contextlib.suppress(websockets.ConnectionClosed):
        async for message in ws:
            frames += isinstance(message, bytes)
    return frames


async def good_client(url: str, api: str, seconds: float) -> tuple[float, list[float]]:
    """Frames per second of a default session at 100 steps/s, and REST latencies meanwhile."""
    async with websockets.connect(url, compression=None, max_size=None,
                                  local_addr=(GOOD_ADDRESS, 0)) as ws:
        hello = json.loads(await ws.recv())
        await ws.send(json.dumps({"type": "play"}))
        counting = asyncio.create_task(drain(ws))
        latencies = await poll(f"{api}/sessions/{hello['session_id']}", seconds)
        await ws.close()
        return await counting / seconds, latencies


async def poll(url: str, seconds: float) -> list[float]:
    latencies = []
    transport = httpx.AsyncHTTPTransport(local_address=GOOD_ADDRESS)
    async with httpx.AsyncClient(transport=transport, timeout=30) as client:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            (await client.get(url)).raise_for_status()
            latencies.append(time.perf_counter() - start)
            await asyncio.sleep(0.05)
    return latencies


async def config_flood(url: str, stop: asyncio.Event) -> None:
    """One socket alternating two heavy configs in a tight loop (again, if it is dropped)."""
    while not stop.is_set():
        with contextlib.suppress(websockets.ConnectionClosed):
            async with websockets.connect(url, compression=None, max_size=None,
                                          local_addr=(HOSTILE_ADDRESS, 0)) as ws:
                reading = asyncio.create_task(drain(ws))
                sent = 0
                try:
                    while not stop.is_set():
                        config = (DIGITS, SPIRAL)[sent % 2]
                        await ws.send(json.dumps({"type": "config", "config": config}))
                        sent += 1
                        await asyncio.sleep(0)
                finally:
                    reading.cancel()


async def heavy_sessions(url: str, stop: asyncio.Event, count: int = 12) -> None:
    """Twelve sessions of the largest network on the digits, at top speed."""
    async with contextlib.AsyncExitStack() as stack:
        readers = []
        for _ in range(count):
            ws = await stack.enter_async_context(websockets.connect(
                url, compression=None, max_size=None, local_addr=(HOSTILE_ADDRESS, 0)))
            for message in ({"type": "config", "config": DIGITS},
                            {"type": "speed", "steps_per_second": None}, {"type": "play"}):
                await ws.send(json.dumps(message))
            readers.append(asyncio.create_task(drain(ws)))
        await stop.wait()
        for reader in readers:
            reader.cancel()


Attack = Callable[[str, asyncio.Event], Coroutine[None, None, None]] | None


ATTACKS: dict[str, tuple[str, Attack]] = {
    "none": ("no attack", None),
    "configs": ("heavy configs in a loop, one socket", config_flood),
    "sessions": ("12 max-size sessions at top speed", heavy_sessions),
}


async def measure(base: str, attack: Attack, seconds: float) -> dict[str, float]:
    url, api = f"ws://{base}/ws", f"http://{base}/api"
    stop = asyncio.Event()
    attacking = asyncio.create_task(attack(url, stop)) if attack else None
    await asyncio.sleep(2 if attack else 0)  # let the attack get going
    fps, latencies = await good_client(url, api, seconds)
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"http://{base}/health")
        health = answer.json() if answer.status_code == 200 else {}  # a checkout without it
    stop.set()
    if attacking:
        await attacking
    latencies.sort()
    return {"fps": fps, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
            "lag": health.get("event_loop_lag_ms", math.nan),
            "rss": health.get("memory_rss_bytes", math.nan) / 1e6}


def stop(server: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL for a server that has not stopped 10 s later."""
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        print("the server did not stop within 10 s of SIGTERM; killed", file=sys.stderr)
        server.kill()
        server.wait()


def serve(port: int, root: Path) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "app", "--port", str(port)], cwd=root,
                              env={**os.environ, "PYTHONPATH": str(root)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://127.0.0.1:{port}/api/limits").status_code == 200:
                return server
        time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=12.0, help="per measurement")
    parser.add_argument("--attacks", nargs="+", choices=list(ATTACKS), default=list(ATTACKS))
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the checkout to serve (to compare with another version)")
    args = parser.parse_args()
    attacks = {name: attack for key, (name, attack) in ATTACKS.items() if key in args.attacks}
    port = free_port()
    server = serve(port, args.root)
    try:
        print(f"{'attack':<40} {'frames/s':>9} {'REST p50':>9} {'REST p99':>9} {'loop lag':>9} "
              f"{'RSS':>7}")
        for name, attack in attacks.items():
            found = asyncio.run(measure(f"127.0.0.1:{port}", attack, args.seconds))
            print(f"{name:<40} {found['fps']:>9.1f} {found['p50']:>7.1f}ms {found['p99']:>7.1f}ms "
                  f"{found['lag']:>7.1f}ms {found['rss']:>5.0f}MB", flush=True)
    finally:
        stop(server)


if __name__ == "__main__":
    main()
