"""What a session is made of (its config) and what the server allows (its limits).

Bounds that are part of the maths (a learning rate is positive) live in ``Field``; bounds that
protect the server (how many layers, samples, steps) are deployment settings in ``Limits``.
Both reach the page as ``bounds()``, and the choices that depend on the data (which output and
loss fit a task, how large a batch the training set can fill) are decided here too, so that the
page offers exactly what the server takes.
"""

from itertools import product
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, model_validator

from app.engine.activations import ActivationName, HiddenActivationName
from app.engine.datasets import (
    DATASET_INFO,
    DEFAULT_GENERATED_CLASSES,
    MAX_GENERATED_CLASSES,
    MIN_GENERATED_CLASSES,
    DatasetName,
    Task,
    test_count,
)
from app.engine.features import FeatureName, ScalingName
from app.engine.initializers import InitializerName
from app.engine.losses import LOSSES, LossName
from app.engine.optimizers import OptimizerName
from app.engine.regularization import RegularizationName
from app.engine.schedules import ScheduleName
from app.errors import FieldError
from app.models import StrictModel

# A bound the schema itself puts on n_samples, far above any sensible max_samples: the
# arithmetic on it (the test share) runs in floats before the limit is checked.
MAX_SAMPLES_CAP = 10_000_000
# Static caps on list lengths, far above any limit an operator would set: a list past one is
# refused while it is validated, before the work the limits guard (and it is never echoed).
MAX_LIST_CAP = 1000

Seed = Annotated[int, Field(ge=0, le=2**32 - 1, description="Seed of a NumPy random generator")]


class Limits(StrictModel):
    """Server-protecting bounds. Each can be set by an environment variable BPP_<NAME>."""

    max_hidden_layers: int = Field(6, ge=0, description="Hidden layers in a network")
    max_neurons_per_layer: int = Field(16, ge=1, description="Neurons in one hidden layer")
    max_samples: int = Field(2000, ge=20, description="Examples in a generated dataset")
    max_steps_per_request: int = Field(100_000, ge=1, description="Steps in one REST train call")
    max_predict_points: int = Field(10_000, ge=1, description="Inputs in one predict call")
    max_message_bytes: int = Field(
        16_384, ge=1024, description="Size of one WebSocket message; a larger one gets an error "
        "reply and the socket stays open")
    max_message_hard_bytes: int = Field(
        1_048_576, ge=1024, description="Size of a WebSocket message the server reads at all; a "
        "larger one closes the socket (1009)")
    max_sessions: int = Field(200, ge=1, description="Sessions alive at once")
    max_sessions_per_address: int = Field(
        50, ge=1, description="Sessions alive at once from one client address (behind a proxy, "
        "the address its trusted header gives). A class behind one NAT shares one address: 50 "
        "fits a class of up to about 45 with a few spare tabs, and still leaves a flooder only "
        "a quarter of max_sessions")
    max_body_bytes: int = Field(
        262_144, ge=1024, description="Size of a REST request body (the CSV upload excepted), "
        "checked before it is parsed")
    max_model_bytes: int = Field(
        2_000_000, ge=1024, description="Size of a model file sent to POST /api/sessions/import "
        "(the largest network's export, with Adam's state and a full loss history, is about "
        "0.2 MB), checked before it is parsed")
    session_ttl_seconds: float = Field(1800, gt=0, description="Idle time before a session ends")
    max_rooms: int = Field(100, ge=1, description="Rooms (presented sessions) open at once")
    max_room_followers: int = Field(
        300, ge=1, description="Students following one room at once (each a watching socket)")
    room_grace_seconds: float = Field(
        600, gt=0, description="How long a room stays open after its teacher's last steering "
        "socket closed, so that a teacher whose laptop slept comes back to it")
    max_name_chars: int = Field(
        40, ge=8, le=200, description="Characters in a student's name on the class dashboard")
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
    session_cpu_share: float = Field(
        0.5, gt=0, le=1, description="Share of the server's time (one core) one session may use "
        "for training, frames and messages; past it, it waits for the next 0.1 s window")
    address_cpu_share: float = Field(
        0.5, gt=0, le=1, description="Share of the server's time all the sessions driven from one "
        "client address may use together while other addresses want time; an address whose "
        "turns are short may use more when the others leave it unused (less a headroom for "
        "them), and any address all of it alone, so a class behind one NAT address is not held "
        "to what one flooder gets")
    ws_messages_per_second: float = Field(
        100, gt=0, description="Messages one WebSocket may send per second (as many at once); "
        "more are refused with rate_limited. Dragging a weight sends one per animation frame "
        "(up to 60 a second), so the page stays well below it")
    ws_ping_interval_seconds: float = Field(
        20, gt=0, description="How often the server pings each WebSocket (keepalive)")
    ws_ping_timeout_seconds: float = Field(
        20, gt=0, description="How long a ping may go unanswered before the socket is dropped "
        "(its session then stops training and can expire)")
    max_csv_cell_chars: int = Field(
        100, ge=10, description="Characters in one cell of an uploaded CSV file, header included")

    @model_validator(mode="after")
    def _hard_cap_above_soft(self) -> "Limits":
        """Between the two message sizes a client gets an error reply; the hard cap below the
        soft limit would leave no room for it."""
        if self.max_message_hard_bytes < self.max_message_bytes:
            raise ValueError("max_message_hard_bytes must be at least max_message_bytes")
        return self


