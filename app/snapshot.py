"""Engine state to wire data: the binary frames, the layout that describes them, REST views.

This is the one place arrays become bytes or JSON. A frame is a fixed 32-byte header, then
float32 arrays at offsets the LayoutMessage lists, then the decision boundary as a uint8 map
(output clipped to [0, 1], 255 = class 1), row by row from the top of the plane.
"""

import functools
import struct

import numpy as np

from app.engine.datasets import EXTENT, GENERATORS, grid
from app.engine.network import tolerates_divergence
from app.engine.trainer import Metrics as EngineMetrics
from app.schemas import (
    BatchState,
    FieldSpec,
    LayerState,
    LayoutMessage,
    Metrics,
    Points,
    SessionState,
    SessionSummary,
)
from app.sessions import Session

Array = np.ndarray
# version, step, epoch, train loss, test loss, train accuracy, test accuracy, flags
HEADER = struct.Struct("<IIfffffI")
FLAG_DIVERGED = 1


def field_specs(sizes: list[int]) -> list[FieldSpec]:
    """Per layer l ≥ 1: W, b, dW, db, then the batch means of z, a, δ; a of layer 0 last."""
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
    return specs


def points(x: Array, y: Array) -> Points:
    return Points(x1=np.round(x[0], 3).tolist(), x2=np.round(x[1], 3).tolist(),
                  label=y[0].tolist())


@functools.cache
def dataset_previews(n: int = 120) -> dict[str, Points]:
    """A few noiseless points of every dataset, for the pictures on the dataset buttons."""
    return {name: points(*make(n, 0.0, np.random.default_rng(0))) for name, make in GENERATORS.items()}


def layout_message(session: Session, grid_size: int) -> LayoutMessage:
    net, data = session.trainer.network, session.data
    specs = field_specs(list(net.sizes))
    last = specs[-1]
    grid_offset = last.offset + 4 * last.shape[0]
    return LayoutMessage(
        version=session.layout_version,
        sizes=list(net.sizes),
        activations=[layer.activation.name for layer in net.layers],
        loss=session.trainer.loss.name,
        header_bytes=HEADER.size,
        fields=specs,
        grid_offset=grid_offset,
        grid_size=grid_size,
        extent=EXTENT,
        frame_bytes=grid_offset + grid_size * grid_size,
        train=points(data.x_train, data.y_train),
        test=points(data.x_test, data.y_test),
    )


def metrics(session: Session) -> EngineMetrics:
    """Losses and accuracies of the current weights, computed once per state and recorded."""

    def evaluate() -> EngineMetrics:
        result = session.trainer.evaluate()
        session.trainer.history.record(session.trainer.step_count, result)
        return result

    return session.cached("metrics", evaluate)


@tolerates_divergence
def frame_arrays(session: Session) -> list[Array]:
    """The arrays of field_specs, in its order."""
    step = session.trainer.current_step()
    arrays: list[Array] = []
    for layer, trace, grad in zip(session.trainer.network.layers, step.traces, step.grads.layers):
        arrays += [layer.W, layer.b, grad.dW, grad.db,
                   trace.z.mean(axis=1), trace.a.mean(axis=1), grad.delta.mean(axis=1)]
    arrays.append(step.x.mean(axis=1))
    return arrays


@functools.cache
def plane(grid_size: int) -> Array:
    """The grid's points, in float32 for speed; the same for every session."""
    points = grid(grid_size).astype(np.float32)
    points.flags.writeable = False
    return points


def boundary_map(session: Session, grid_size: int) -> bytes:
    """One forward pass over the plane: the network's output as a uint8 image."""
    out = session.trainer.network.predict(plane(grid_size))[0]
    return (np.clip(np.nan_to_num(out, nan=0.5), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8).tobytes()


@tolerates_divergence
def float32(arrays: list[Array]) -> Array:
    """Diverged values may overflow float32 on the way; they arrive as ±inf, drawn as invalid."""
    return np.concatenate([a.ravel() for a in arrays]).astype("<f4")


def encode_frame(session: Session, grid_size: int) -> bytes:
    def build() -> bytes:
        m = metrics(session)
        trainer = session.trainer
        numbers = float32([np.array([trainer.epoch, m.train_loss, m.test_loss,
                                     m.train_accuracy, m.test_accuracy])])
        # A uint32 step count lasts days at full speed; past that it stays at its largest value.
        step = min(trainer.step_count, 2**32 - 1)
        header = HEADER.pack(session.layout_version, step, *numbers.tolist(),
                             FLAG_DIVERGED if session.diverged else 0)
        floats = float32(frame_arrays(session))
        return header + floats.tobytes() + boundary_map(session, grid_size)

    return session.cached("frame", build)


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
        metrics=Metrics(**{k: finite(v) for k, v in vars(m).items()}),
        history=history_rows(session),
    )


def state(session: Session) -> SessionState:
    step = session.trainer.current_step()
    layers = [
        LayerState(activation=layer.activation.name, W=finite(layer.W), b=finite(layer.b[:, 0]),
                   z=finite(trace.z), a=finite(trace.a), delta=finite(grad.delta),
                   dW=finite(grad.dW), db=finite(grad.db[:, 0]))
        for layer, trace, grad in zip(session.trainer.network.layers, step.traces, step.grads.layers)
    ]
    batch = BatchState(indices=step.indices.tolist(), x=finite(step.x), y=finite(step.y),
                       loss=finite(step.loss))
    return SessionState(**summary(session).model_dump(), layers=layers, batch=batch)
