"""The application factory: nothing is built at import time, so tests make apps with their own
settings."""

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app.api import pages, refusals, rest, ws
from app.runner import TrainingLoops
from app.sessions import SessionRegistry
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="Backprop Playground",
        summary="Train a small neural network and read every number backprop computes.",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.registry = SessionRegistry(settings.limits)
    app.state.training_loops = TrainingLoops(settings.limits.max_steps_per_second)
    app.state.templates = Jinja2Templates(directory=ROOT / "templates")
    app.state.i18n_dir = ROOT / "static" / "i18n"
    refusals.install(app)
    app.include_router(rest.router)
    app.include_router(ws.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next) -> Response:
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        # /docs loads its viewer from a CDN, so the policy covers our own pages only.
        if settings.content_security_policy and not request.url.path.startswith(("/docs", "/redoc")):
            response.headers["Content-Security-Policy"] = CSP
        return response

    return app
