"""The wire, described once: every WebSocket message both ways, and the binary frame.

A frame is a fixed header (``HEADER_FIELDS``), then float32 arrays (``LAYER_ARRAYS`` for each
layer l ≥ 1, then a of layer 0, then the result views' ``RESULT_ARRAYS``) at offsets that the
LayoutMessage lists, then for data in the plane the output over the plane as uint8 maps (row by
row from the top), then in frames flagged ``maps`` one small uint8 map per neuron of what it
computes over the inputs (128 = neutral). Everything is little-endian. The encoder
(app/codec.py) and the page's decoder (static/js/wire.js, generated from this module by
``python -m app.jsgen``) both read this description; nothing else states an offset.
"""

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from app.config import Limits, Seed, SessionConfig
from app.engine.activations import ActivationName
from app.engine.datasets import InputKind, Task
from app.engine.inspector import NeuronExplanation, WeightExplanation
from app.engine.losses import LossName
from app.engine.trainer import Metrics
from app.engine.walkthrough import Stage
from app.errors import FieldError, Refusal
from app.models import StrictModel, WireModel

__all__ = ["FieldError", "Metrics", "Stage"]  # wire shapes defined elsewhere, re-exported

# ---- The binary frame --------------------------------------------------------------------

WireType = Literal["u32", "i32", "f32"]
STRUCT_CODES: dict[WireType, str] = {"u32": "I", "i32": "i", "f32": "f"}


@dataclass(frozen=True)
class HeaderField:
    name: str
    type: WireType
    doc: str


HEADER_FIELDS = (
    HeaderField("version", "u32", "The layout this frame belongs to; frames of another are dropped"),
    HeaderField("step", "u32", "Updates so far (stays at 2³² − 1 past it)"),
    HeaderField("epoch", "f32", "Passes over the training set so far"),
    HeaderField("train_loss", "f32", "Data loss on the training set, without the penalty"),
    HeaderField("test_loss", "f32", "Data loss on the test set"),
    HeaderField("train_accuracy", "f32", "Share classified right; NaN for regression"),
    HeaderField("test_accuracy", "f32", "Share classified right; NaN for regression"),
    HeaderField("flags", "u32", "FLAGS bits"),
    HeaderField("sample", "i32", "The training example whose z, a and δ the diagram shows"),
    HeaderField("stage", "i32", "The step-by-step stage, an index of the layout's stages; −1: none"),
    HeaderField("shown_loss", "f32", "C_x, the loss of the example the diagram shows"),
    HeaderField("penalty", "f32", "λ·R(W), added to the data loss in training"),
    HeaderField("position", "i32", "The shown example's place in the next mini-batch when the "
                "diagram goes through the batch's examples; −1: it follows one example"),
)
HEADER = struct.Struct("<" + "".join(STRUCT_CODES[f.type] for f in HEADER_FIELDS))
HEADER_OFFSETS = [struct.calcsize("<" + "".join(STRUCT_CODES[f.type] for f in HEADER_FIELDS[:i]))
                  for i in range(len(HEADER_FIELDS))]
FLAGS = {"diverged": 1, "maps": 2, "grid": 4}

Shape = Callable[[int, int], list[int]]  # (n_(l-1), n_l) -> the array's shape


@dataclass(frozen=True)
class ArrayRule:
    name: str
    shape: Shape
    doc: str


def _matrix(n_in: int, n_out: int) -> list[int]:
    return [n_out, n_in]


def _column(n_in: int, n_out: int) -> list[int]:
    return [n_out]


LAYER_ARRAYS = (
    ArrayRule("W", _matrix, "W^l as drawn (at the update stage: as the update will leave it)"),
    ArrayRule("b", _column, "b^l as drawn"),
    ArrayRule("dW", _matrix, "∂C/∂W^l: the mean over the next update's examples (what it applies)"),
    ArrayRule("db", _column, "∂C/∂b^l: the mean over the next update's examples"),
    ArrayRule("z", _column, "z^l of the shown example"),
    ArrayRule("a", _column, "a^l of the shown example"),
    ArrayRule("delta", _column, "δ^l = ∂C_x/∂z^l of the shown example"),
)
INPUT_ARRAY = ArrayRule("a", _column, "a^0 = x of the shown example (layer 0)")
ResultName = Literal["confusion", "curve", "gallery", "parity"]
RESULT_ARRAYS: dict[ResultName, str] = {
    "confusion": "[k, k] counts[true][predicted] on the test set (classification)",
    "curve": "[CURVE_POINTS] the output along x, evenly across the extent (1-D regression)",
    "gallery": "[≤ GALLERY_IMAGES] the class predicted for each gallery image",
    "parity": "[≤ PARITY_POINTS] the prediction for each of the first test examples",
}
ArrayName = Literal["W", "b", "dW", "db", "z", "a", "delta", "confusion", "curve", "gallery",
                    "parity"]


