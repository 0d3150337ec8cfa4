"""The application factory: nothing is built at import time, so tests make apps with their own
settings."""

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app.api import docs, pages, refusals, rest, ws
from app.api.limits import BodyLimit
from app.api.web import HeadAsGet
from app.paths import resource_dir
from app.runner import TrainingLoops
from app.sessions import SessionRegistry
from app.settings import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
REDOC_CSP = docs.redoc_policy(CSP)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="Backprop Playground",
        summary="Train a small neural network and read every number backprop computes.",
        version="0.1.0",
        # Served by app/api/docs.py from static/vendor/ instead of a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.registry = SessionRegistry(settings.limits)
    app.state.training_loops = TrainingLoops(settings.limits.max_steps_per_second)
    app.state.templates = Jinja2Templates(directory=resource_dir("templates"))
    app.state.i18n_dir = resource_dir("static") / "i18n"
    refusals.install(app)
    app.include_router(rest.router)
    app.include_router(ws.router)
    app.include_router(pages.router)
    app.include_router(docs.router)
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
