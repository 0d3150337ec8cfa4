"""Every shape that crosses the wire: configs, REST bodies, WebSocket messages, and the limits.

Bounds that are part of the maths (a learning rate is positive) live in ``Field``; bounds that
protect the server (how many layers, samples, steps) are deployment settings in ``Limits`` and
are checked by ``limit_errors``, which reports them in pydantic's own error shape.
"""

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from app.engine.activations import ActivationName, HiddenActivationName
from app.engine.datasets import (
    DATASET_INFO, DEFAULT_CLASSES, MAX_CLASSES, MIN_CLASSES, DatasetName, InputKind, Task,
    test_count,
)
from app.engine.features import FeatureName, ScalingName
from app.engine.initializers import InitializerName
from app.engine.losses import LOSSES, LossName
from app.engine.optimizers import OptimizerName
from app.engine.regularization import RegularizationName
from app.engine.schedules import ScheduleName

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
    max_csv_bytes: int = Field(1_000_000, ge=1000, description="Size of an uploaded CSV file")
    max_csv_rows: int = Field(2000, ge=10, description="Data rows in an uploaded CSV file")
    max_csv_columns: int = Field(
        17, ge=2, description="Columns in an uploaded CSV file, inputs and target together")


class NetworkConfig(StrictModel):
    hidden_layers: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=lambda: [4, 2], description="Neurons in each hidden layer, input side first"
    )
    activation: HiddenActivationName = Field("tanh", description="σ of every hidden layer")
    hidden_activations: list[HiddenActivationName] | None = Field(
        None, description="σ of each hidden layer, one per layer; overrides `activation`")
    output_activation: ActivationName = Field("sigmoid", description="σ of the output layer")
    leaky_slope: float = Field(0.01, gt=0.0, lt=1.0, description="Slope of leaky ReLU below 0")
    loss: LossName = Field("binary_cross_entropy", description="Cost function C")
    init: InitializerName = Field("xavier", description="How the weights are first drawn")

    def layer_activations(self) -> list[str]:
        """σ of layers 1..L."""
        hidden = self.hidden_activations or [self.activation] * len(self.hidden_layers)
        return [*hidden, self.output_activation]


class DataConfig(StrictModel):
    dataset: DatasetName | Literal["csv"] = Field(
        "circle", description="A generated dataset, or \"csv\": the table uploaded to the session")
    n_samples: int = Field(400, ge=20, description="Examples, training and test together")
    noise: float = Field(0.0, ge=0.0, le=0.5, description="Jitter, as a share of the data radius")
    test_ratio: float = Field(0.5, ge=0.1, le=0.9, description="Share held out for the test loss")
    classes: int = Field(DEFAULT_CLASSES, ge=MIN_CLASSES, le=MAX_CLASSES,
                         description="Classes of the multiclass datasets (blobs, multi_spiral)")
    features: list[FeatureName] = Field(
        default_factory=lambda: ["x1", "x2"], min_length=1,
        description="Inputs computed from 2-D points (x1, x2, x1², x2², x1·x2, sin x1, sin x2)")
    scaling: ScalingName = Field("none", description="Input scaling, fitted on the training set")
    seed: Seed = 0


class TrainingConfig(StrictModel):
    learning_rate: float = Field(0.1, gt=0.0, le=100.0, description="η0 in θ ← θ − η ∂C/∂θ")
    batch_size: int = Field(
        10, ge=1, description="Examples per step: 1 is SGD, the whole training set is full batch"
    )
    optimizer: OptimizerName = "sgd"
    momentum: float = Field(0.9, ge=0.0, lt=1.0, description="β of momentum and Nesterov")
    rho: float = Field(0.9, gt=0.0, lt=1.0, description="ρ of RMSProp")
    beta1: float = Field(0.9, ge=0.0, lt=1.0, description="β1 of Adam")
    beta2: float = Field(0.999, gt=0.0, lt=1.0, description="β2 of Adam")
    epsilon: float = Field(1e-8, gt=0.0, le=1.0, description="ε of RMSProp and Adam")
    decay: ScheduleName = Field("none", description="Learning-rate decay")
    decay_rate: float = Field(0.5, gt=0.0, le=10.0, description="r of the decay")
    decay_steps: int = Field(1000, ge=1, description="k: steps per unit of decay")
    regularization: RegularizationName = "none"
    regularization_rate: float = Field(0.001, ge=0.0, le=10.0, description="λ")


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
    if net.hidden_activations is not None and len(net.hidden_activations) != len(net.hidden_layers):
        refuse(("network", "hidden_activations"),
               f"one per hidden layer: {len(net.hidden_layers)}", net.hidden_activations)
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
    if data.dataset != "csv":
        task = DATASET_INFO[data.dataset].task
        for loc, msg, value in pairing_errors(task, net.output_activation, net.loss):
            refuse(("network", loc), msg, value)
    if data.n_samples > limits.max_samples:
        refuse(("data", "n_samples"), f"at most {limits.max_samples} samples", data.n_samples)
    n_samples = data.n_samples
    if data.dataset != "csv" and DATASET_INFO[data.dataset].max_samples is not None:
        n_samples = min(n_samples, DATASET_INFO[data.dataset].max_samples)
    n_train = n_samples - test_count(n_samples, data.test_ratio)
    if config.training.batch_size > n_train:
        refuse(("training", "batch_size"),
               f"at most {n_train}, the size of the training set", config.training.batch_size)
    return errors


