"""/health and /metrics: what an operator watches during a class (app/health.py)."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.health import HealthReport, Metrics

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health(request: Request) -> HealthReport:
    """Sessions alive, sockets open, training tasks running, the event loop's worst lag over
    the last second (ms) and the process's resident memory (bytes)."""
    metrics: Metrics = request.app.state.metrics
    return metrics.health()


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """The same numbers in the Prometheus text format, with counters of frames sent and of
    refusals by code."""
    found: Metrics = request.app.state.metrics
    return Response(generate_latest(found.registry), media_type=CONTENT_TYPE_LATEST)
