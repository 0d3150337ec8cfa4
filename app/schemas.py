"""Every shape that crosses the wire: configs, REST bodies, WebSocket messages, and the limits.

Bounds that are part of the maths (a learning rate is positive) live in ``Field``; bounds that
protect the server (how many layers, samples, steps) are deployment settings in ``Limits`` and
are checked by ``limit_errors``, which reports them in pydantic's own error shape.
"""

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from app.engine.activations import ActivationName
from app.engine.datasets import DatasetName, test_count
from app.engine.losses import LOSSES, LossName

Seed = Annotated[int, Field(ge=0, le=2**32 - 1, description="Seed of a NumPy random generator")]


class StrictModel(BaseModel):
    """Unknown fields are refused, so a typo in a config is an error rather than a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class Limits(StrictModel):
    """Server-protecting bounds. Each can be set by an environment variable BPP_<NAME>."""

    max_hidden_layers: int = Field(6, ge=0, description="Hidden layers in a network")
    max_neurons_per_layer: int = Field(16, ge=1, description="Neurons in one hidden layer")
    max_samples: int = Field(2000, ge=20, description="Examples in a generated dataset")
    max_steps_per_request: int = Field(100_000, ge=1, description="Steps in one REST train call")
    max_predict_points: int = Field(10_000, ge=1, description="Inputs in one predict call")
    max_message_bytes: int = Field(16_384, ge=1024, description="Size of one WebSocket message")
    max_sessions: int = Field(200, ge=1, description="Sessions alive at once")
    session_ttl_seconds: float = Field(1800, gt=0, description="Idle time before a session ends")
    max_frame_rate: float = Field(30, gt=0, le=120, description="Frames per second per viewer")
    max_steps_per_second: int = Field(
        100_000, ge=1, description="Top training speed; also what \"as fast as possible\" means")
    grid_size: int = Field(50, ge=8, le=200, description="Decision-boundary cells per side")
    neuron_map_size: int = Field(
        20, ge=4, le=64, description="Cells per side of each neuron's map of the input plane")
    neuron_map_rate: float = Field(
        10, gt=0, le=120, description="Frames per second that carry the neuron maps (the bulk "
        "of a frame's bytes); the others carry only the numbers")


class NetworkConfig(StrictModel):
    hidden_layers: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=lambda: [4, 2], description="Neurons in each hidden layer, input side first"
    )
    activation: ActivationName = Field("tanh", description="σ of every hidden layer")
    output_activation: ActivationName = Field("sigmoid", description="σ of the output layer")
    loss: LossName = Field("cross_entropy", description="Cost function C")


class DataConfig(StrictModel):
    dataset: DatasetName = "circle"
    n_samples: int = Field(400, ge=20, description="Examples, training and test together")
    noise: float = Field(0.0, ge=0.0, le=0.5, description="Jitter, as a share of the data radius")
    test_ratio: float = Field(0.5, ge=0.1, le=0.9, description="Share held out for the test loss")
    seed: Seed = 0


class TrainingConfig(StrictModel):
    learning_rate: float = Field(0.1, gt=0.0, le=100.0, description="η in θ ← θ − η ∂C/∂θ")
    batch_size: int = Field(
        10, ge=1, description="Examples per step: 1 is SGD, the whole training set is full batch"
    )


class SessionConfig(StrictModel):
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    data: DataConfig = Field(default_factory=DataConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    seed: Seed = Field(0, description="Seeds the initial weights and the batch order")


def limit_errors(config: SessionConfig, limits: Limits) -> list[dict[str, Any]]:
    """What in a well-formed config the limits or the loss refuse, as pydantic error dicts."""
    errors: list[dict[str, Any]] = []

    def refuse(loc: tuple[str | int, ...], msg: str, value: Any) -> None:
        errors.append({"type": "limit", "loc": loc, "msg": msg, "input": value})

    net, data = config.network, config.data
    if len(net.hidden_layers) > limits.max_hidden_layers:
        refuse(("network", "hidden_layers"),
               f"at most {limits.max_hidden_layers} hidden layers", net.hidden_layers)
    for i, n in enumerate(net.hidden_layers):
        if n > limits.max_neurons_per_layer:
            refuse(("network", "hidden_layers", i),
                   f"at most {limits.max_neurons_per_layer} neurons per layer", n)
    allowed = LOSSES[net.loss].output_activations
    if allowed is not None and net.output_activation not in allowed:
        refuse(("network", "output_activation"),
               f"{net.loss} needs an output activation in {list(allowed)}", net.output_activation)
    if data.n_samples > limits.max_samples:
        refuse(("data", "n_samples"), f"at most {limits.max_samples} samples", data.n_samples)
    n_train = data.n_samples - test_count(data.n_samples, data.test_ratio)
    if config.training.batch_size > n_train:
        refuse(("training", "batch_size"),
               f"at most {n_train}, the size of the training set", config.training.batch_size)
    return errors


# ---- REST bodies -------------------------------------------------------------------------


class TrainRequest(StrictModel):
    steps: int = Field(1, ge=1, description="Gradient-descent steps to run")


class ResetRequest(StrictModel):
    seed: Seed | None = Field(None, description="A new weight seed; omitted keeps the current one")


class PredictRequest(StrictModel):
    inputs: list[Annotated[list[float], Field(min_length=2, max_length=2)]] = Field(
        min_length=1, description="Points (x1, x2)"
    )


class PredictResponse(BaseModel):
    outputs: list[float | None]
    classes: list[int | None]


class Metrics(BaseModel):
    train_loss: float | None
    test_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None


Status = Literal["running", "paused", "diverged"]


class SessionSummary(BaseModel):
    id: str
    config: SessionConfig
    status: Status
    step: int
    epoch: float
    metrics: Metrics
    history: list[tuple[int, float | None, float | None]] = Field(
        description="(step, training loss, test loss) rows, thinned evenly on long runs"
    )


Matrix = list[list[float | None]]


class LayerState(BaseModel):
    """Layer l's parameters and what the latest batch did there; columns are examples."""

    activation: ActivationName
    W: Matrix
    b: list[float | None]
    z: Matrix
    a: Matrix
    delta: Matrix
    dW: Matrix
    db: list[float | None]


