"""What a session shows: the layout its frames follow, and each frame's values.

The view policy lives here (which result view a dataset gets, what the diagram's numbers are
means of, how neurons are toned); app/codec.py turns the result into bytes. Frames are built
once per state and shared by every viewer, through the session's cache.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

import numpy as np

from app.codec import Frame, encode, lay_out, tone_bytes, unit_bytes
from app.engine import fast
from app.engine.datasets import DATASET_INFO, EXTENT, GENERATORS, Dataset, grid
from app.engine.network import LayerTrace, split_flat, tolerates_divergence
from app.engine.walkthrough import stages
from app.protocol import (
    HEADER,
    DatasetPreview,
    FieldSpec,
    GalleryImage,
    LayoutMessage,
    Points,
    ResultName,
    View,
    fields_end,
    frame_fields,
)
from app.sessions import Made, Session

Array = np.ndarray
T = TypeVar("T")
# Activations with a fixed range are drawn on it; unbounded ones relative to their layer's largest.
BOUNDED_RANGES = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0)}
CURVE_POINTS = 121  # where a 1-D regression's curve is evaluated, evenly across [-EXTENT, EXTENT]
GALLERY_IMAGES = 24
# While training, the output map is redone at most this often: every other frame at 30 fps.
# It is a quarter of a frame's cost, and a boundary moving 15 times a second looks as smooth;
# any other change (a pause, an edit, a reset) redoes it for the next frame.
OUTPUT_MAP_SECONDS = 0.05
PARITY_POINTS = 200
PREVIEW_POINTS = 120
PLANE_VIEWS: dict[str, View] = {"binary": "boundary", "multiclass": "regions",
                                "regression": "surface"}


def view(data: Dataset) -> View:
    if data.input_kind == "plane":
        return PLANE_VIEWS[data.task]
    if data.input_kind == "line" and data.task == "regression":
        return "curve"
    if data.input_kind == "image":
        return "gallery"
    return "parity" if data.task == "regression" else "none"


def result_shapes(data: Dataset) -> list[tuple[ResultName, list[int]]]:
    """The result views' arrays: the test set's confusion matrix for classification, then the
    curve, the gallery's predicted classes or the parity plot's predictions."""
    shapes: list[tuple[ResultName, list[int]]] = []
    if data.task != "regression":
        k = len(data.class_names)
        shapes.append(("confusion", [k, k]))
    shown = view(data)
    if shown == "curve":
        shapes.append(("curve", [CURVE_POINTS]))
    elif shown == "gallery":
        shapes.append(("gallery", [min(GALLERY_IMAGES, data.x_test.shape[1])]))
    elif shown == "parity":
        shapes.append(("parity", [min(PARITY_POINTS, data.x_test.shape[1])]))
    return shapes


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
    fields = frame_fields(list(net.sizes), result_shapes(data))
    grid_offset = fields_end(fields)
    shown = view(data)
    grid_bytes = {"boundary": 1, "surface": 1, "regions": 2}.get(shown, 0) * grid_size**2
    map_cells = {"plane": map_size**2, "line": map_size}.get(data.input_kind, 0)
    map_offset = grid_offset + grid_bytes
    activations = [layer.activation.name for layer in net.layers]
    return LayoutMessage(
        version=session.layout_version,
        sizes=list(net.sizes),
        activations=activations,
        activation_ranges=[BOUNDED_RANGES.get(name) for name in activations],
        loss=session.trainer.loss.name,
        task=data.task,
        input_kind=data.input_kind,
        view=shown,
        feature_names=list(data.feature_names),
        target_name=data.target_name,
        class_names=list(data.class_names),
        y_range=y_range(raw),  # in the target's own units
        train_size=data.x_train.shape[1],
        stages=stages(net.depth),
        header_bytes=HEADER.size,
        fields=fields,
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
        parity_targets=(np.round(raw.y_test[0, :PARITY_POINTS], 4).tolist()
                        if shown == "parity" else []),
    )


def shown_parameters(session: Session) -> list[tuple[Array, Array]]:
    """(W, b) per layer as drawn: at a walkthrough's update stage, as the update will leave them."""
    walk, net = session.walk, session.trainer.network
    if walk is not None and walk.current.phase == "update":
        return split_flat(walk.params_after, net.sizes)
    return [(layer.W, layer.b) for layer in net.layers]


@tolerates_divergence
def layer_arrays(session: Session) -> dict[tuple[str, int], Array]:
    """Every layer's numbers as drawn: z, a and δ of the shown example, which satisfy the
    equations with W and b; ∂C/∂W and ∂C/∂b as the next update's means, which it applies."""
    batch = session.shown_batch()
    example, k = session.shown_example()
    arrays: dict[tuple[str, int], Array] = {("a", 0): example.x[:, k]}
    layers = zip(shown_parameters(session), batch.grads.layers, example.traces,
                 example.grads.layers)
    for l, ((W, b), mean, trace, grad) in enumerate(layers, start=1):
        arrays.update({("W", l): W, ("b", l): b, ("dW", l): mean.dW, ("db", l): mean.db,
                       ("z", l): trace.z[:, k], ("a", l): trace.a[:, k],
                       ("delta", l): grad.delta[:, k]})
    return arrays


