"""The HTML page. Its data (limits, defaults, choices, messages) travels as a JSON block that the
scripts read, never as inline script, so a strict Content-Security-Policy holds."""

from typing import get_args

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.engine.activations import ActivationName, HiddenActivationName
from app.engine.datasets import DATASET_INFO, EXTENT, DatasetName
from app.engine.features import FeatureName, ScalingName
from app.engine.initializers import InitializerName
from app.engine.losses import LOSSES, LossName
from app.engine.optimizers import OptimizerName
from app.engine.regularization import RegularizationName
from app.engine.schedules import ScheduleName
from app.i18n import DEFAULT_LANGUAGE, catalogue, languages
from app.schemas import TASK_OUTPUTS, SessionConfig
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
            "activation": list(get_args(HiddenActivationName)),
            "output_activation": list(get_args(ActivationName)),
            "loss": list(get_args(LossName)),
            "optimizer": list(get_args(OptimizerName)),
            "decay": list(get_args(ScheduleName)),
            "regularization": list(get_args(RegularizationName)),
            "init": list(get_args(InitializerName)),
            "features": list(get_args(FeatureName)),
            "scaling": list(get_args(ScalingName)),
        },
        # Which output activations each loss accepts (null: any), so the page never offers
        # a pair the server would refuse, and which it takes but learns badly with.
        "loss_outputs": {name: loss.output_activations for name, loss in LOSSES.items()},
        "loss_unwise": {name: loss.unwise_with for name, loss in LOSSES.items()},
        "task_outputs": TASK_OUTPUTS,
        "datasets": {name: {"task": info.task, "input_kind": info.input_kind,
                            "takes_classes": info.takes_classes, "max_samples": info.max_samples}
                     for name, info in DATASET_INFO.items()},
        "messages": messages,
        "previews": {name: p.model_dump() for name, p in dataset_previews().items()},
        "defaults": SessionConfig().model_dump(),
        "extent": EXTENT,
    }
    return app.state.templates.TemplateResponse(
        request, "index.html", {"boot": boot, "t": messages.__getitem__, "lang": language})