class BatchState(BaseModel):
    indices: list[int] = Field(description="Columns of the training set in this batch")
    x: Matrix
    y: Matrix
    loss: float | None


class SessionState(SessionSummary):
    layers: list[LayerState] = Field(description="Layers 1..L; W, b after the latest step, "
                                     "z, a, δ and gradients from that step's batch")
    batch: BatchState


Sample = Annotated[int, Field(ge=0, description="A column of the training set")]


class ParamEdit(StrictModel):
    """One weight W^l[index, source] or bias b^l[index], set by hand while training is paused."""

    layer: int = Field(ge=1, description="Layer l, 1 to L")
    param: Literal["W", "b"]
    index: int = Field(ge=0, description="Neuron k of layer l")
    source: int | None = Field(None, ge=0, description="Neuron j of layer l − 1 (weights only)")
    value: float = Field(ge=-1000, le=1000, allow_inf_nan=False)


class NeuronTarget(StrictModel):
    kind: Literal["neuron"]
    layer: int = Field(ge=1, description="Layer l, 1 to L")
    index: int = Field(ge=0, description="Neuron k of layer l")


class WeightTarget(StrictModel):
    kind: Literal["weight"]
    layer: int = Field(ge=1, description="Layer l, 1 to L")
    index: int = Field(ge=0, description="Neuron k of layer l that the weight feeds")
    source: int = Field(ge=0, description="Neuron j of layer l − 1 that it comes from")


Target = Annotated[Union[NeuronTarget, WeightTarget], Field(discriminator="kind")]


class InspectRequest(StrictModel):
    target: Target
    sample: Sample | None = Field(None, description="Explain this training example; omitted: "
                                  "the first example of the next mini-batch")


class GradCheckRequest(StrictModel):
    sample: Sample | None = Field(None, description="Check on this training example; omitted: "
                                  "on the next mini-batch")


Number = float | None
Vector = list[float | None]


class ForwardView(BaseModel):
    """z = Σ_k w_k a_k + b, a = σ(z)."""

    weights: Vector
    inputs: Vector
    products: Vector
    bias: Number
    z: Number
    a: Number
    activation: ActivationName


class BackwardView(BaseModel):
    """δ = ∂C/∂z; the output layer has target and ∂C/∂a, a hidden layer the terms from above."""

    delta: Number
    sigma_prime: Number
    target: Number = None
    dC_da: Number = None
    fused: bool = False
    upstream_weights: Vector | None = None
    upstream_deltas: Vector | None = None
    upstream_products: Vector | None = None
    upstream_sum: Number = None


class NeuronInspection(BaseModel):
    kind: Literal["neuron"] = "neuron"
    layer: int
    index: int
    forward: ForwardView
    backward: BackwardView