# What each kind of problem is trained with when it starts: the output layer and the loss
# made for each other (a new CSV table; the page's switch to another kind of dataset).
TASK_OUTPUTS: dict[str, tuple[str, str]] = {
    "binary": ("sigmoid", "binary_cross_entropy"),
    "multiclass": ("softmax", "categorical_cross_entropy"),
    "regression": ("linear", "mse"),
}


def pairing_errors(task: Task, output: str, loss: str) -> list[tuple[str, str, str]]:
    """(field, message, value) for output/loss choices the task's targets cannot work with."""
    errors = []
    if output == "softmax" and task != "multiclass":
        errors.append(("output_activation", f"softmax needs several classes; this is a {task} "
                       "task", output))
    if loss == "categorical_cross_entropy" and task != "multiclass":
        errors.append(("loss", f"categorical cross-entropy needs several classes; this is a "
                       f"{task} task", loss))
    if loss == "binary_cross_entropy" and task == "regression":
        errors.append(("loss", "cross-entropy needs targets that are classes; use mse, mae or "
                       "huber for regression", loss))
    return errors


# ---- REST bodies -------------------------------------------------------------------------


class TrainRequest(StrictModel):
    steps: int = Field(1, ge=1, description="Gradient-descent steps to run")


class ResetRequest(StrictModel):
    seed: Seed | None = Field(None, description="A new weight seed; omitted keeps the current one")


class PredictRequest(StrictModel):
    inputs: list[Annotated[list[float], Field(min_length=1, max_length=64)]] = Field(
        min_length=1, description="Examples as the dataset gives them: points (x1, x2) of the "
        "plane, one x of a 1-D function, 64 pixels of a digit, a table row's inputs; features "
        "and scaling are applied by the server")


class PredictResponse(BaseModel):
    outputs: list[list[float | None]] = Field(description="a^L for each input")
    classes: list[int | None] = Field(description="Output > 0.5 for binary tasks, the largest "
                                      "output for multiclass ones; null for regression")


class Metrics(BaseModel):
    train_loss: float | None = Field(description="Data loss, without the penalty")
    test_loss: float | None
    penalty: float | None = Field(description="λ·R(W), added to the data loss in training")
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
    batch_gradient: Number = Field(description="∂C/∂w averaged over the step's examples, "
                                   "with the penalty's part")
    penalty_gradient: Number = Field(description="λ ∂R/∂w, the regularization's part")
    examples: int
    learning_rate: float = Field(description="η of the coming step, after any decay")
    optimizer: OptimizerName
    weight_after: Number = Field(description="The weight after the next update")
    update: Number = Field(description="Δw = weight_after − weight")


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

    name: Literal["W", "b", "dW", "db", "z", "a", "delta", "confusion", "curve", "gallery", "parity"]
    layer: int = Field(description="The layer of W … delta; 0 for the result views' arrays")
    offset: int = Field(description="Byte offset in the frame")
    shape: list[int]


class Points(BaseModel):
    """Examples to draw: (x1, x2) points of the plane with their class or target value as label;
    for 1-D data x1 is the input and x2 the target."""

    x1: list[float]
    x2: list[float]
    label: list[float]


class GalleryImage(BaseModel):
    pixels: list[float] = Field(description="8×8 grey values in [0, 1], row by row")
    label: int


View = Literal["boundary", "regions", "surface", "curve", "gallery", "parity", "none"]


class DatasetPreview(BaseModel):
    """What a dataset button shows: a few of its points, or one of its images."""

    task: Task
    input_kind: InputKind
    points: Points | None = None
    pixels: list[float] | None = None


class LayoutMessage(BaseModel):
    """Sent whenever the network's shape or the data change; frames refer to it by version."""

    type: Literal["layout"] = "layout"
    version: int
    sizes: list[int]
    activations: list[ActivationName]
    loss: LossName
    task: Task
    input_kind: InputKind
    view: View = Field(description="How the output panel draws the network's answers: "
                       "boundary (binary, plane), regions (multiclass, plane), surface (regression, "
                       "plane), curve (regression, 1-D), gallery (images), parity (table "
                       "regression), none")
    feature_names: list[str] = Field(description="The network's inputs, layer 0")
    target_name: str
    class_names: list[str]
    y_range: tuple[float, float] = Field(description="Targets' range on the training set")
    header_bytes: int
    fields: list[FieldSpec]
    grid_offset: int
    grid_size: int
    grid_bytes: int = Field(description="grid_size² uint8 (boundary: P(class 1); surface: the "
                            "output over y_range), or twice that for regions (class, then its "
                            "probability); 0 when the view is not a plane")
    map_offset: int = Field(description="Byte offset of the neuron maps, in frames that carry "
                            "them (flag 2): for every neuron of layers 0..L in order, map_cells "
                            "uint8, row by row from the top; other frames end here")
    map_size: int
    map_cells: int = Field(description="map_size² over the plane, map_size along a line, 0 "
                           "where the inputs are not a plane or a line")
    extent: float
    frame_bytes: int
    train: Points
    test: Points
    gallery: list[GalleryImage] = Field(description="Test images whose predicted classes the "
                                        "frames' gallery field carries")
    parity_targets: list[float] = Field(description="Test targets whose predictions the frames' "
                                        "parity field carries")


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
