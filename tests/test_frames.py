import json

import numpy as np
import pytest

from app.codec import unit_bytes
from app.config import SessionConfig
from app.frames import (
    OUTPUT_MAP_SECONDS,
    compiled_numbers,
    encode_frame,
    layout_message,
    output_maps,
    plane,
    readable_numbers,
    tone,
)
from app.protocol import FLAGS, HEADER, NeuronTarget, ParamEdit, frame_fields
from app.responses import finite, state, summary
from app.sessions import METRICS_SECONDS, Session


def read_field(frame: bytes, spec) -> np.ndarray:
    return np.frombuffer(frame, "<f4", int(np.prod(spec.shape)), spec.offset).reshape(spec.shape)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def session(clock) -> Session:
    made = Session("s", SessionConfig(), 0.0)
    made.clock = clock
    made.evaluated = None  # evaluated again on this clock
    return made


def header_metrics(frame: bytes) -> tuple[float, ...]:
    return HEADER.unpack_from(frame)[3:7]


def exact_metrics(session: Session) -> tuple[float, ...]:
    m = session.trainer.evaluate()
    return tuple(np.float32([m.train_loss, m.test_loss, m.train_accuracy, m.test_accuracy]))


def test_field_specs_are_contiguous_after_the_header():
    specs = frame_fields([2, 3, 1], [])
    assert [(s.name, s.layer, s.shape) for s in specs] == [
        ("W", 1, [3, 2]), ("b", 1, [3]), ("dW", 1, [3, 2]), ("db", 1, [3]),
        ("z", 1, [3]), ("a", 1, [3]), ("delta", 1, [3]),
        ("W", 2, [1, 3]), ("b", 2, [1]), ("dW", 2, [1, 3]), ("db", 2, [1]),
        ("z", 2, [1]), ("a", 2, [1]), ("delta", 2, [1]),
        ("a", 0, [2]),
    ]
    assert specs[0].offset == HEADER.size == 52
    for spec, following in zip(specs, specs[1:]):
        assert following.offset == spec.offset + 4 * int(np.prod(spec.shape))


def test_layout_sizes_the_frame(session):
    layout = layout_message(session, grid_size=12, map_size=4)
    last = layout.fields[-1]
    assert layout.sizes == [2, 4, 2, 1]
    assert layout.activations == ["tanh", "tanh", "sigmoid"]
    assert (last.name, last.shape) == ("confusion", [2, 2])  # the test set's, for a binary task
    assert layout.grid_offset == last.offset + 4 * 4
    assert (layout.view, layout.grid_bytes) == ("boundary", 12 * 12)
    assert layout.map_offset == layout.grid_offset + 12 * 12
    assert layout.frame_bytes == layout.map_offset + (2 + 4 + 2 + 1) * 4 * 4
    assert len(encode_frame(session, 12, 4)) == layout.frame_bytes
    assert (len(layout.train.x1), len(layout.test.label)) == (200, 200)


def test_frame_header_and_arrays_match_the_session(session, clock):
    session.train(7)
    clock.now += METRICS_SECONDS  # the metrics are due: evaluated for this state
    frame = encode_frame(session, 10, 4)
    m = session.trainer.evaluate()
    header = HEADER.unpack_from(frame)
    step = session.shown_batch()
    example = session.trace_examples(0)  # a new session follows its first training example
    expected = (0, 7, 0.35, m.train_loss, m.test_loss, m.train_accuracy, m.test_accuracy, 2 | 4,
                0, -1, example.loss, 0.0, -1)
    assert np.allclose(header, expected, rtol=1e-6)
    fields = {(s.name, s.layer): read_field(frame, s) for s in layout_message(session, 10, 4).fields}
    # The shown batch is the one the next step takes, traced at the weights shown.
    assert np.array_equal(step.indices, session.trainer.upcoming_indices())
    for l, layer in enumerate(session.trainer.network.layers, start=1):
        assert np.array_equal(fields["W", l], layer.W.astype(np.float32))
        delta = example.grads.layers[l - 1].delta[:, 0]
        assert np.array_equal(fields["delta", l], delta.astype(np.float32))
        assert np.array_equal(fields["dW", l], step.grads.layers[l - 1].dW.astype(np.float32))
    assert np.array_equal(fields["a", 0], example.x[:, 0].astype(np.float32))
    confusion = fields["confusion", 0]
    assert confusion.sum() == 200  # every test example, once
    assert np.trace(confusion) / 200 == pytest.approx(m.test_accuracy)