class WeightInspection(BaseModel):
    kind: Literal["weight"] = "weight"
    layer: int
    index: int
    source: int
    weight: Number
    a_in: Number
    delta: Number
    gradient: Number = Field(description="a_in · δ for this example")
    batch_gradient: Number = Field(description="∂C/∂w averaged over the step's examples")
    examples: int
    learning_rate: float
    weight_after: Number = Field(description="The weight after the next update")


class Inspection(BaseModel):
    sample: int | None = Field(description="The picked training example, or null")
    example: int = Field(description="Which column of the step is explained")
    indices: list[int] = Field(description="The training examples of the step")
    loss: Number
    loss_name: LossName
    detail: NeuronInspection | WeightInspection = Field(discriminator="kind")


class GradCheckResult(BaseModel):
    """Per layer, the largest |backprop − numerical| / (|backprop| + |numerical|)."""

    layers: list[float | None]
    threshold: float
    passed: bool
    examples: int
    sample: int | None


# ---- WebSocket: client to server ---------------------------------------------------------


class PlayMessage(StrictModel):
    type: Literal["play"]


class PauseMessage(StrictModel):
    type: Literal["pause"]


class StepMessage(StrictModel):
    type: Literal["step"]
    steps: int = Field(1, ge=1, le=1000)


class ResetMessage(StrictModel):
    type: Literal["reset"]
    seed: Seed | None = None


class ConfigMessage(StrictModel):
    type: Literal["config"]
    config: SessionConfig


class SpeedMessage(StrictModel):
    type: Literal["speed"]
    steps_per_second: int | None = Field(ge=1, description="null trains as fast as possible, up to max_steps_per_second")


class PickMessage(StrictModel):
    type: Literal["pick"]
    sample: Sample | None = Field(description="null follows the mini-batch again")


class InspectMessage(StrictModel):
    type: Literal["inspect"]
    target: Target | None = Field(description="null closes the inspector")


class WalkMessage(StrictModel):
    type: Literal["walk"]
    action: Literal["start", "next", "previous", "stop"]


class GradCheckMessage(StrictModel):
    type: Literal["gradcheck"]


class EditMessage(ParamEdit):
    type: Literal["edit"]


ClientMessage = Annotated[
    Union[PlayMessage, PauseMessage, StepMessage, ResetMessage, ConfigMessage, SpeedMessage,
          PickMessage, InspectMessage, WalkMessage, GradCheckMessage, EditMessage],
    Field(discriminator="type"),
]
client_message = TypeAdapter(ClientMessage)


# ---- WebSocket: server to client (JSON; frames are binary, described by LayoutMessage) ----


class HelloMessage(BaseModel):
    type: Literal["hello"] = "hello"
    session_id: str
    config: SessionConfig
    limits: Limits


class FieldSpec(BaseModel):
    """Where one array sits in a binary frame: float32, little-endian, row-major."""

    name: Literal["W", "b", "dW", "db", "z", "a", "delta"]
    layer: int
    offset: int = Field(description="Byte offset in the frame")
    shape: list[int]


class Points(BaseModel):
    x1: list[float]
    x2: list[float]
    label: list[float]


class LayoutMessage(BaseModel):
    """Sent whenever the network's shape or the data change; frames refer to it by version."""

    type: Literal["layout"] = "layout"
    version: int
    sizes: list[int]
    activations: list[ActivationName]
    loss: LossName
    header_bytes: int
    fields: list[FieldSpec]
    grid_offset: int
    grid_size: int
    map_offset: int = Field(description="Byte offset of the neuron maps, in frames that carry "
                            "them (flag 2): for every neuron of layers 0..L in order, map_size² "
                            "uint8, row by row from the top; other frames end here")
    map_size: int
    extent: float
    frame_bytes: int
    train: Points
    test: Points


class StatusMessage(BaseModel):
    type: Literal["status"] = "status"
    status: Status
    steps_per_second: int | None
    config: SessionConfig


class HistoryMessage(BaseModel):
    type: Literal["history"] = "history"
    rows: list[tuple[int, float | None, float | None]]


class InspectionMessage(Inspection):
    type: Literal["inspection"] = "inspection"


class GradCheckReply(GradCheckResult):
    type: Literal["gradcheck"] = "gradcheck"


class FieldError(BaseModel):
    field: str
    message: str


class ErrorMessage(BaseModel):
    type: Literal["error"] = "error"
    message: str
    errors: list[FieldError] = []
