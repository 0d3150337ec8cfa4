"""The HTML page. Its data (limits, defaults, choices, messages) travels as a JSON block that the
scripts read, never as inline script, so a strict Content-Security-Policy holds."""

from typing import get_args

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.engine.activations import ActivationName
from app.engine.datasets import EXTENT, DatasetName
from app.engine.losses import LOSSES, LossName
from app.i18n import DEFAULT_LANGUAGE, catalogue, languages
from app.snapshot import dataset_previews

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
    boot = {
        "limits": app.state.settings.limits.model_dump(),
        "choices": {
            "dataset": list(get_args(DatasetName)),
            "activation": list(get_args(ActivationName)),
            "loss": list(get_args(LossName)),
        },
        # Which output activations each loss accepts (null: any), so the page never offers
        # a pair the server would refuse.
        "loss_outputs": {name: loss.output_activations for name, loss in LOSSES.items()},
        "messages": messages,
        "previews": {name: p.model_dump() for name, p in dataset_previews().items()},
        "extent": EXTENT,
    }
    return app.state.templates.TemplateResponse(
        request, "index.html", {"boot": boot, "t": messages.__getitem__, "lang": language})