def test_the_boundary_map_is_the_output_as_bytes(session):
    output = session.trainer.network.layers[-1]
    output.W[...] = 0.0
    output.b[...] = 50.0  # sigmoid(50) rounds to 255 everywhere
    layout = layout_message(session, 10, 4)
    frame = encode_frame(session, 10, 4)
    assert frame[layout.grid_offset:layout.map_offset] == bytes([255] * 100)
    # The output neuron's own map is the same picture, on a smaller grid.
    assert frame[-16:] == bytes([255] * 16)


def test_neuron_maps_show_each_neuron_over_the_plane(session):
    layout = layout_message(session, 10, 4)
    frame = encode_frame(session, 10, 4)
    maps = np.frombuffer(frame, np.uint8, offset=layout.map_offset).reshape(9, 4, 4)
    # Input x1 grows left to right, x2 from bottom to top, each over its full range.
    assert (maps[0, :, 0] == 0).all() and (maps[0, :, -1] == 255).all()
    assert (maps[1, 0] == 255).all() and (maps[1, -1] == 0).all()
    # A tanh neuron is drawn on tanh's own scale: 128 + 127.5·a.
    first = session.trainer.network.layers[0]
    x = np.array([[-4.5], [4.5]])  # the top-left cell's centre on a 4×4 grid
    a = np.tanh(first.W[0] @ x + first.b[0])
    assert abs(int(maps[2, 0, 0]) - (128 + 127.5 * a[0])) <= 1


def test_frames_without_maps_end_where_the_maps_would_start(session):
    layout = layout_message(session, 10, 4)
    light = encode_frame(session, 10, 4, with_maps=False)
    assert len(light) == layout.map_offset
    assert HEADER.unpack_from(light)[7] == FLAGS["grid"]
    assert encode_frame(session, 10, 4)[:layout.map_offset][36:] == light[36:]


def test_tone_scales_unbounded_activations_by_their_layer():
    a = np.array([[0.0, 2.0], [4.0, 1.0]])
    assert np.allclose(tone(a, "relu"), a / 4)
    assert np.allclose(tone(np.array([[0.25]]), "sigmoid"), [[-0.5]])
    assert np.allclose(tone(np.zeros((2, 2)), "linear"), 0)


def test_frames_are_built_once_per_state(session):
    frame = encode_frame(session, 10, 4)
    assert encode_frame(session, 10, 4) is frame
    session.train(1)
    assert HEADER.unpack_from(encode_frame(session, 10, 4))[1] == 1


def test_the_history_is_recorded_by_training_never_by_reading(session):
    summary(session)
    encode_frame(session, 10, 4)
    session.train(3)
    assert [row[0] for row in summary(session).history] == [0]
    session.record_history()
    session.record_history()
    assert [row[0] for row in summary(session).history] == [0, 3]


def test_numbers_beyond_float32_arrive_as_infinity():
    session = Session("s", SessionConfig.model_validate(
        {"network": {"output_activation": "linear", "loss": "mse"}}), 0.0)
    session.trainer.network.layers[-1].b[...] = 1e30  # a loss of about 1e60, finite in float64
    session.trainer.network.layers[0].W[0, 0] = 1e300  # finite, but too large for float32
    session._changed()  # weights set behind the session's back
    frame = encode_frame(session, 10, 4)
    assert HEADER.unpack_from(frame)[3:5] == (np.inf, np.inf)
    assert read_field(frame, layout_message(session, 10, 4).fields[0])[0, 0] == np.inf


def test_finite_turns_nan_and_infinity_into_none():
    assert finite(np.array([1.5, np.nan, np.inf, -np.inf])) == [1.5, None, None, None]
    assert finite(np.array([[1.0], [np.nan]])) == [[1.0], [None]]
    assert finite(float("nan")) is None
    assert finite(2.0) == 2.0


def test_state_shapes_follow_the_layers_and_the_batch(session):
    layers = state(session).layers
    assert [(len(s.W), len(s.W[0]), len(s.b), len(s.z[0]), len(s.dW[0]), len(s.db)) for s in layers] == [
        (4, 2, 4, 10, 2, 4), (2, 4, 2, 10, 4, 2), (1, 2, 1, 10, 2, 1)]


def test_a_diverged_session_serializes_without_nan(session):
    session.trainer.network.params[:] = np.nan
    session._changed()  # weights set behind the session's back
    # Diverged, with both maps.
    assert HEADER.unpack_from(encode_frame(session, 10, 4))[7] == FLAGS["diverged"] | FLAGS["maps"] | FLAGS["grid"]
    text = state(session).model_dump_json()
    assert "NaN" not in text and "Infinity" not in text
    metrics = json.loads(text)["metrics"]
    assert (metrics["train_loss"], metrics["test_loss"]) == (None, None)


