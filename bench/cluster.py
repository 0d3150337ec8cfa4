"""`python -m bench.cluster`: capacity of one process against workers behind HAProxy.

N simulated clients (this process), each with its own session of the default network (neuron
maps on) playing at 300 steps/s, connected through the proxy (or straight to the one process);
frames per second per client, median and 5th percentile, and the servers' CPU per core. The
servers are child processes started here (app/cluster/launch.py) and stopped at the end.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time

import httpx
import websockets

from app.cluster.launch import Topology, answers, free_port, wait_until

SPEED = 300
# Every simulated client comes from 127.0.0.1: the per-address limits would refuse them.
ENV = {"BPP_MAX_SESSIONS": "2000", "BPP_MAX_SESSIONS_PER_ADDRESS": "2000"}


async def client(url: str, seconds: float, warm_up: float) -> float:
    async with websockets.connect(url, compression=None, max_size=None) as ws:
        await ws.send(json.dumps({"type": "speed", "steps_per_second": SPEED}))
        await ws.send(json.dumps({"type": "play"}))
        frames, start, end = 0, time.perf_counter() + warm_up, time.perf_counter() + warm_up + seconds
        while (left := end - time.perf_counter()) > 0:
            try:
                message = await asyncio.wait_for(ws.recv(), left)
            except TimeoutError:
                break
            if isinstance(message, bytes) and time.perf_counter() >= start:
                frames += 1
        return frames / seconds


async def room(base: str, followers: int, seconds: float) -> list[float]:
    """One teacher playing, ``followers`` following through the proxy (so on every worker):
    frames per second of each follower."""
    made = httpx.post(f"{base}/api/sessions", json={}).json()
    auth = {"Authorization": f"Bearer {made['token']}"}
    code = httpx.post(f"{base}/api/sessions/{made['id']}/room", headers=auth).json()["code"]
    ws = base.replace("http://", "ws://")
    async with websockets.connect(f"{ws}/ws?session={made['id']}&token={made['token']}") as teacher:
        await teacher.send(json.dumps({"type": "speed", "steps_per_second": SPEED}))
        await teacher.send(json.dumps({"type": "play"}))

        async def follower() -> float:
            async with websockets.connect(f"{ws}/ws?room={code}", compression=None, max_size=None) as ws_:
                greeting = json.loads(await ws_.recv())
                if greeting["type"] != "hello":
                    raise RuntimeError(f"follower refused: {greeting}")
                frames, start = 0, time.perf_counter() + 2.0
                end = start + seconds
                while (left := end - time.perf_counter()) > 0:
                    try:
                        message = await asyncio.wait_for(ws_.recv(), left)
                    except TimeoutError:
                        break
                    if isinstance(message, bytes) and time.perf_counter() >= start:
                        frames += 1
                return frames / seconds

        async def drain() -> None:
            while True:
                await teacher.recv()

        draining = asyncio.create_task(drain())
        try:
            return sorted(await asyncio.gather(*(follower() for _ in range(followers))))
        finally:
            draining.cancel()


def room_row(base: str, pids: list[int], n: int, seconds: float) -> tuple[float, float, float]:
    before, t0 = cpu_seconds(pids), time.perf_counter()
    rates = asyncio.run(room(base, n, seconds))
    cpu = (cpu_seconds(pids) - before) / (time.perf_counter() - t0)
    return statistics.median(rates), rates[int(len(rates) * 0.05)], cpu


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure(url: str, pids: list[int], n: int, seconds: float) -> tuple[float, float, float]:
    warm_up = 2.0
    before, t0 = cpu_seconds(pids), time.perf_counter()
    async def everyone() -> list[float]:
        async with asyncio.timeout(seconds * 4 + 30):
            return await asyncio.gather(*(client(url, seconds, warm_up) for _ in range(n)))

    rates = asyncio.run(everyone())
    cpu = (cpu_seconds(pids) - before) / (time.perf_counter() - t0)
    rates = sorted(rates)
    return statistics.median(rates), rates[int(len(rates) * 0.05)], cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, nargs="+", default=[20, 40, 60])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--followers", type=int, nargs="*", default=[60, 200],
                        help="one room, its followers spread over the workers")
    args = parser.parse_args()
    rows = []
    port = free_port()
    single = subprocess.Popen([sys.executable, "-m", "app", "--port", str(port)],
                              env={**os.environ, **ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/health"), 60, "server", single)
        time.sleep(3)
        for n in args.clients:
            rows.append(("one process", n, *measure(f"ws://127.0.0.1:{port}/ws", [single.pid], n, args.seconds)))
            print(rows[-1], flush=True)
        for n in args.followers:
            rows.append(("room, one process", n, *room_row(f"http://127.0.0.1:{port}", [single.pid], n,
                                                            args.seconds)))
            print(rows[-1], flush=True)
    finally:
        single.terminate()
        single.wait()
    cluster = Topology(workers=args.workers, proxy_bind=f"127.0.0.1:{free_port()}", first_worker_port=None,
                      redis_port=None, env=ENV, quiet=True)
    cluster.start()
    try:
        time.sleep(3)
        pids = [w.process.pid for w in cluster.members if w.process is not None]
        pids += [p.pid for p in (cluster.proxy, cluster.redis) if p is not None]
        for n in args.clients:
            url = cluster.proxy_url.replace("http://", "ws://") + "/ws"
            rows.append((f"{args.workers} workers + haproxy + redis", n, *measure(url, pids, n, args.seconds)))
            print(rows[-1], flush=True)
        for n in args.followers:
            rows.append((f"room, followers on {args.workers} workers", n,
                         *room_row(cluster.proxy_url, pids, n, args.seconds)))
            print(rows[-1], flush=True)
    finally:
        cluster.stop()
    print(f"\n{'topology':<32} {'clients':>7} {'fps median':>10} {'fps p5':>7} {'server CPU (cores)':>19}")
    for name, n, median, p5, cpu in rows:
        print(f"{name:<32} {n:>7} {median:>10.1f} {p5:>7.1f} {cpu:>19.2f}")


if __name__ == "__main__":
    main()
