"""The HTML page. Its data (limits, defaults, choices, messages) travels as a JSON block that the
scripts read, never as inline script, so a strict Content-Security-Policy holds."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.i18n import DEFAULT_LANGUAGE, catalogue, languages
from app.setup import page_setup

router = APIRouter(include_in_schema=False)


LANGUAGE_COOKIE = "lang"


def match_language(tag: str, available: list[str]) -> str | None:
    """A language tag as one of ours: exact (case aside), or by its first part; every Chinese tag
    (zh, zh-CN, zh-Hans-CN, ...) means the Simplified Chinese catalogue."""
    tag = tag.strip()
    by_lower = {name.lower(): name for name in available}
    first = tag.split("-")[0].lower()
    if first == "zh" and "zh-Hans" in available:
        return "zh-Hans"
    return by_lower.get(tag.lower()) or by_lower.get(first)


def pick_language(request: Request, available: list[str]) -> str:
    """?lang= first, then the choice the page saved (a cookie), then the browser's
    Accept-Language, then English."""
    wanted = [request.query_params.get("lang", ""), request.cookies.get(LANGUAGE_COOKIE, "")]
    wanted += [part.split(";")[0] for part in request.headers.get("accept-language", "").split(",")]
    for tag in wanted:
        if tag.strip() and (language := match_language(tag, available)):
            return language
    return DEFAULT_LANGUAGE


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    app = request.app
    directory = app.state.i18n_dir
    available = languages(directory)
    language = pick_language(request, available)
    messages = catalogue(directory, language)
    setup = page_setup(app.state.settings.limits, language, messages)
    return app.state.templates.TemplateResponse(
        request, "index.html",
        {"boot": setup.model_dump(mode="json"), "t": messages.__getitem__, "lang": language,
         "languages": available})