def test_training_reuses_the_metrics_until_they_are_due(session, clock):
    encode_frame(session, 10, 4)
    before = exact_metrics(session)
    session.train(5)
    clock.now += METRICS_SECONDS / 2
    frame = encode_frame(session, 10, 4, with_maps=False)
    assert header_metrics(frame) == before != exact_metrics(session)
    assert HEADER.unpack_from(frame)[1] == 5  # the rest is the current state's
    session.train(5)
    clock.now += METRICS_SECONDS * 0.6  # 0.2 s of training since they were evaluated
    assert header_metrics(encode_frame(session, 10, 4, with_maps=False)) == exact_metrics(session)


def test_the_traced_example_is_the_current_states_while_metrics_are_reused(session):
    encode_frame(session, 10, 4)
    session.train(9)
    frame = encode_frame(session, 10, 4, with_maps=False)
    example = session.trainer.trace(np.array([0]))
    fields = {(s.name, s.layer): read_field(frame, s) for s in layout_message(session, 10, 4).fields}
    for l, (trace, grad) in enumerate(zip(example.traces, example.grads.layers), start=1):
        assert np.array_equal(fields["z", l], trace.z[:, 0].astype(np.float32))
        assert np.array_equal(fields["delta", l], grad.delta[:, 0].astype(np.float32))
    assert HEADER.unpack_from(frame)[10] == np.float32(example.loss)  # shown_loss


CHANGES = {
    "reset": lambda s: s.reset(seed=3),
    "edit": lambda s: s.edit(ParamEdit(layer=3, param="b", index=0, value=2.0)),
    "config": lambda s: s.apply_config(s.config.model_copy(update={"training": s.config.training.model_copy(
        update={"regularization": "l2", "regularization_rate": 0.5})})),
    "pause": lambda s: s.set_running(False),
}


@pytest.mark.parametrize("change", CHANGES)
def test_changes_other_than_training_evaluate_the_metrics_at_once(session, change):
    encode_frame(session, 10, 4)
    session.train(5)
    stale = encode_frame(session, 10, 4, with_maps=False)
    CHANGES[change](session)
    frame = encode_frame(session, 10, 4, with_maps=False)
    assert header_metrics(frame) == exact_metrics(session)
    assert header_metrics(stale) != header_metrics(frame)
    penalty = session.trainer.network.penalty(session.trainer.regularizer)
    assert HEADER.unpack_from(frame)[11] == np.float32(penalty)


VIEWS = {
    "pick": lambda s: s.pick(7),
    "inspect": lambda s: s.show_target(NeuronTarget(kind="neuron", layer=1, index=0)),
    "speed": lambda s: s.set_speed(30),
}


@pytest.mark.parametrize("view", VIEWS)
def test_changes_of_what_is_shown_leave_the_metrics_alone(session, clock, view, monkeypatch):
    """Following another example, inspecting or a new speed change the frame, never the
    weights: the metrics stay as due as they were (a class picking examples while training
    would otherwise evaluate every set at every click)."""
    encode_frame(session, 10, 4)
    session.train(5)
    stale = header_metrics(encode_frame(session, 10, 4, with_maps=False))
    evaluations = []
    monkeypatch.setattr(session.trainer, "evaluation", lambda: evaluations.append(1))
    VIEWS[view](session)
    frame = encode_frame(session, 10, 4, with_maps=False)
    assert header_metrics(frame) == stale and evaluations == []
    assert HEADER.unpack_from(frame)[1] == 5
    session.set_running(False)  # pausing shows the exact metrics of these weights
    monkeypatch.undo()
    assert header_metrics(encode_frame(session, 10, 4, with_maps=False)) == exact_metrics(session) != stale


def test_a_diverged_step_evaluates_the_metrics_at_once(session):
    encode_frame(session, 10, 4)
    session.trainer.network.layers[-1].W[...] = 1e308
    session.train(3)
    assert session.diverged
    assert header_metrics(encode_frame(session, 10, 4))[0] == np.inf


def test_the_live_history_records_each_new_evaluation(session, clock):
    session.record_history()
    session.train(4)
    assert not session.metrics_due()
    clock.now += METRICS_SECONDS
    assert session.metrics_due()
    session.record_history()
    assert session.trainer.history.rows[-1][:2] == (4, session.trainer.evaluate().train_loss)
    assert not session.metrics_due()


