"""Engine state to wire data: the binary frames, the layout that describes them, REST views.

This is the one place arrays become bytes or JSON. A frame is a fixed 48-byte header, then
float32 arrays at offsets the LayoutMessage lists (every layer's numbers, then the result
views' arrays), then, for data in the plane, the output over the plane as uint8 maps (row by
row from the top), then in frames flagged FLAG_MAPS one small uint8 map per neuron of what it
computes over the inputs (128 = neutral).
"""

import dataclasses
import functools
import struct

import numpy as np

from app.engine.datasets import DATASET_INFO, EXTENT, GENERATORS, Dataset, grid
from app.engine.inspector import explain_neuron, explain_weight
from app.engine.network import split_flat, tolerates_divergence
from app.engine.trainer import Metrics as EngineMetrics
from app.engine.trainer import Step
from app.schemas import (
    BatchState,
    DatasetPreview,
    FieldSpec,
    GalleryImage,
    Inspection,
    LayerState,
    LayoutMessage,
    Metrics,
    NeuronInspection,
    NeuronTarget,
    Points,
    SessionState,
    SessionSummary,
    View,
    WeightInspection,
    WeightTarget,
)
from app.sessions import Refused, Session

Array = np.ndarray
# version, step, epoch, train loss, test loss, train accuracy, test accuracy, flags,
# picked sample (-1: the mini-batch), walkthrough stage (-1: none), loss of the shown examples,
# training penalty
HEADER = struct.Struct("<IIfffffIiiff")
FLAG_DIVERGED = 1
FLAG_MAPS = 2  # the neuron maps follow the output maps
# Activations with a fixed range are drawn on it; unbounded ones relative to their layer's largest.
NEUTRAL_RANGE = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0)}
CURVE_POINTS = 121  # where a 1-D regression's curve is evaluated, evenly across [-EXTENT, EXTENT]
GALLERY_IMAGES = 24
PARITY_POINTS = 200
PREVIEW_POINTS = 120


def view(data: Dataset) -> View:
    if data.input_kind == "plane":
        return {"binary": "boundary", "multiclass": "regions", "regression": "surface"}[data.task]
    if data.input_kind == "line" and data.task == "regression":
        return "curve"
    if data.input_kind == "image":
        return "gallery"
    return "parity" if data.task == "regression" else "none"


def result_shapes(data: Dataset) -> list[tuple[str, list[int]]]:
    """The result views' float32 arrays: the test set's confusion matrix for classification,
    then the curve, the gallery's predicted classes or the parity plot's predictions."""
    shapes = []
    if data.task != "regression":
        k = len(data.class_names)
        shapes.append(("confusion", [k, k]))
    extra = {"curve": CURVE_POINTS, "gallery": min(GALLERY_IMAGES, data.x_test.shape[1]),
             "parity": min(PARITY_POINTS, data.x_test.shape[1])}
    name = view(data)
    if name in extra:
        shapes.append((name, [extra[name]]))
    return shapes


def field_specs(sizes: list[int], results: list[tuple[str, list[int]]] = ()) -> list[FieldSpec]:
    """Per layer l ≥ 1: W, b, dW, db, then the means of z, a, δ; a of layer 0; then results."""
    specs, offset = [], HEADER.size

    def add(name: str, layer: int, shape: list[int]) -> None:
        nonlocal offset
        specs.append(FieldSpec(name=name, layer=layer, offset=offset, shape=shape))
        offset += 4 * int(np.prod(shape))

    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        for name, shape in (("W", [n_out, n_in]), ("b", [n_out]), ("dW", [n_out, n_in]),
                            ("db", [n_out]), ("z", [n_out]), ("a", [n_out]), ("delta", [n_out])):
            add(name, l, shape)
    add("a", 0, [sizes[0]])
    for name, shape in results:
        add(name, 0, shape)
    return specs


def labels(data_y: Array, task: str) -> Array:
    """One number per example to colour it by: its class, or its target value."""
    return data_y.argmax(axis=0) if task == "multiclass" else data_y[0]


