"""What each kind of problem puts in a frame: regions, surfaces, curves, galleries, confusion."""

import numpy as np
import pytest

from app.config import DataConfig, NetworkConfig, SessionConfig
from app.frames import CURVE_POINTS, GALLERY_IMAGES, encode_frame, layout_message
from app.protocol import HEADER
from app.sessions import Session


def session_on(dataset: str, output: str, loss: str, **data) -> Session:
    config = SessionConfig(data=DataConfig(dataset=dataset, **data),
                           network=NetworkConfig(output_activation=output, loss=loss))
    return Session("s", config, 0.0)


def fields(session: Session, grid: int = 10, maps: int = 4) -> tuple[dict, bytes, object]:
    layout = layout_message(session, grid, maps)
    frame = encode_frame(session, grid, maps)
    assert len(frame) == layout.frame_bytes
    arrays = {(s.name, s.layer): np.frombuffer(frame, "<f4", int(np.prod(s.shape)), s.offset)
              .reshape(s.shape) for s in layout.fields}
    return arrays, frame, layout


def test_multiclass_regions_carry_each_cells_class_and_its_probability():
    session = session_on("blobs", "softmax", "categorical_cross_entropy", classes=4)
    arrays, frame, layout = fields(session)
    assert (layout.task, layout.view, layout.class_names) == ("multiclass", "regions",
                                                               ["1", "2", "3", "4"])
    assert layout.sizes[-1] == 4 and layout.grid_bytes == 2 * 100
    grid = np.frombuffer(frame, np.uint8, layout.grid_bytes, layout.grid_offset)
    classes, confidence = grid[:100], grid[100:]
    assert classes.max() <= 3
    assert confidence.min() >= 255 // 4  # the largest of 4 probabilities is at least 1/4
    assert set(layout.train.label) == {0.0, 1.0, 2.0, 3.0}
    assert arrays["confusion", 0].shape == (4, 4)
    assert arrays["confusion", 0].sum() == len(layout.test.label)


def test_a_1d_regression_draws_the_networks_curve_over_x():
    session = session_on("sin", "linear", "mse")
    arrays, _, layout = fields(session)
    assert (layout.task, layout.input_kind, layout.view) == ("regression", "line", "curve")
    assert layout.map_cells == 4  # each neuron's output along the line
    curve = arrays["curve", 0]
    assert curve.shape == (CURVE_POINTS,)
    xs = np.linspace(-6, 6, CURVE_POINTS)[None, :]
    expected = session.trainer.network.predict(session.inputs(xs))[0]
    assert np.allclose(curve, expected, atol=1e-5)
    assert ("confusion", 0) not in arrays
    assert layout.train.x2 == pytest.approx(session.raw.y_train[0], abs=1e-3)  # x2 is the target


def test_a_2d_regression_maps_its_output_across_the_targets_range():
    session = session_on("saddle", "linear", "mse")
    session.trainer.network.layers[-1].W[...] = 0.0
    low, high = session.data.y_train.min(), session.data.y_train.max()
    session.trainer.network.layers[-1].b[...] = (low + high) / 2
    _, frame, layout = fields(session)
    assert layout.view == "surface" and layout.y_range == pytest.approx((low, high))
    grid = np.frombuffer(frame, np.uint8, layout.grid_bytes, layout.grid_offset)
    assert set(grid.tolist()) <= {127, 128}  # the middle of the range everywhere


def test_digits_come_as_a_gallery_with_predicted_classes():
    session = session_on("digits", "softmax", "categorical_cross_entropy", n_samples=300)
    arrays, _, layout = fields(session)
    assert (layout.input_kind, layout.view, layout.map_cells, layout.grid_bytes) == ("image", "gallery", 0, 0)
    assert layout.sizes[0] == 64 and len(layout.class_names) == 10
    assert len(layout.gallery) == GALLERY_IMAGES
    predicted = arrays["gallery", 0]
    expected = session.trainer.network.predict(session.data.x_test[:, :GALLERY_IMAGES]).argmax(axis=0)
    assert predicted.tolist() == expected.tolist()
    assert [image.label for image in layout.gallery] == session.raw.y_test[:, :GALLERY_IMAGES].argmax(axis=0).tolist()


def test_features_and_scaling_reach_the_network_and_its_maps():
    session = session_on("circle", "sigmoid", "binary_cross_entropy",
                         features=["x1_squared", "x2_squared"], scaling="standardize")
    _, _, layout = fields(session)
    assert layout.sizes[0] == 2 and layout.feature_names == ["x1_squared", "x2_squared"]
    x = session.data.x_train
    assert np.allclose(x.mean(axis=1), 0, atol=1e-9) and np.allclose(x.std(axis=1), 1)
    assert np.allclose(x[0], (session.raw.x_train[0] ** 2 - (session.raw.x_train[0] ** 2).mean())
                       / (session.raw.x_train[0] ** 2).std())


def test_the_penalty_is_in_the_header_apart_from_the_loss():
    config = SessionConfig()
    config.training.regularization, config.training.regularization_rate = "l2", 0.1
    session = Session("s", config, 0.0)
    header = HEADER.unpack_from(encode_frame(session, 10, 4))
    weights = sum((layer.W ** 2).sum() for layer in session.trainer.network.layers)
    assert header[11] == pytest.approx(0.05 * weights, rel=1e-5)
    assert header[3] == pytest.approx(session.trainer.evaluate().train_loss, rel=1e-5)