def example_loss(session: Session) -> float:
    """C_x of the shown example: the cost its own a and y make."""
    example, k = session.shown_example()
    if example.indices.size == 1:  # traced alone: its loss is the batch's
        return example.loss
    top, cols = example.traces[-1], slice(k, k + 1)
    return session.trainer.network.data_loss(
        LayerTrace(top.a_in[:, cols], top.z[:, cols], top.a[:, cols]), example.y[:, cols],
        session.trainer.loss)


@tolerates_divergence
def result_arrays(session: Session) -> dict[tuple[str, int], Array]:
    """The result views' numbers, by the names of result_shapes."""
    net, data = session.trainer.network, session.data
    arrays: dict[tuple[str, int], Array] = {}
    confusion = session.shown_evaluation().test_confusion
    if confusion is not None:
        arrays[("confusion", 0)] = np.array(confusion, dtype=float)
    shown = view(data)
    if shown == "curve":
        arrays[("curve", 0)] = net.predict(session.inputs(line(CURVE_POINTS)))[0]
    elif shown == "gallery":
        arrays[("gallery", 0)] = net.predict(data.x_test[:, :GALLERY_IMAGES]).argmax(axis=0)
    elif shown == "parity":
        arrays[("parity", 0)] = data.in_units(net.predict(data.x_test[:, :PARITY_POINTS])[0])
    return arrays


@functools.cache
def plane(grid_size: int) -> Array:
    """The grid's points, in float32 for speed; the same for every session."""
    cells = grid(grid_size).astype(np.float32)
    cells.flags.writeable = False
    return cells


@functools.cache
def line(n: int) -> Array:
    """n evenly spaced x across [-EXTENT, EXTENT], the input of a 1-D function, as a [1, n] row."""
    xs = np.linspace(-EXTENT, EXTENT, n, dtype=np.float32)[None, :]
    xs.flags.writeable = False
    return xs


@tolerates_divergence
def output_maps(session: Session, grid_size: int) -> bytes:
    """One forward pass over the plane: P(class 1), or each cell's class and its probability,
    or the regression output across the targets' range."""
    shown = view(session.data)
    if shown not in PLANE_VIEWS.values():
        return b""
    out = session.trainer.network.predict(plane_inputs(session, grid_size))
    if shown == "boundary":
        return unit_bytes(out[0])
    if shown == "surface":
        low, high = y_range(session.data)
        return unit_bytes((out[0] - low) / max(high - low, 1e-12))
    classes = np.nan_to_num(out, nan=0.0).argmax(axis=0).astype(np.uint8)
    return classes.tobytes() + unit_bytes(out.max(axis=0))