def _two_features() -> list[FeatureName]:
    return ["x1", "x2"]


def _two_hidden_layers() -> list[int]:
    return [4, 2]


class NetworkConfig(StrictModel):
    hidden_layers: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=_two_hidden_layers, max_length=MAX_LIST_CAP,
        description="Neurons in each hidden layer, input side first")
    activation: HiddenActivationName = Field("tanh", description="σ of every hidden layer")
    hidden_activations: list[HiddenActivationName] | None = Field(
        None, max_length=MAX_LIST_CAP, description="σ of each hidden layer, one per layer; overrides `activation`")
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
    n_samples: int = Field(400, ge=20, le=MAX_SAMPLES_CAP,
                           description="Examples, training and test together")
    noise: float = Field(0.0, ge=0.0, le=0.5, description="Jitter, as a share of the data radius")
    test_ratio: float = Field(0.5, ge=0.1, le=0.9, description="Share held out for the test loss")
    classes: int = Field(DEFAULT_GENERATED_CLASSES, ge=MIN_GENERATED_CLASSES,
                         le=MAX_GENERATED_CLASSES,
                         description="Classes of the multiclass datasets (blobs, multi_spiral)")
    features: list[FeatureName] = Field(
        default_factory=_two_features, min_length=1, max_length=MAX_LIST_CAP,
        description="Inputs computed from 2-D points (x1, x2, x1², x2², x1·x2, sin x1, sin x2)")
    scaling: ScalingName = Field("none", description="Input scaling, fitted on the training set")
    seed: Seed = 0


class TrainingConfig(StrictModel):
    learning_rate: float = Field(0.1, gt=0.0, le=100.0, description="η0 in θ ← θ − η ∂C/∂θ")
    batch_size: int = Field(
        10, ge=1, description="Examples per update: 1 is SGD, the whole training set is full batch"
    )
    optimizer: OptimizerName = "sgd"
    momentum: float = Field(0.9, ge=0.0, lt=1.0, description="β of momentum and Nesterov")
    rho: float = Field(0.9, gt=0.0, lt=1.0, description="ρ of RMSProp")
    beta1: float = Field(0.9, ge=0.0, lt=1.0, description="β1 of Adam")
    beta2: float = Field(0.999, gt=0.0, lt=1.0, description="β2 of Adam")
    epsilon: float = Field(1e-8, gt=0.0, le=1.0, description="ε of RMSProp and Adam")
    decay: ScheduleName = Field("none", description="Learning-rate decay")
    decay_rate: float = Field(0.5, gt=0.0, le=10.0, description="r of the decay")
    decay_steps: int = Field(1000, ge=1, description="k: updates per unit of decay")
    regularization: RegularizationName = "none"
    regularization_rate: float = Field(0.001, ge=0.0, le=10.0, description="λ")


class SessionConfig(StrictModel):
    network: NetworkConfig = Field(default_factory=lambda: NetworkConfig())
    data: DataConfig = Field(default_factory=lambda: DataConfig())
    training: TrainingConfig = Field(default_factory=lambda: TrainingConfig())
    seed: Seed = Field(0, description="Seeds the initial weights and the batch order")


# What each kind of problem is trained with when it starts: the output layer and the loss
# made for each other (a new CSV table; the page's switch to another kind of dataset).
TASK_START: dict[Task, tuple[ActivationName, LossName]] = {
    "binary": ("sigmoid", "binary_cross_entropy"),
    "multiclass": ("softmax", "categorical_cross_entropy"),
    "regression": ("linear", "mse"),
}


def pairing_errors(task: Task | None, output: str, loss: str) -> list[FieldError]:
    """Output/loss choices that cannot work together or with the task's targets (None: a task
    not known yet, which only the loss's own needs decide)."""
    errors = []
    allowed = LOSSES[loss].output_activations
    if allowed is not None and output not in allowed:
        errors.append(FieldError(field="network.output_activation", code="loss_needs_output",
                                 message=f"{loss} needs an output activation in {list(allowed)}",
                                 params={"loss": loss, "allowed": ", ".join(allowed)}))
    if task is None:
        return errors
    if output == "softmax" and task != "multiclass":
        errors.append(FieldError(field="network.output_activation", code="softmax_needs_classes",
                                 message=f"softmax needs several classes; this is a {task} task",
                                 params={"task": task}))
    if loss == "categorical_cross_entropy" and task != "multiclass":
        errors.append(FieldError(field="network.loss", code="cce_needs_classes",
                                 message="categorical cross-entropy needs several classes; "
                                 f"this is a {task} task", params={"task": task}))
    if loss == "binary_cross_entropy" and task == "regression":
        errors.append(FieldError(field="network.loss", code="bce_needs_classes",
                                 message="cross-entropy needs targets that are classes; use mse, "
                                 "mae or huber for regression", params={}))
    return errors