def points(x: Array, y: Array, task: str, input_kind: str) -> Points:
    if input_kind == "plane":
        x1, x2 = x[0], x[1]
    elif input_kind == "line":
        x1, x2 = x[0], y[0]
    else:
        return Points(x1=[], x2=[], label=[])
    return Points(x1=np.round(x1, 3).tolist(), x2=np.round(x2, 3).tolist(),
                  label=np.round(labels(y, task), 4).tolist())


@functools.cache
def dataset_previews() -> dict[str, DatasetPreview]:
    """A few noiseless points (or one image) of every dataset, for the dataset buttons."""
    previews = {}
    for name, make in GENERATORS.items():
        info = DATASET_INFO[name]
        x, y = make(PREVIEW_POINTS, 0.0, np.random.default_rng(0))
        if info.input_kind == "image":
            previews[name] = DatasetPreview(task=info.task, input_kind=info.input_kind,
                                            pixels=np.round(x[:, 0], 3).tolist())
        else:
            previews[name] = DatasetPreview(task=info.task, input_kind=info.input_kind,
                                            points=points(x, y, info.task, info.input_kind))
    return previews


def y_range(data: Dataset) -> tuple[float, float]:
    if data.task != "regression":
        return 0.0, 1.0
    return float(data.y_train.min()), float(data.y_train.max())


def gallery(raw: Dataset) -> list[GalleryImage]:
    if raw.input_kind != "image":
        return []
    n = min(GALLERY_IMAGES, raw.x_test.shape[1])
    return [GalleryImage(pixels=np.round(raw.x_test[:, i], 3).tolist(),
                         label=int(raw.y_test[:, i].argmax())) for i in range(n)]


def layout_message(session: Session, grid_size: int, map_size: int) -> LayoutMessage:
    net, raw, data = session.trainer.network, session.raw, session.data
    specs = field_specs(list(net.sizes), result_shapes(data))
    last = specs[-1]
    grid_offset = last.offset + 4 * int(np.prod(last.shape))
    shown = view(data)
    grid_bytes = {"boundary": 1, "surface": 1, "regions": 2}.get(shown, 0) * grid_size**2
    map_cells = {"plane": map_size**2, "line": map_size}.get(data.input_kind, 0)
    map_offset = grid_offset + grid_bytes
    return LayoutMessage(
        version=session.layout_version,
        sizes=list(net.sizes),
        activations=[layer.activation.name for layer in net.layers],
        loss=session.trainer.loss.name,
        task=data.task,
        input_kind=data.input_kind,
        view=shown,
        feature_names=list(data.feature_names),
        target_name=data.target_name,
        class_names=list(data.class_names),
        y_range=y_range(data),
        header_bytes=HEADER.size,
        fields=specs,
        grid_offset=grid_offset,
        grid_size=grid_size,
        grid_bytes=grid_bytes,
        map_offset=map_offset,
        map_size=map_size,
        map_cells=map_cells,
        extent=EXTENT,
        frame_bytes=map_offset + sum(net.sizes) * map_cells,
        train=points(raw.x_train, raw.y_train, raw.task, raw.input_kind),
        test=points(raw.x_test, raw.y_test, raw.task, raw.input_kind),
        gallery=gallery(raw),
        parity_targets=(np.round(data.y_test[0, :PARITY_POINTS], 4).tolist()
                        if shown == "parity" else []),
    )


def metrics(session: Session) -> EngineMetrics:
    """Losses and accuracies of the current weights, computed once per state and recorded."""

    def evaluate() -> EngineMetrics:
        result = session.trainer.evaluate()
        session.trainer.history.record(session.trainer.step_count, result)
        return result

    return session.cached("metrics", evaluate)


def shown_parameters(session: Session) -> list[tuple[Array, Array]]:
    """(W, b) per layer as drawn: at a walkthrough's update stage, as the update will leave them."""
    walk, net = session.walk, session.trainer.network
    if walk is not None and walk.phase[0] == "update":
        return split_flat(walk.params_after, net.sizes)
    return [(layer.W, layer.b) for layer in net.layers]