def thumbnail(session: Session, size: int) -> bytes | None:
    """The plane's view at ``size``² cells, one byte each, for a dashboard card: the boundary
    or surface as the frames carry it, regions as each cell's class spread over 0..255 (so
    that one palette draws them all); None where the results are not a plane."""

    def build() -> bytes | None:
        maps = output_maps(session, size)
        if not maps:
            return None
        if view(session.data) != "regions":
            return maps
        classes = np.frombuffer(maps[:size * size], dtype=np.uint8)
        top = max(len(session.data.class_names) - 1, 1)
        return (classes.astype(np.int32) * 255 // top).astype(np.uint8).tobytes()

    return session.cached(f"thumbnail{size}", build)


@tolerates_divergence
def neuron_maps(session: Session, map_size: int) -> bytes:
    """Every neuron's value over the plane (or along the line), as TensorFlow Playground draws
    inside its neurons: the feature each one has learnt to detect."""
    kind = session.data.input_kind
    if kind not in ("plane", "line"):
        return b""
    net = session.trainer.network
    inputs = plane_inputs(session, map_size) if kind == "plane" else session.inputs(line(map_size))
    names = [None, *(layer.activation.name for layer in net.layers)]
    tones = [tone(a, name) for a, name in zip(net.outputs(inputs), names)]
    return tone_bytes(np.concatenate(tones, axis=0))


def tone(a: Array, activation: str | None) -> Array:
    """Values in [-1, 1]: the middle of a bounded range at 0, else scaled by the layer's largest."""
    if not np.isfinite(a).all():  # diverged: what is broken is drawn neutral
        a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
    if activation in BOUNDED_RANGES:
        low, high = BOUNDED_RANGES[activation]
        return (2 * a - (low + high)) / (high - low)
    largest = np.abs(a).max()
    return a / largest if largest > 0 else a


def per_layout(session: Session, key: str, build: Callable[[], T]) -> T:
    """What stays the same while the layout does (its network shape, data and features),
    built once per layout version rather than once per state."""
    hit = session.cache.get(key)
    if hit is None or hit[0] != session.layout_version:
        hit = session.cache[key] = (session.layout_version, build())
    return cast(T, hit[1])


def fields_of(session: Session) -> list[FieldSpec]:
    """The frame's fields."""
    return per_layout(session, "fields", lambda: frame_fields(list(session.trainer.network.sizes),
                                                              result_shapes(session.data)))


def plane_inputs(session: Session, size: int) -> Array:
    """The network's inputs at the plane's size² points: their features, scaled."""
    return per_layout(session, f"plane{size}", lambda: session.inputs(plane(size)))


def output_map(session: Session, grid_size: int) -> tuple[Made, bytes]:
    """The output map frames carry, and when it was made (see Session.lagging)."""
    return session.lagging(f"grid{grid_size}", OUTPUT_MAP_SECONDS,
                           lambda: output_maps(session, grid_size))


def output_map_made(session: Session, grid_size: int) -> Made | None:
    """When the output map the next frame would carry was made; None: it is to be redone."""
    return session.lagging_made(f"grid{grid_size}", OUTPUT_MAP_SECONDS)


# What the header tells of the example the diagram shows: (sample, position, its loss C_x).
Shown = tuple[int, int, float]


def readable_numbers(session: Session) -> tuple[Array, Shown]:
    """The frame's arrays from the traces the walkthrough and the inspector read."""
    example, k = session.shown_example()
    arrays = {**layer_arrays(session), **result_arrays(session)}
    shown = (int(example.indices[k]), k if session.sample is None else -1, example_loss(session))
    return lay_out(arrays, fields_of(session)), shown


def compiled_numbers(session: Session) -> tuple[Array, Shown] | None:
    """The same numbers to rounding, written in place by one call of the compiled kernel
    (fast.numbers): tracing through the readable engine and laying the arrays out made a
    frame of numbers alone cost 2.5 times as much. None where the kernel does not apply,
    and during a walkthrough, whose batch is its own."""
    if session.walk is not None:
        return None
    session.check_sample(session.sample)
    batch = session.trainer.upcoming_indices()
    k = session.column(batch.size)
    example = batch[k:k + 1] if session.sample is None else np.array([session.sample])
    spots = frame_spots(session)
    out = np.empty(spots.size, dtype="<f4")
    loss = fast.numbers(session.trainer, batch, example, spots.kernel, out)
    if loss is None:
        return None
    for key, array in result_arrays(session).items():
        out[spots.starts[key]:spots.starts[key] + array.size] = array.ravel()
    return out, (int(example[0]), k if session.sample is None else -1, loss)


@dataclass(frozen=True)
class Spots:
    """Each field's first place among a layout's numbers, in the kernel's terms too, and how
    many numbers there are."""

    kernel: fast.FrameSpots
    starts: dict[tuple[str, int], int]
    size: int


def frame_spots(session: Session) -> Spots:
    def build() -> Spots:
        fields = fields_of(session)
        starts: dict[tuple[str, int], int] = {
            (spec.name, spec.layer): (spec.offset - HEADER.size) // 4 for spec in fields}
        return Spots(fast.FrameSpots.of(list(starts), list(starts.values())), starts,
                     (fields_end(fields) - HEADER.size) // 4)

    return per_layout(session, "spots", build)


def frame(session: Session, map_size: int, with_maps: bool, grid: bytes | None) -> Frame:
    """The session's current state as a frame; the neuron maps and the output map only when
    asked for."""
    m = session.shown_evaluation().metrics
    trainer, walk = session.trainer, session.walk
    numbers, (sample, position, shown_loss) = compiled_numbers(session) or readable_numbers(session)
    header = {
        "version": session.layout_version, "step": trainer.step_count, "epoch": trainer.epoch,
        "train_loss": m.train_loss, "test_loss": m.test_loss,
        "train_accuracy": m.train_accuracy, "test_accuracy": m.test_accuracy,
        "sample": sample, "position": position,
        "stage": -1 if walk is None else walk.stage,
        "shown_loss": shown_loss, "penalty": m.penalty,
    }
    maps = session.cached("maps", lambda: neuron_maps(session, map_size)) if with_maps else None
    return Frame(header=header, numbers=numbers, grid=grid, maps=maps, diverged=session.diverged)


# A frame's bytes, and when the output map it carries was made (None: it carries none).
BuiltFrame = tuple[bytes, Made | None]


def built_frame(session: Session, with_maps: bool, with_grid: bool) -> BuiltFrame | None:
    """The current state's frame if a viewer has had it built already, else None."""
    return cast(BuiltFrame | None, session.cached_now(f"frame{with_maps:d}{with_grid:d}"))


def shown_frame(session: Session, grid_size: int, map_size: int, with_maps: bool,
                with_grid: bool) -> BuiltFrame:
    """The frame, built once per state however many viewers ask for it. A viewer asks for
    the output map only when it lacks the one frames carry now: half the frames at 30 fps,
    since the map is redone at most every OUTPUT_MAP_SECONDS of training."""

    def build() -> BuiltFrame:
        made, grid = output_map(session, grid_size) if with_grid else (None, None)
        return encode(frame(session, map_size, with_maps, grid), fields_of(session)), made

    return session.cached(f"frame{with_maps:d}{with_grid:d}", build)


def encode_frame(session: Session, grid_size: int, map_size: int, with_maps: bool = True) -> bytes:
    """The current state's whole frame, both maps included (the maps when asked for)."""
    return shown_frame(session, grid_size, map_size, with_maps, with_grid=True)[0]