def test_a_new_layout_makes_the_planes_inputs_and_fields_anew(session):
    encode_frame(session, 10, 4)
    features = ["x1", "x2", "x1_squared", "x2_squared"]
    config = session.config.model_copy(update={"data": session.config.data.model_copy(
        update={"features": features, "scaling": "standardize"})})
    session.apply_config(config)
    frame = encode_frame(session, 10, 4)
    layout = layout_message(session, 10, 4)
    assert layout.sizes[0] == 4 and len(frame) == layout.frame_bytes
    net = session.trainer.network
    cells = session.inputs(plane(10))
    expected = unit_bytes(net.predict(cells)[0])
    assert frame[layout.grid_offset:layout.map_offset] == expected


def grid_of(session: Session, frame: bytes) -> bytes:
    layout = layout_message(session, 10, 4)
    return frame[layout.grid_offset:layout.grid_offset + layout.grid_bytes]


def test_training_redoes_the_output_map_at_its_own_rate_and_any_other_change_at_once(session, clock):
    first = grid_of(session, encode_frame(session, 10, 4, with_maps=False))
    session.train(40)
    clock.now += OUTPUT_MAP_SECONDS / 2  # the next frame at 30 fps: the map is reused
    assert grid_of(session, encode_frame(session, 10, 4, with_maps=False)) == first
    assert output_maps(session, 10) != first  # though the weights have moved it
    session.train(1)
    clock.now += OUTPUT_MAP_SECONDS / 2  # the frame after: redone for the current weights
    assert grid_of(session, encode_frame(session, 10, 4, with_maps=False)) == output_maps(session, 10)
    session.train(40)
    session.set_running(False)  # not training: shown as it is at once, however soon
    assert grid_of(session, encode_frame(session, 10, 4, with_maps=False)) == output_maps(session, 10)


FRAME_CONFIGS = {
    "circle, the first example": {},
    "spiral, relu, L2": {"data": {"dataset": "spiral"}, "network": {"activation": "relu"},
                         "training": {"regularization": "l2", "regularization_rate": 0.01}},
    "blobs, softmax, L1": {"data": {"dataset": "blobs"},
                           "network": {"output_activation": "softmax",
                                       "loss": "categorical_cross_entropy"},
                           "training": {"regularization": "l1"}},
    "sin, huber": {"data": {"dataset": "sin"},
                   "network": {"output_activation": "linear", "loss": "huber",
                               "activation": "leaky_relu"}},
    "digits": {"data": {"dataset": "digits"},
               "network": {"output_activation": "softmax", "loss": "categorical_cross_entropy"}},
}


@pytest.mark.parametrize("batch_position", [None, 3])
@pytest.mark.parametrize("name", FRAME_CONFIGS)
def test_the_kernels_frame_numbers_are_the_readable_traces_to_float32(name, batch_position):
    """One kernel call writes what the walkthrough's and the inspector's traces hold: the
    same W, b, batch means and the shown example's z, a, δ and C_x, to float32's rounding."""
    made = Session("s", SessionConfig.model_validate(FRAME_CONFIGS[name]), 0.0)
    made.train(40)
    if batch_position is not None:
        made.pick(None, batch_position)
    compiled = compiled_numbers(made)
    assert compiled is not None, "the kernel applies to this configuration"
    numbers, shown = compiled
    expected, readable_shown = readable_numbers(made)
    assert numbers.dtype == expected.dtype == np.float32
    assert np.allclose(numbers, expected, rtol=1e-6, atol=1e-7)
    assert shown[:2] == readable_shown[:2]
    assert shown[2] == pytest.approx(readable_shown[2], rel=1e-12)
    assert shown[1] == (-1 if batch_position is None else batch_position)


def test_frames_of_a_walkthrough_and_of_a_diverged_network_agree_with_the_readable_traces():
    made = Session("s", SessionConfig(), 0.0)
    made.trainer.network.layers[-1].W[...] = 1e308  # z^L overflows: ±inf, and NaN after
    made.train(3)
    assert made.diverged
    numbers, _ = compiled_numbers(made) or (None, None)
    expected, _ = readable_numbers(made)
    assert numbers is not None
    assert np.array_equal(np.isfinite(numbers), np.isfinite(expected))
    finite = np.isfinite(expected)
    assert 0 < finite.sum() < finite.size
    assert np.allclose(numbers[finite], expected[finite], rtol=1e-6)
    made.reset()
    made.walk_to("start")
    assert compiled_numbers(made) is None  # the walkthrough's own batch: the readable traces
