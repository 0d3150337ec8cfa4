"""/docs (Swagger UI) and /redoc (ReDoc), served from the vendored copies in static/vendor/ so
the API documentation works offline. FastAPI's own pages load both from a CDN and start them
with an inline script; these start them from static/js/docs.js, so the pages keep the app's
script-src 'self'."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

REDOC_PATH = "/redoc"


def redoc_policy(policy: str) -> str:
    """The app's Content-Security-Policy loosened for /redoc alone: ReDoc renders through
    styled-components, which writes <style> elements (so inline styles), and runs its search in a
    Worker made from a blob: URL of its own code. Scripts stay 'self'. Swagger UI on /docs needs
    nothing beyond the app's own policy."""
    return policy.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'; worker-src blob:")


def viewer_page(request: Request, template: str) -> HTMLResponse:
    """The schema's URL carries the root path, as FastAPI's own pages do behind a proxy."""
    app = request.app
    openapi_url = request.scope.get("root_path", "") + app.openapi_url
    return app.state.templates.TemplateResponse(
        request, template, {"title": app.title, "openapi_url": openapi_url})


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    return viewer_page(request, "docs.html")


@router.get(REDOC_PATH, response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    return viewer_page(request, "redoc.html")
