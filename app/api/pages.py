"""The HTML page. Its data (limits, defaults, choices, messages) travels as a JSON block that the
scripts read, never as inline script, so a strict Content-Security-Policy holds."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.i18n import DEFAULT_LANGUAGE, catalogue, languages
from app.setup import page_setup

router = APIRouter(include_in_schema=False)


def pick_language(request: Request, available: list[str]) -> str:
    """?lang= first, then the browser's Accept-Language, then English."""
    wanted = [request.query_params.get("lang", "")]
    wanted += [part.split(";")[0].strip() for part in request.headers.get("accept-language", "").split(",")]
    for tag in wanted:
        for candidate in (tag, tag.split("-")[0]):
            if candidate in available:
                return candidate
    return DEFAULT_LANGUAGE


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    app = request.app
    directory = app.state.i18n_dir
    language = pick_language(request, languages(directory))
    messages = catalogue(directory, language)
    setup = page_setup(app.state.settings.limits, language, messages)
    return app.state.templates.TemplateResponse(
        request, "index.html",
        {"boot": setup.model_dump(mode="json"), "t": messages.__getitem__, "lang": language})
