"""What an operator watches during a class: sessions, sockets, training tasks, event-loop lag
and memory, plus counters of frames sent and refusals by code.

Each app has its own Prometheus registry (never the library's global one), so a process can
hold many apps, as the tests do. The gauges are read when scraped, from the app's own state.
"""

import asyncio
import contextlib
import os
import resource
import sys
from collections import deque
from collections.abc import AsyncIterator, Callable
from time import perf_counter

from prometheus_client import CollectorRegistry, Counter, Gauge, ProcessCollector
from pydantic import Field

from app.models import WireModel

# The lag probe sleeps this long and measures how late it wakes: a loop busy with a long
# slice of work wakes it late by that much. It costs one wake-up per interval.
LAG_INTERVAL_SECONDS = 0.1
# /health reports the worst lag of the last this-many probes (a second's worth).
LAG_WINDOW = 10


class LoopLag:
    """How late the event loop runs a callback that is due, over the last second."""

    def __init__(self) -> None:
        self.samples: deque[float] = deque([0.0], maxlen=LAG_WINDOW)

    @property
    def seconds(self) -> float:
        return max(self.samples)

    async def probe(self) -> None:
        while True:
            start = perf_counter()
            await asyncio.sleep(LAG_INTERVAL_SECONDS)
            self.samples.append(max(0.0, perf_counter() - start - LAG_INTERVAL_SECONDS))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self.probe())
        try:
            yield
        finally:
            task.cancel()
            await asyncio.wait([task])


def rss_bytes() -> int:
    """The process's resident memory now (Linux), or its peak where /proc is missing."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


class HealthReport(WireModel):
    """/health's JSON. Counts and bytes are integers in the JSON (`"sessions": 3`, never
    `3.0`): a monitoring script's integer check, or the schema /docs publishes, says so."""
    sessions: int = Field(description="Sessions alive")
    sockets: int = Field(description="WebSockets open")
    training_tasks: int = Field(description="Training tasks running (one per watched session)")
    event_loop_lag_ms: float = Field(
        description="Worst lateness of the event loop over the last second, in milliseconds")
    memory_rss_bytes: int = Field(description="Resident memory of the server process")


class Metrics:
    """The app's numbers: gauges read from ``counts`` when scraped, counters bumped as things
    happen (a frame sent, a refusal answered)."""

    def __init__(self, counts: dict[str, Callable[[], int]]) -> None:
        self.counts = counts
        self.lag = LoopLag()
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        for name, read in self.gauges().items():
            Gauge(f"bpp_{name}", GAUGE_HELP[name], registry=self.registry).set_function(read)
        self.frames = Counter("bpp_frames_sent", "Binary frames sent to viewers",
                              registry=self.registry)
        self.refusals = Counter("bpp_refusals", "Refusals answered (REST and WebSocket), by code",
                                ["code"], registry=self.registry)

    def gauges(self) -> dict[str, Callable[[], float]]:
        return {**self.counts, "event_loop_lag_seconds": lambda: self.lag.seconds,
                "memory_rss_bytes": rss_bytes}

    def refused(self, code: str) -> None:
        self.refusals.labels(code=code).inc()

    def health(self) -> HealthReport:
        """/health's JSON: the same numbers as the gauges, the lag in milliseconds."""
        found = {name: read() for name, read in self.counts.items()}
        return HealthReport.model_validate({
            **found, "event_loop_lag_ms": round(self.lag.seconds * 1000, 3),
            "memory_rss_bytes": rss_bytes()})


GAUGE_HELP = {
    "sessions": "Sessions alive",
    "sockets": "WebSockets open",
    "training_tasks": "Training tasks running (one per watched session)",
    "event_loop_lag_seconds": "Worst lateness of the event loop over the last second",
    "memory_rss_bytes": "Resident memory of the server process",
}
