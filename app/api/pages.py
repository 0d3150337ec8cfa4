"""The HTML page. Its data (limits, defaults, choices, messages) travels as a JSON block that the
scripts read, never as inline script, so a strict Content-Security-Policy holds."""

from typing import get_args

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.config import TASK_START, Limits, SessionConfig, allowed_pairs, bounds
from app.engine.activations import ActivationName, HiddenActivationName
from app.engine.datasets import DATASET_INFO, EXTENT, DatasetName
from app.engine.features import FeatureName, ScalingName
from app.engine.initializers import InitializerName
from app.engine.losses import LOSSES, LossName
from app.engine.optimizers import OptimizerName
from app.engine.regularization import RegularizationName
from app.engine.schedules import ScheduleName
from app.frames import dataset_previews
from app.i18n import DEFAULT_LANGUAGE, catalogue, languages
from app.protocol import DatasetChoice, PageSetup, TaskChoices

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


def page_setup(limits: Limits, language: str, messages: dict[str, str]) -> PageSetup:
    """Everything the page offers, decided here: it shows these and derives none of them."""
    return PageSetup(
        limits=limits,
        bounds=bounds(limits),
        defaults=SessionConfig(),
        choices={
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
        datasets={name: DatasetChoice(task=info.task, input_kind=info.input_kind,
                                      takes_classes=info.takes_classes,
                                      max_samples=info.max_samples)
                  for name, info in DATASET_INFO.items()},
        loss_unwise={name: list(loss.unwise_with) for name, loss in LOSSES.items()},
        tasks={task: TaskChoices(pairs=allowed_pairs(task), start=TASK_START[task])
               for task in TASK_START},
        previews=dataset_previews(),
        extent=EXTENT,
        language=language,
        messages=messages,
    )


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