@tolerates_divergence
def frame_arrays(session: Session) -> list[Array]:
    """The arrays of field_specs, in its order: z, a, δ are means over the shown examples."""
    step = session.view_step()
    arrays: list[Array] = []
    for (W, b), trace, grad in zip(shown_parameters(session), step.traces, step.grads.layers):
        arrays += [W, b, grad.dW, grad.db,
                   trace.z.mean(axis=1), trace.a.mean(axis=1), grad.delta.mean(axis=1)]
    arrays.append(step.x.mean(axis=1))
    return arrays + result_arrays(session)


@tolerates_divergence
def result_arrays(session: Session) -> list[Array]:
    """The result views' numbers, in result_shapes' order."""
    net, data = session.trainer.network, session.data
    arrays = []
    if data.task != "regression":
        arrays.append(metrics(session).test_confusion)  # from the metrics' own test pass
    shown = view(data)
    if shown == "curve":
        arrays.append(net.predict(session.inputs(line(CURVE_POINTS)))[0])
    elif shown == "gallery":
        arrays.append(net.predict(data.x_test[:, :GALLERY_IMAGES]).argmax(axis=0))
    elif shown == "parity":
        arrays.append(net.predict(data.x_test[:, :PARITY_POINTS])[0])
    return arrays


@functools.cache
def plane(grid_size: int) -> Array:
    """The grid's points, in float32 for speed; the same for every session."""
    points = grid(grid_size).astype(np.float32)
    points.flags.writeable = False
    return points


@functools.cache
def line(n: int) -> Array:
    """n evenly spaced x across [-EXTENT, EXTENT], the input of a 1-D function, as a [1, n] row."""
    xs = np.linspace(-EXTENT, EXTENT, n, dtype=np.float32)[None, :]
    xs.flags.writeable = False
    return xs


