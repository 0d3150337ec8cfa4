"""Many private sessions at once, from a client process of their own: `python -m bench.capacity`.

Each simulated client opens a WebSocket without a session (the server makes one for it), plays
the default session at ``--speed`` steps/s and receives its frames, neuron maps included at the
server's neuron_map_rate; every ``PICK_EVERY_SECONDS`` it picks another example to follow and
times the first frame that shows it (control-to-frame latency). Clients on a loopback server
come from addresses 127.0.x.y, ``--clients-per-address`` each (default 40: a class behind one
school's address; 1: students at home), so that the per-address limits see separate machines.
After a warm-up it measures for ``--seconds`` and prints one JSON object: frames per second of
each client, every latency, this process's CPU and, for the ``--server-pid`` processes (on this
machine), their CPU as % of one core. At the end each client deletes its session, so that a
long-running server (``--url``) can be measured again.
Numbers are reported, never asserted; bench/__main__.py starts this in its own process.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import websockets

from bench.rooms import control_latencies, cpu_percent, header_field, process_ticks

PICK_EVERY_SECONDS = 0.5
PICKED_SAMPLES = 20
CLIENTS_PER_ADDRESS = 40  # below max_sessions_per_address (50); the default
CONNECTS_AT_ONCE = 20


@dataclass
class Client:
    index: int
    times: list[float] = field(default_factory=list)
    samples: list[int] = field(default_factory=list)
    picks: list[tuple[float, int]] = field(default_factory=list)
    session: tuple[str, str] | None = None  # (id, token), to delete it at the end


def local_address(url: str, index: int, per_address: int) -> tuple[str, int] | None:
    """A client address of its own per ``per_address`` clients on a loopback server."""
    host = urlsplit(url).hostname or ""
    if not host.startswith("127.") and host != "localhost":
        return None
    n = index // per_address
    return f"127.0.{1 + n // 250}.{1 + n % 250}", 0


async def read(ws: websockets.ClientConnection, client: Client) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        async for message in ws:
            if isinstance(message, bytes):
                client.times.append(time.perf_counter())
                client.samples.append(int(header_field(message, "sample")))


async def play(url: str, client: Client, speed: int, per_address: int, start: asyncio.Event,
               end: asyncio.Event, gate: asyncio.Semaphore, ready: list[int]) -> None:
    async with gate:
        ws = await websockets.connect(url, compression=None, max_size=None, open_timeout=60,
                                      local_addr=local_address(url, client.index, per_address))
        hello = json.loads(await ws.recv())
    try:
        if hello.get("type") != "hello":
            raise RuntimeError(f"refused: {hello}")
        client.session = (hello["session_id"], hello["token"])
        reader = asyncio.create_task(read(ws, client))
        await ws.send(json.dumps({"type": "speed", "steps_per_second": speed}))
        await ws.send(json.dumps({"type": "play"}))
        ready.append(client.index)
        await start.wait()
        # Spread the picks over the interval, so that they do not all arrive at once.
        await asyncio.sleep(random.uniform(0, PICK_EVERY_SECONDS))
        while not end.is_set():
            sample = (len(client.picks) + client.index) % PICKED_SAMPLES + 1
            client.picks.append((time.perf_counter(), sample))
            await ws.send(json.dumps({"type": "pick", "sample": sample}))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(end.wait(), PICK_EVERY_SECONDS)
        reader.cancel()
        await asyncio.wait([reader])
    finally:
        await ws.close()


async def delete_sessions(url: str, clients: list[Client]) -> None:
    parts = urlsplit(url)
    base = f"{'https' if parts.scheme == 'wss' else 'http'}://{parts.netloc}/api/sessions"
    async with httpx.AsyncClient(timeout=30) as http:
        for client in clients:
            if client.session is not None:
                session_id, token = client.session
                with contextlib.suppress(httpx.HTTPError):
                    await http.delete(f"{base}/{session_id}",
                                      headers={"Authorization": f"Bearer {token}"})


async def measure(url: str, n: int, seconds: float, warm_up: float, speed: int,
                  server_pids: list[int], per_address: int = CLIENTS_PER_ADDRESS) -> dict:
    clients = [Client(i) for i in range(n)]
    start, end, gate = asyncio.Event(), asyncio.Event(), asyncio.Semaphore(CONNECTS_AT_ONCE)
    ready: list[int] = []
    tasks = [asyncio.create_task(play(url, c, speed, per_address, start, end, gate, ready))
             for c in clients]
    while len(ready) < n and not any(t.done() for t in tasks):
        await asyncio.sleep(0.05)
    failed = [t for t in tasks if t.done() and t.exception() is not None]
    if failed:
        end.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await delete_sessions(url, clients)
        raise RuntimeError(f"{len(failed)} of {n} clients failed: {failed[0].exception()}")
    await asyncio.sleep(warm_up)
    start.set()
    t0, own = time.perf_counter(), time.process_time()
    ticks = [process_ticks(pid) for pid in server_pids]
    await asyncio.sleep(seconds)
    t1 = time.perf_counter()
    server = [cpu_percent(before, process_ticks(pid), t1 - t0, os.sysconf("SC_CLK_TCK"))
              for pid, before in zip(server_pids, ticks, strict=True)]
    client_cpu = 100 * (time.process_time() - own) / (t1 - t0)
    end.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    await delete_sessions(url, clients)
    fps = [sum(t0 <= t < t1 for t in c.times) / (t1 - t0) for c in clients]
    latencies = [x for c in clients for x in control_latencies(
        c.picks, list(zip(c.times, c.samples, strict=True)))]
    unanswered = sum(len(c.picks) for c in clients) - len(latencies)
    return {"clients": n, "seconds": t1 - t0, "fps": fps, "latencies": latencies,
            "unanswered": unanswered, "server_cpu": server, "client_cpu": client_cpu,
            "cores": os.cpu_count(), "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the server's WebSocket, ws://host:port/ws")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warm-up", type=float, default=2.0)
    parser.add_argument("--speed", type=int, default=300, help="steps per second of each session")
    parser.add_argument("--clients-per-address", type=int, default=CLIENTS_PER_ADDRESS,
                        help="clients sharing one loopback address (default 40; 1: one each)")
    parser.add_argument("--server-pid", type=int, nargs="*", default=[],
                        help="server processes on this machine whose CPU to report")
    args = parser.parse_args()
    pids = [pid for pid in args.server_pid if Path(f"/proc/{pid}/stat").exists()]
    print(json.dumps(asyncio.run(measure(args.url, args.clients, args.seconds, args.warm_up,
                                         args.speed, pids, args.clients_per_address))))


if __name__ == "__main__":
    main()
