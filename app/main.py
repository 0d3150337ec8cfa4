"""The application factory: nothing is built at import time, so tests make apps with their own
settings."""

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app import VERSION
from app.api import docs, health, lessons, pages, refusals, rest, rooms, ws
from app.api.limits import BodyLimit
from app.api.web import HeadAsGet
from app.connections import GOING_AWAY, Connections
from app.health import Metrics
from app.lessons import load_lessons
from app.paths import resource_dir
from app.rooms import RoomRegistry
from app.runner import TRAINING_SHARE_OF_BUDGET, TrainingLoops
from app.scheduler import Scheduler
from app.sessions import SessionRegistry
from app.settings import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
REDOC_CSP = docs.redoc_policy(CSP)


# How long a stopping server waits for its sockets' handlers to close them.
SHUTDOWN_SECONDS = 3.0


async def shutdown(app: FastAPI) -> None:
    """Close every socket with a reason (1001), then end every session, which stops every
    training task and every REST train call. Safe to run twice: app/__main__.py runs it
    before uvicorn closes the sockets its own way, and the lifespan runs it again."""
    if app.state.cluster is not None:  # saved and let go first, for other workers to restore
        await app.state.cluster.stop()
    await app.state.connections.close_all(*GOING_AWAY, seconds=SHUTDOWN_SECONDS)
    app.state.registry.close_all()
    await app.state.training_loops.stop_all()


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with app.state.metrics.lag.running():
        if app.state.cluster is not None:
            await app.state.cluster.start()
        yield
        await shutdown(app)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    load_lessons()  # a broken lesson file stops the server here, not in front of a class
    app = FastAPI(
        title="Backprop Playground",
        summary="Train a small neural network and read every number backprop computes.",
        version=VERSION,
        # Served by app/api/docs.py from static/vendor/ instead of a CDN.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.registry = SessionRegistry(settings.limits)
    app.state.training_loops = TrainingLoops(
        settings.limits.max_steps_per_second, 1 / settings.limits.max_frame_rate,
        TRAINING_SHARE_OF_BUDGET * settings.limits.session_cpu_share)
    app.state.connections = Connections()
    limits = settings.limits
    app.state.scheduler = Scheduler(limits.session_cpu_share, limits.address_cpu_share)
    app.state.registry.on_close.append(app.state.scheduler.forget)
    app.state.rooms = RoomRegistry(settings.limits)
    app.state.registry.on_close.append(app.state.rooms.session_ended)
    app.state.metrics = Metrics({
        "sessions": lambda: len(app.state.registry.sessions),
        "sockets": lambda: len(app.state.connections),
        "training_tasks": lambda: len(app.state.training_loops.live),
    })
    # Worker mode only: Redis (and redis-py) are never touched by the one-process server.
    app.state.cluster = None
    if settings.clustered:
        from app.cluster.worker import Cluster

        app.state.cluster = Cluster(app, settings)
        app.middleware("http")(app.state.cluster.mark_owner)
    app.state.templates = Jinja2Templates(directory=resource_dir("templates"))
    app.state.i18n_dir = resource_dir("static") / "i18n"
    refusals.install(app)
    app.include_router(rest.router)
    app.include_router(rooms.router)
    app.include_router(lessons.router)
    app.include_router(ws.router)
    app.include_router(pages.router)
    app.include_router(docs.router)
    app.include_router(health.router)
    app.mount("/static", StaticFiles(directory=resource_dir("static")), name="static")
    app.add_middleware(BodyLimit, limits=settings.limits)
    app.add_middleware(HeadAsGet)

    @app.middleware("http")
    async def security_headers(request: Request, call_next) -> Response:
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        # For browsers older than CSP's frame-ancestors: no page of this app is framed.
        response.headers["X-Frame-Options"] = "DENY"
        if settings.content_security_policy:
            redoc = request.url.path == docs.REDOC_PATH
            response.headers["Content-Security-Policy"] = REDOC_CSP if redoc else CSP
        return response

    return app