class FieldSpec(WireModel):
    """Where one array sits in a binary frame: float32, little-endian, row-major."""

    name: ArrayName
    layer: int = Field(description="The layer of W … delta; 0 for the input and the results")
    offset: int = Field(description="Byte offset in the frame")
    shape: list[int]


def frame_fields(sizes: list[int], results: list[tuple[ResultName, list[int]]]) -> list[FieldSpec]:
    """Every array of a frame for these layer sizes, in order, with its offset."""
    slots: list[tuple[ArrayName, int, list[int]]] = [
        (rule.name, l, rule.shape(n_in, n_out))  # type: ignore[misc]
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1)
        for rule in LAYER_ARRAYS]
    slots.append(("a", 0, INPUT_ARRAY.shape(0, sizes[0])))
    slots += [(name, 0, shape) for name, shape in results]
    specs, offset = [], HEADER.size
    for name, layer, shape in slots:
        specs.append(FieldSpec(name=name, layer=layer, offset=offset, shape=shape))
        offset += 4 * _count(shape)
    return specs


def _count(shape: list[int]) -> int:
    count = 1
    for n in shape:
        count *= n
    return count


def fields_end(fields: list[FieldSpec]) -> int:
    last = fields[-1]
    return last.offset + 4 * _count(last.shape)


# ---- Shapes shared by REST and the WebSocket ----------------------------------------------

Status = Literal["running", "paused", "diverged"]
Sample = Annotated[int, Field(ge=0, description="A column of the training set")]
HistoryRow = tuple[int, float | None, float | None]  # (update, training loss, test loss)


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


Target = Annotated[NeuronTarget | WeightTarget, Field(discriminator="kind")]


class Inspection(WireModel):
    sample: int | None = Field(description="The picked training example, or null")
    example: int = Field(description="Which column of the traced batch is explained")
    indices: list[int] = Field(description="The training examples of the traced batch")
    loss: float | None
    loss_name: LossName
    detail: NeuronExplanation | WeightExplanation = Field(discriminator="kind")


class GradCheckResult(WireModel):
    """Per layer, the largest |backprop − numerical| / (|backprop| + |numerical|)."""

    layers: list[float | None]
    threshold: float
    passed: bool
    examples: int
    sample: int | None


class Points(WireModel):
    """Examples to draw: (x1, x2) points of the plane with their class or target value as label;
    for 1-D data x1 is the input and x2 the target."""

    x1: list[float]
    x2: list[float]
    label: list[float]


class GalleryImage(WireModel):
    pixels: list[float] = Field(description="8×8 grey values in [0, 1], row by row")
    label: int


View = Literal["boundary", "regions", "surface", "curve", "gallery", "parity", "none"]


class DatasetPreview(WireModel):
    """What a dataset button shows: a few of its points, or one of its images."""

    task: Task
    input_kind: InputKind
    points: Points | None = None
    pixels: list[float] | None = None


# ---- WebSocket: client to server ---------------------------------------------------------


class PlayMessage(StrictModel):
    type: Literal["play"]


class PauseMessage(StrictModel):
    type: Literal["pause"]


class StepMessage(StrictModel):
    """Training updates, run at once."""

    type: Literal["step"]
    steps: int = Field(1, ge=1, le=1000)


class ResetMessage(StrictModel):
    type: Literal["reset"]
    seed: Seed | None = None


class ConfigMessage(StrictModel):
    """A new config; the batch size is fitted to the training set. ``ref`` comes back in the
    status that shows the config applied, so that the page knows its edit has arrived."""

    type: Literal["config"]
    config: SessionConfig
    ref: int | None = Field(None, ge=0, le=2**53)


