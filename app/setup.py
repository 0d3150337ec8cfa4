"""What the page needs before it connects, decided by the server: the page shows these and
derives none of them (which outputs and losses fit a task, every setting's bounds, ...)."""

from typing import get_args

from pydantic import Field

from app.config import TASK_START, Bound, Limits, SessionConfig, allowed_pairs, bounds
from app.engine.activations import ActivationName, HiddenActivationName
from app.engine.datasets import DATASET_INFO, EXTENT, DatasetName, InputKind, Task
from app.engine.features import FeatureName, ScalingName
from app.engine.initializers import InitializerName
from app.engine.losses import LOSSES, LossName
from app.engine.optimizers import OptimizerName
from app.engine.regularization import RegularizationName
from app.engine.schedules import ScheduleName
from app.frames import dataset_previews
from app.models import WireModel
from app.protocol import DatasetPreview


class DatasetChoice(WireModel):
    task: Task
    input_kind: InputKind
    takes_classes: bool
    max_samples: int | None


class TaskChoices(WireModel):
    pairs: list[tuple[str, str]] = Field(description="Every (output activation, loss) allowed, "
                                         "in order of preference")
    start: tuple[str, str] = Field(description="The pair a dataset of this kind starts with")


class PageSetup(WireModel):
    """What the page needs before it connects: the limits, every setting's bounds and default,
    the choices, what fits each kind of problem, the previews and the message catalogue."""

    limits: Limits
    bounds: dict[str, Bound] = Field(description="By config path: minimum, maximum, "
                                     "exclusive_minimum, exclusive_maximum, default")
    defaults: SessionConfig
    choices: dict[str, list[str]]
    datasets: dict[str, DatasetChoice]
    loss_unwise: dict[str, list[str]] = Field(description="Outputs each loss takes but learns "
                                              "badly with")
    tasks: dict[Task, TaskChoices]
    previews: dict[str, DatasetPreview]
    extent: float
    language: str
    messages: dict[str, str]


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