def to_bytes(unit: Array) -> bytes:
    """Values in [0, 1] as uint8; NaN in the middle."""
    return (np.clip(np.nan_to_num(unit, nan=0.5), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8).tobytes()


@tolerates_divergence
def output_maps(session: Session, grid_size: int) -> bytes:
    """One forward pass over the plane: P(class 1), or each cell's class and its probability,
    or the regression output across the targets' range."""
    shown = view(session.data)
    if shown not in ("boundary", "regions", "surface"):
        return b""
    out = session.trainer.network.predict(session.inputs(plane(grid_size)))
    if shown == "boundary":
        return to_bytes(out[0])
    if shown == "surface":
        low, high = y_range(session.data)
        return to_bytes((out[0] - low) / max(high - low, 1e-12))
    classes = np.nan_to_num(out, nan=0.0).argmax(axis=0).astype(np.uint8)
    return classes.tobytes() + to_bytes(out.max(axis=0))


@tolerates_divergence
def neuron_maps(session: Session, map_size: int) -> bytes:
    """Every neuron's value over the plane (or along the line), as TensorFlow Playground draws
    inside its neurons: the feature each one has learnt to detect."""
    kind = session.data.input_kind
    if kind not in ("plane", "line"):
        return b""
    net = session.trainer.network
    raw = plane(map_size) if kind == "plane" else line(map_size)
    names = [None, *(layer.activation.name for layer in net.layers)]
    tones = [tone(a, name) for a, name in zip(net.outputs(session.inputs(raw)), names)]
    return (np.concatenate(tones, axis=0) * 127.5 + 128.0).clip(0, 255).astype(np.uint8).tobytes()


def tone(a: Array, activation: str | None) -> Array:
    """Values in [-1, 1]: the middle of a bounded range at 0, else scaled by the layer's largest."""
    a = np.nan_to_num(a.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if activation in NEUTRAL_RANGE:
        low, high = NEUTRAL_RANGE[activation]
        return (2 * a - (low + high)) / (high - low)
    largest = np.abs(a).max()
    return a / largest if largest > 0 else a


@tolerates_divergence
def float32(arrays: list[Array]) -> Array:
    """Diverged values may overflow float32 on the way; they arrive as ±inf, drawn as invalid."""
    return np.concatenate([a.ravel() for a in arrays]).astype("<f4")


def encode_frame(session: Session, grid_size: int, map_size: int, with_maps: bool = True) -> bytes:
    """The frame of the session's current state; the neuron maps, the bulk of its bytes, only
    when asked for (viewers send them at a lower rate than the numbers)."""

    def build() -> bytes:
        m = metrics(session)
        trainer = session.trainer
        numbers = float32([np.array([trainer.epoch, m.train_loss, m.test_loss,
                                     m.train_accuracy, m.test_accuracy])]).tolist()
        penalty = float32([np.array([m.penalty])]).tolist()
        # A uint32 step count lasts days at full speed; past that it stays at its largest value.
        step = min(trainer.step_count, 2**32 - 1)
        walk_stage = -1 if session.walk is None else session.walk.stage
        sample = -1 if session.sample is None else session.sample
        view_loss = float32([np.array([session.view_step().loss])]).tolist()
        flags = (FLAG_DIVERGED if session.diverged else 0) | (FLAG_MAPS if with_maps else 0)
        header = HEADER.pack(session.layout_version, step, *numbers, flags, sample, walk_stage,
                             *view_loss, *penalty)
        floats = float32(frame_arrays(session))
        maps = session.cached("maps", lambda: neuron_maps(session, map_size)) if with_maps else b""
        return header + floats.tobytes() + output_maps(session, grid_size) + maps

    return session.cached(f"frame{with_maps:d}", build)


def finite(values: Array | float) -> list | float | None:
    """JSON has no NaN or infinity: a diverged number becomes null."""
    arr = np.asarray(values, dtype=float)
    return np.where(np.isfinite(arr), arr, None).tolist()


def history_rows(session: Session) -> list[tuple[int, float | None, float | None]]:
    return [(step, finite(train), finite(test)) for step, train, test in session.trainer.history.rows]


def summary(session: Session) -> SessionSummary:
    m = metrics(session)
    trainer = session.trainer
    return SessionSummary(
        id=session.id,
        config=session.config,
        status=session.status,
        step=trainer.step_count,
        epoch=trainer.epoch,
        metrics=Metrics(**{name: finite(getattr(m, name)) for name in Metrics.model_fields}),
        history=history_rows(session),
    )


def state(session: Session) -> SessionState:
    step = session.view_step()
    layers = [
        LayerState(activation=layer.activation.name, W=finite(layer.W), b=finite(layer.b[:, 0]),
                   z=finite(trace.z), a=finite(trace.a), delta=finite(grad.delta),
                   dW=finite(grad.dW), db=finite(grad.db[:, 0]))
        for layer, trace, grad in zip(session.trainer.network.layers, step.traces, step.grads.layers)
    ]
    batch = BatchState(indices=step.indices.tolist(), x=finite(step.x), y=finite(step.y),
                       loss=finite(step.loss))
    return SessionState(**summary(session).model_dump(), layers=layers, batch=batch)


def jsonable(value: object) -> object:
    """An engine dataclass as plain JSON values: arrays to lists, NaN and infinity to null."""
    if dataclasses.is_dataclass(value):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (np.ndarray, float, np.floating)):
        return finite(value)
    return value


@tolerates_divergence
def inspection(
    session: Session, target: NeuronTarget | WeightTarget, step: Step, sample: int | None,
    params_after: Array | None = None, example: int = 0,
) -> Inspection:
    """The engine's own numbers behind one neuron or weight, for one example of ``step``;
    ``params_after`` is what the update will make of the weights (by default: an update with
    this step's gradient)."""
    trainer = session.trainer
    net = trainer.network
    try:
        if isinstance(target, NeuronTarget):
            detail: NeuronInspection | WeightInspection = NeuronInspection.model_validate(jsonable(
                explain_neuron(net, step, trainer.loss, target.layer, target.index, example)))
        else:
            after = (trainer.optimizer.preview(net.params, step.grads.flat)
                     if params_after is None else params_after)
            detail = WeightInspection.model_validate(jsonable(explain_weight(
                net, step, after, target.layer, target.index, target.source, example,
                trainer.optimizer, trainer.regularizer)))
    except IndexError as e:
        raise Refused(str(e)) from e
    return Inspection(sample=sample, example=example, indices=step.indices.tolist(),
                      loss=finite(step.loss), loss_name=trainer.loss.name, detail=detail)
