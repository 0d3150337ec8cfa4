import numpy as np
import pytest

from app.engine.features import FEATURES, feature_matrix, fit_scaler

POINTS = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])  # three points (x1, x2)


def test_registry_holds_the_seven_playground_features():
    assert list(FEATURES) == ["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"]


def test_feature_matrix_has_one_row_per_chosen_name_in_order():
    x1, x2 = POINTS
    expected = {"x1": x1, "x2": x2, "x1_squared": x1**2, "x2_squared": x2**2, "x1_x2": x1 * x2,
                "sin_x1": np.sin(x1), "sin_x2": np.sin(x2)}
    names = ["sin_x2", "x1", "x1_x2", "x2_squared", "x1_squared", "x2", "sin_x1"]
    assert np.array_equal(feature_matrix(POINTS, names), np.stack([expected[n] for n in names]))
    assert np.array_equal(feature_matrix(POINTS, ["x1", "x2"]), POINTS)


def test_at_least_one_feature_is_needed():
    with pytest.raises(ValueError, match="at least one feature"):
        feature_matrix(POINTS, [])


def test_minmax_maps_the_training_range_onto_minus_one_to_one():
    train = np.array([[2.0, 4.0, 6.0], [-10.0, 0.0, 30.0]])
    scale = fit_scaler("minmax", train)
    assert np.allclose(scale(train), [[-1.0, 0.0, 1.0], [-1.0, -0.5, 1.0]])


def test_standardize_gives_mean_zero_and_variance_one():
    train = np.random.default_rng(0).normal(5.0, 3.0, (2, 50))
    scaled = fit_scaler("standardize", train)(train)
    assert np.allclose(scaled.mean(axis=1), 0.0) and np.allclose(scaled.std(axis=1), 1.0)


def test_none_changes_nothing():
    assert np.array_equal(fit_scaler("none", POINTS)(POINTS), POINTS)


@pytest.mark.parametrize("name", ["minmax", "standardize"])
def test_the_training_fit_is_applied_unchanged_to_other_points(name):
    train = np.array([[0.0, 2.0, 4.0]])
    scale = fit_scaler(name, train)
    other = np.array([[2.0, 6.0]])  # the training centre and a point beyond the training range
    assert scale(other)[0, 0] == 0.0
    assert scale(other)[0, 1] > scale(train).max()
    assert np.allclose(scale(other), (other - 2.0) / scale.scale)


@pytest.mark.parametrize("name", ["minmax", "standardize"])
def test_a_constant_feature_is_centred_not_divided_by_zero(name):
    train = np.array([[0.1] * 7, np.arange(7.0)])  # 0.1's std is 1e-17, not 0, in float64
    scaled = fit_scaler(name, train)(train)
    assert np.isfinite(scaled).all()
    assert np.allclose(scaled[0], 0.0, atol=1e-15)


def test_scaling_keeps_float32_points_in_float32():
    grid = POINTS.astype(np.float32)
    assert fit_scaler("standardize", POINTS)(grid).dtype == np.float32


def test_unknown_scaling_is_refused():
    with pytest.raises(ValueError, match="unknown scaling"):
        fit_scaler("log", POINTS)  # type: ignore[arg-type]
