"""What a room's fan-out costs and what each follower gets: `python -m bench.rooms`.

Starts the server as `python -m app` does, in its own process on loopback; from this process
(the client) it makes a teacher's session over REST, opens its room, connects the teacher's
steering socket and ``--followers`` students (`/ws?room=CODE`), and plays the default session
at its default speed. Then it reports, with no followers as the baseline: the frames per
second reaching each follower (median, p5 and the worst), the teacher's interval between
frames and the latency from a control message (a `pick` of another example, while training)
to the first frame showing it, the server's CPU (% of one core, from /proc/<pid>/stat), this
client's own CPU (it may be the limit with hundreds of followers) and the bytes per frame.
With ``--stalled`` one more follower connects and never reads (a phone that went to sleep):
the others' figures should not move. Numbers are reported, never asserted.
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets

from app.protocol import HEADER, HEADER_FIELDS
from bench.hostile import free_port, serve, stop

ROOT = Path(__file__).resolve().parents[1]
FIELD_INDEX = {f.name: i for i, f in enumerate(HEADER_FIELDS)}
WARM_UP_SECONDS = 1.5  # frames before this are not counted: sockets connect, training starts
PICK_EVERY_SECONDS = 0.5  # how often the teacher sends a control message while playing
PICKED_SAMPLES = 20  # the teacher picks examples 1..PICKED_SAMPLES in turn
STALLED_RECEIVE_BUFFER = 4096  # bytes: the stalled follower's socket fills at once


# ---- Pure helpers (tested on synthetic data) ---------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def rates(arrivals: Sequence[Sequence[float]], start: float, end: float) -> list[float]:
    """Frames per second of each socket, counting the arrivals within [start, end)."""
    seconds = end - start
    return [sum(start <= t < end for t in times) / seconds for times in arrivals]


def intervals(times: Sequence[float]) -> list[float]:
    """The gaps between consecutive arrivals."""
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def header_field(frame: bytes, name: str) -> float:
    """One field of a frame's header (app/protocol.py HEADER_FIELDS)."""
    return HEADER.unpack_from(frame)[FIELD_INDEX[name]]


def control_latencies(sent: Sequence[tuple[float, int]],
                      frames: Sequence[tuple[float, int]]) -> list[float]:
    """For each control message (time sent, the value it asked for), the time until the first
    frame after it that shows that value (frames: time arrived, value shown). A message that
    no frame ever showed is left out."""
    latencies = []
    for when, wanted in sent:
        shown = next((t for t, value in frames if t >= when and value == wanted), None)
        if shown is not None:
            latencies.append(shown - when)
    return latencies


def frames_sent(metrics: str) -> float:
    """The server's count of frames sent to all viewers, from its /metrics text."""
    for line in metrics.splitlines():
        if line.startswith("bpp_frames_sent_total "):
            return float(line.split()[1])
    return float("nan")


def cpu_ticks(stat: str) -> int:
    """utime + stime of a /proc/<pid>/stat line, in clock ticks (the command may hold spaces
    and parentheses, so fields are counted from the last ')')."""
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of the whole line


def cpu_percent(ticks_before: int, ticks_after: int, seconds: float,
                ticks_per_second: float) -> float:
    """CPU used over ``seconds`` as a percentage of one core."""
    return 100 * (ticks_after - ticks_before) / ticks_per_second / seconds


# ---- Measuring --------------------------------------------------------------------------

@dataclass
class Arrivals:
    times: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    samples: list[int] = field(default_factory=list)  # the teacher's only: header "sample"


@dataclass
class Result:
    followers: int
    stalled: bool
    seconds: float
    follower_fps: list[float]
    teacher_fps: float
    teacher_intervals: list[float]
    latencies: list[float]
    server_cpu: float
    client_cpu: float
    frame_bytes: float
    sent_rate: float = 0.0  # frames/s the server sent, to every socket together
    load: float = 0.0  # the machine's 1-minute load average at the end
    stalled_rate: float | None = None  # frames/s the server still sent to the stalled one


def process_ticks(pid: int) -> int:
    return cpu_ticks(Path(f"/proc/{pid}/stat").read_text())