def allowed_pairs(task: Task) -> list[tuple[str, str]]:
    """Every (output activation, loss) the server takes for a task, the task's own pair first."""
    start = TASK_START[task]
    pairs = [(output, loss) for output, loss in product(get_args(ActivationName), LOSSES)
             if not pairing_errors(task, output, loss)]
    return [start, *(pair for pair in pairs if pair != start)]


def task_of(data: DataConfig) -> Task | None:
    """The kind of problem a generated dataset is; None for an uploaded table (its own)."""
    return None if data.dataset == "csv" else DATASET_INFO[data.dataset].task


def train_size(data: DataConfig) -> int:
    """Examples in the training set: the largest batch there can be."""
    n_samples = data.n_samples
    if data.dataset != "csv":
        n_samples = min(n_samples, DATASET_INFO[data.dataset].max_samples or n_samples)
    return n_samples - test_count(n_samples, data.test_ratio)


def layer_sizes(config: SessionConfig) -> list[int] | None:
    """Neurons per layer, inputs first, as the config's data will make them, known without
    making them; None for an uploaded table, whose width is its own."""
    data = config.data
    if data.dataset == "csv":
        return None
    info = DATASET_INFO[data.dataset]
    inputs = len(data.features) if info.input_kind == "plane" else len(info.feature_names)
    # Several classes: as many as the config asks for, or the ten digits.
    outputs = 1 if info.task != "multiclass" else data.classes if info.takes_classes else 10
    return [inputs, *config.network.hidden_layers, outputs]


def fit_batch(config: SessionConfig) -> SessionConfig:
    """The config with a batch no larger than its training set: what the page's controls mean
    when fewer samples or a larger test share shrink the set under the chosen batch size."""
    most = train_size(config.data)
    if config.training.batch_size <= most:
        return config
    training = config.training.model_copy(update={"batch_size": most})
    return config.model_copy(update={"training": training})


def limit_errors(config: SessionConfig, limits: Limits) -> list[FieldError]:
    """What in a well-formed config the limits, the loss or the data refuse."""
    net, data = config.network, config.data
    errors: list[FieldError] = []

    def at_most(field: str, limit: int, setting: str, what: str) -> None:
        errors.append(FieldError(field=field, code="limit", message=f"at most {limit} {what}",
                                 params={"limit": limit, "setting": setting}))

    if net.hidden_activations is not None and len(net.hidden_activations) != len(net.hidden_layers):
        errors.append(FieldError(
            field="network.hidden_activations", code="one_per_layer",
            message=f"one per hidden layer: {len(net.hidden_layers)}",
            params={"layers": len(net.hidden_layers)}))
    if len(net.hidden_layers) > limits.max_hidden_layers:
        at_most("network.hidden_layers", limits.max_hidden_layers, "max_hidden_layers",
                "hidden layers")
    for i, n in enumerate(net.hidden_layers):
        if n > limits.max_neurons_per_layer:
            at_most(f"network.hidden_layers.{i}", limits.max_neurons_per_layer,
                    "max_neurons_per_layer", "neurons per layer")
    errors += pairing_errors(task_of(data), net.output_activation, net.loss)
    if data.n_samples > limits.max_samples:
        at_most("data.n_samples", limits.max_samples, "max_samples", "samples")
    most = train_size(data)
    if config.training.batch_size > most:
        errors.append(FieldError(field="training.batch_size", code="batch_too_large",
                                 message=f"at most {most}, the size of the training set",
                                 params={"limit": most}))
    return errors


Bound = dict[str, Any]


def bounds(limits: Limits) -> dict[str, Bound]:
    """Every numeric setting's range and default, by its path in the config ("data.noise"):
    the schema's own constraints, with the server's limits where they are tighter."""
    found: dict[str, Bound] = {}
    for part, model in SessionConfig.model_fields.items():
        if model.annotation is None or not isinstance(model.annotation, type):
            continue
        for name, spec in getattr(model.annotation, "model_fields", {}).items():
            bound = {key: value for meta in spec.metadata for key in _BOUND_KEYS
                     if (value := getattr(meta, key, None)) is not None}
            if bound and not callable(spec.default_factory):
                found[f"{part}.{name}"] = {**_named(bound), "default": spec.default}
    found["data.n_samples"]["maximum"] = limits.max_samples
    found["network.hidden_layers"] = {"minimum": 0, "maximum": limits.max_hidden_layers}
    found["network.neurons"] = {"minimum": 1, "maximum": limits.max_neurons_per_layer}
    return found


_BOUND_KEYS = ("ge", "gt", "le", "lt")
_BOUND_NAMES = {"ge": "minimum", "gt": "exclusive_minimum", "le": "maximum",
                "lt": "exclusive_maximum"}


def _named(bound: dict[str, Any]) -> Bound:
    return {_BOUND_NAMES[key]: value for key, value in bound.items()}