class SpeedMessage(StrictModel):
    type: Literal["speed"]
    steps_per_second: int | None = Field(
        ge=1, description="null trains as fast as possible, up to max_steps_per_second")


class PickMessage(StrictModel):
    """Whose numbers the diagram shows: one training example, or (sample null) the examples of
    the next mini-batch, the one at ``position``."""

    type: Literal["pick"]
    sample: Sample | None = Field(description="A training example to follow; null: the batch's")
    position: int = Field(0, ge=0, description="With sample null: which of the batch's examples")


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
    PlayMessage | PauseMessage | StepMessage | ResetMessage | ConfigMessage | SpeedMessage
    | PickMessage | InspectMessage | WalkMessage | GradCheckMessage | EditMessage,
    Field(discriminator="type"),
]
client_message: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)


# ---- WebSocket: server to client (JSON; frames are binary, described by LayoutMessage) ----


class HelloMessage(WireModel):
    type: Literal["hello"] = "hello"
    session_id: str
    token: str | None = Field(description="The steering token, to the socket that created the "
                              "session or brought its token; null: this socket only watches")
    config: SessionConfig
    limits: Limits


class LayoutMessage(WireModel):
    """Sent whenever the network's shape or the data change; frames refer to it by version."""

    type: Literal["layout"] = "layout"
    version: int
    sizes: list[int]
    activations: list[ActivationName] = Field(description="σ of layers 1..L")
    activation_ranges: list[tuple[float, float] | None] = Field(
        description="Per layer 1..L, the range of a bounded σ (sigmoid, softmax, tanh), or null")
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
    train_size: int = Field(description="Examples in the training set: the largest batch")
    stages: list[Stage] = Field(description="The step-by-step stages; a frame's stage indexes them")
    header_bytes: int
    fields: list[FieldSpec]
    grid_offset: int = Field(description="Byte offset of the output map, in frames that carry it "
                             "(flag grid): a viewer's frame carries it when the map changed since "
                             "its last; a frame without it has what follows grid_bytes earlier")
    grid_size: int
    grid_bytes: int = Field(description="grid_size² uint8 (boundary: P(class 1); surface: the "
                            "output over y_range), or twice that for regions (class, then its "
                            "probability); 0 when the view is not a plane")
    map_offset: int = Field(description="Byte offset of the neuron maps in frames that carry them "
                            "(flag maps) and the output map: for every neuron of layers 0..L in "
                            "order, map_cells uint8, row by row from the top; other frames end "
                            "before them")
    map_size: int
    map_cells: int = Field(description="map_size² over the plane, map_size along a line, 0 "
                           "where the inputs are not a plane or a line")
    extent: float
    frame_bytes: int = Field(description="The length of a frame that carries both maps")
    train: Points
    test: Points
    gallery: list[GalleryImage] = Field(description="Test images whose predicted classes the "
                                        "frames' gallery field carries")
    parity_targets: list[float] = Field(description="Test targets whose predictions the frames' "
                                        "parity field carries")


class StatusMessage(WireModel):
    type: Literal["status"] = "status"
    status: Status
    steps_per_second: int | None
    config: SessionConfig
    ref: int | None = Field(description="The last config message of this socket applied, or null")
    shown_target: Target | None = Field(
        None, description="What the session's steering page inspects: a room's followers open it too")


class HistoryMessage(WireModel):
    """The loss curve: the server records it while training and thins long runs."""

    type: Literal["history"] = "history"
    rows: list[HistoryRow]
    append: bool = Field(False, description="true: rows follow those sent before; false: "
                         "they replace them")


class InspectionMessage(Inspection):
    type: Literal["inspection"] = "inspection"


class GradCheckReply(GradCheckResult):
    type: Literal["gradcheck"] = "gradcheck"


class RecallMessage(WireModel):
    """The teacher sends everyone back to following: a student's own copy gets this and its
    page goes to the room (/?room=CODE)."""

    type: Literal["recall"] = "recall"
    room: str = Field(description="The room's join code")


class ErrorMessage(Refusal):
    type: Literal["error"] = "error"


ServerMessage = Annotated[
    HelloMessage | LayoutMessage | StatusMessage | HistoryMessage | InspectionMessage | GradCheckReply | RecallMessage
    | ErrorMessage,
    Field(discriminator="type"),
]