async def record(ws: websockets.ClientConnection, into: Arrivals, teacher: bool = False) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        async for message in ws:
            if isinstance(message, bytes):
                into.times.append(time.perf_counter())
                into.sizes.append(len(message))
                if teacher:
                    into.samples.append(int(header_field(message, "sample")))


async def hello(ws: websockets.ClientConnection) -> dict:
    first = json.loads(await ws.recv())
    if first.get("type") != "hello":
        raise RuntimeError(f"refused: {first}")
    return first


async def stalled_follower(url: str, stack: contextlib.AsyncExitStack) -> websockets.ClientConnection:
    """A follower that never reads: its receive buffer is tiny, so the server's sends to it
    back up at once."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, STALLED_RECEIVE_BUFFER)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    ws = await stack.enter_async_context(websockets.connect(
        url, sock=sock, compression=None, max_size=None, max_queue=1, close_timeout=1))
    await hello(ws)
    return ws


async def server_frames(client: httpx.AsyncClient, base: str) -> float:
    return frames_sent((await client.get(f"http://{base}/metrics")).text)


async def run(base: str, server_pids: Sequence[int], followers: int, stalled: bool,
              seconds: float) -> Result:
    """One room's figures; the server's CPU is that of ``server_pids``, its processes on this
    machine (every worker, the proxy and Redis of several; NaN for none: a server elsewhere)."""
    api, ws_base = f"http://{base}/api", f"ws://{base}/ws"
    async with httpx.AsyncClient(timeout=30) as client:
        made = (await client.post(f"{api}/sessions")).raise_for_status().json()
        auth = {"Authorization": f"Bearer {made['token']}"}
        room = (await client.post(f"{api}/sessions/{made['id']}/room",
                                  headers=auth)).raise_for_status().json()
    follower_url = f"{ws_base}?room={room['code']}"

    def connect(url: str) -> websockets.connect:
        return websockets.connect(url, compression=None, max_size=None)

    async with contextlib.AsyncExitStack() as stack:
        teacher = await stack.enter_async_context(connect(
            f"{ws_base}?session={made['id']}&token={made['token']}"))
        await hello(teacher)
        stuck = await stalled_follower(follower_url, stack) if stalled else None
        sockets = []
        for _ in range(followers):
            ws = await stack.enter_async_context(connect(follower_url))
            await hello(ws)
            sockets.append(ws)
        teacher_arrivals = Arrivals()
        arrivals = [Arrivals() for _ in sockets]
        readers = [asyncio.create_task(record(teacher, teacher_arrivals, teacher=True))]
        readers += [asyncio.create_task(record(ws, a)) for ws, a in zip(sockets, arrivals, strict=True)]
        await teacher.send(json.dumps({"type": "play"}))
        await asyncio.sleep(WARM_UP_SECONDS)
        async with httpx.AsyncClient(timeout=30) as client:
            asked = time.perf_counter()
            sent_before = await server_frames(client, base)
            counted_from = (asked + time.perf_counter()) / 2  # when the server read its counter
        start, own = time.perf_counter(), time.process_time()
        ticks = sum(process_ticks(pid) for pid in server_pids)
        picks: list[tuple[float, int]] = []
        while (now := time.perf_counter()) < start + seconds:
            sample = len(picks) % PICKED_SAMPLES + 1
            picks.append((now, sample))
            await teacher.send(json.dumps({"type": "pick", "sample": sample}))
            await asyncio.sleep(min(PICK_EVERY_SECONDS, start + seconds - now))
        end = time.perf_counter()
        server_cpu = (cpu_percent(ticks, sum(process_ticks(pid) for pid in server_pids), end - start,
                                  os.sysconf("SC_CLK_TCK")) if server_pids else math.nan)
        client_cpu = 100 * (time.process_time() - own) / (end - start)
        async with httpx.AsyncClient(timeout=30) as client:
            asked = time.perf_counter()
            sent = await server_frames(client, base) - sent_before
            counted_to = (asked + time.perf_counter()) / 2
        for reader in readers:
            reader.cancel()
        await asyncio.wait(readers)
    shown = [(t, s) for t, s in zip(teacher_arrivals.times, teacher_arrivals.samples, strict=True)]
    in_window = [t for t in teacher_arrivals.times if start <= t < end]
    sizes = [n for a in [teacher_arrivals, *arrivals] for n in a.sizes]
    # What the others received while the server counted, to compare with what it sent.
    received = sum(sum(counted_from <= t < counted_to for t in a.times)
                   for a in [teacher_arrivals, *arrivals])
    return Result(followers=followers, stalled=stalled, seconds=end - start,
                  follower_fps=rates([a.times for a in arrivals], start, end),
                  teacher_fps=len(in_window) / (end - start),
                  teacher_intervals=intervals(in_window),
                  latencies=control_latencies(picks, shown), server_cpu=server_cpu,
                  client_cpu=client_cpu, frame_bytes=statistics.fmean(sizes) if sizes else 0.0,
                  sent_rate=sent / (end - start), load=os.getloadavg()[0],
                  stalled_rate=(sent - received) / (counted_to - counted_from) if stuck is not None else None)


# ---- Reporting --------------------------------------------------------------------------

COLUMNS = ("followers", "fps med", "fps p5", "fps min", "teacher fps", "interval p50/p95",
           "pick→frame p50/p95", "server CPU", "client CPU", "bytes/frame",
           "µs CPU/frame sent", "to stalled fps", "load")


def row(result: Result) -> list[str]:
    fps = result.follower_fps
    ms = [1000 * x for x in result.teacher_intervals]
    lat = [1000 * x for x in result.latencies]
    label = f"{result.followers}" + (" + 1 stalled" if result.stalled else "")
    stat = (lambda q: f"{percentile(fps, q):.1f}") if fps else (lambda q: "–")
    return [label, stat(50), stat(5), stat(0), f"{result.teacher_fps:.1f}",
            f"{percentile(ms, 50):.0f} / {percentile(ms, 95):.0f} ms",
            f"{percentile(lat, 50):.0f} / {percentile(lat, 95):.0f} ms",
            f"{result.server_cpu:.0f}%", f"{result.client_cpu:.0f}%", f"{result.frame_bytes:,.0f}",
            f"{10_000 * result.server_cpu / result.sent_rate:.0f}"
            if result.sent_rate and not math.isnan(result.server_cpu) else "–",
            "–" if result.stalled_rate is None else f"{result.stalled_rate:.1f}",
            f"{result.load:.1f}"]


def table(results: Sequence[Result]) -> str:
    rows = [list(COLUMNS), *(row(r) for r in results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def warm_kernel(root: Path) -> None:
    """Compile the training kernel into numba's cache (half a minute the first time, a second
    after), so that the server trains with it from the start and no compiler runs beside it."""
    subprocess.run([sys.executable, "-c", "from app.engine.fast import warm_up; warm_up()"],
                   cwd=root, env={**os.environ, "PYTHONPATH": str(root), "OPENBLAS_NUM_THREADS": "1"},
                   check=False, capture_output=True, timeout=600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--followers", type=int, nargs="+", default=[60],
                        help="followers in each run (several: one run each)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per run, after warm-up")
    parser.add_argument("--stalled", choices=("both", "no", "yes"), default="both",
                        help="add a follower that never reads: beside the plain run (both), "
                        "not at all, or instead")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the checkout to serve (to compare with another version)")
    args = parser.parse_args()
    warm_kernel(args.root)
    port = free_port()
    server = serve(port, args.root)
    time.sleep(1.0)  # the server loads the kernel from the cache just after it starts
    results: list[Result] = []
    try:
        limit = httpx.get(f"http://127.0.0.1:{port}/api/limits").json()["max_room_followers"]
        runs = [(0, False)]
        for n in args.followers:
            # The stalled follower is one of the room's: at the limit, one fewer reads.
            runs += [(min(n, limit - 1) if s else n, s)
                     for s in {"both": (False, True), "no": (False,), "yes": (True,)}[args.stalled]]
        for n, stalled in runs:
            found = asyncio.run(run(f"127.0.0.1:{port}", [server.pid], n, stalled, args.seconds))
            results.append(found)
            print("  ".join(row(found)), file=sys.stderr, flush=True)
    finally:
        stop(server)
        if results:
            print(table(results))


if __name__ == "__main__":
    main()
