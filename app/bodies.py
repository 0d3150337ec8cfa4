"""REST request and response bodies; the shapes they share with the WebSocket are in
app/protocol.py."""

from typing import Annotated

from pydantic import ConfigDict, Field

from app.config import Seed, SessionConfig
from app.engine.activations import ActivationName
from app.models import StrictModel, WireModel
from app.protocol import HistoryRow, Sample, Status, Target

# A static cap on predict's inputs, far above max_predict_points: a longer list is refused
# while it is validated, before any example is looked at.
MAX_PREDICT_CAP = 1_000_000


class TrainRequest(StrictModel):
    steps: int = Field(1, ge=1, description="Gradient-descent updates to run")


class ResetRequest(StrictModel):
    seed: Seed | None = Field(None, description="A new weight seed; omitted keeps the current one")


class PredictRequest(StrictModel):
    inputs: list[Annotated[list[float], Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=MAX_PREDICT_CAP,
        description="Examples as the dataset gives them: points (x1, x2) of the plane, one x "
        "of a 1-D function, 64 pixels of a digit, a table row's inputs; features and scaling "
        "are applied by the server")


class PredictResponse(WireModel):
    outputs: list[list[float | None]] = Field(description="a^L for each input")
    classes: list[int | None] = Field(description="Output > 0.5 for binary tasks, the largest "
                                      "output for multiclass ones; null for regression")


class SessionMetrics(WireModel):
    """The engine's metrics (app/engine/trainer.py Metrics) in JSON, which has no NaN: what is
    not a number there is null here."""

    train_loss: float | None = Field(description="The data loss on the training set; null once diverged")
    test_loss: float | None = Field(description="The data loss on the test set; null once diverged")
    train_accuracy: float | None = Field(description="Share classified right; null for regression "
                                         "or once diverged")
    test_accuracy: float | None = Field(description="Share classified right; null for regression "
                                        "or once diverged")
    penalty: float | None = Field(description="The weight penalty λ Σ R(W), the same for both sets; "
                                  "null once diverged")


class SessionSummary(WireModel):
    id: str
    config: SessionConfig
    status: Status
    step: int = Field(description="Updates so far")
    epoch: float
    metrics: SessionMetrics
    history: list[HistoryRow] = Field(
        description="(update, training loss, test loss) rows, thinned evenly on long runs; "
        "a train call answers with the rows it recorded only")


class CreatedSession(SessionSummary):
    token: str = Field(description="Steers this session: send it as `Authorization: Bearer "
                       "<token>` or `X-Session-Token` to change it over REST, or as `/ws?session="
                       "<id>&token=<token>`. The id alone only watches. Only this answer has it")


Matrix = list[list[float | None]]


class LayerState(WireModel):
    """Layer l's parameters and what the shown batch does there; columns are examples."""

    activation: ActivationName
    W: Matrix
    b: list[float | None]
    z: Matrix
    a: Matrix
    delta: Matrix
    dW: Matrix
    db: list[float | None]


class BatchState(WireModel):
    indices: list[int] = Field(description="Columns of the training set in this batch")
    x: Matrix
    y: Matrix
    loss: float | None


class SessionState(SessionSummary):
    layers: list[LayerState] = Field(description="Layers 1..L: W and b now; z, a, δ and the "
                                     "gradients of the next mini-batch (or the picked example)")
    batch: BatchState


class InspectRequest(StrictModel):
    target: Target
    sample: Sample | None = Field(None, description="Explain this training example; omitted: "
                                  "the first example of the next mini-batch")


class GradCheckRequest(StrictModel):
    sample: Sample | None = Field(None, description="Check on this training example; omitted: "
                                  "on the next mini-batch")


class LessonSessionRequest(StrictModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"variant": "hidden-layer"}]})

    variant: str | None = Field(None, max_length=40, description="One of the lesson's variants; "
                                "omitted: the lesson's own config")
