import numpy as np
import pytest

from app.engine.datasets import EXTENT, GENERATORS, circle, grid, make_dataset, xor
from app.engine.datasets import test_count as held_out  # a test_* name would be collected

NAMES = sorted(GENERATORS)


@pytest.mark.parametrize("name", NAMES)
def test_shapes_labels_balance_and_box(name):
    x, y = GENERATORS[name](400, 0.0, np.random.default_rng(0))
    assert x.shape == (2, 400) and y.shape == (1, 400)
    assert set(np.unique(y)) == {0.0, 1.0}
    assert 0.4 <= y.mean() <= 0.6
    assert np.abs(x).max() <= EXTENT


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_points_other_seed_other_points(name):
    make = GENERATORS[name]
    x, y = make(100, 0.1, np.random.default_rng(3))
    again, y_again = make(100, 0.1, np.random.default_rng(3))
    other, _ = make(100, 0.1, np.random.default_rng(4))
    assert np.array_equal(x, again) and np.array_equal(y, y_again)
    assert not np.array_equal(x, other)


@pytest.mark.parametrize("name", ["circle", "xor", "spiral"])
def test_noise_jitters_the_points(name):
    clean, _ = GENERATORS[name](100, 0.0, np.random.default_rng(0))
    noisy, _ = GENERATORS[name](100, 0.2, np.random.default_rng(0))
    assert not np.allclose(clean, noisy)


def test_xor_labels_follow_the_quadrants_with_a_margin_from_the_axes():
    x, y = xor(400, 0.0, np.random.default_rng(0))
    assert np.array_equal(y[0], (x[0] * x[1] > 0).astype(float))
    assert np.abs(x).min() >= 0.3


def test_circle_puts_class_1_inside_and_class_0_in_a_ring():
    x, y = circle(400, 0.0, np.random.default_rng(0))
    radius = np.hypot(x[0], x[1])
    assert radius[y[0] == 1].max() <= 2.5
    assert radius[y[0] == 0].min() >= 3.5


@pytest.mark.parametrize("n, ratio, expected", [(400, 0.5, 200), (20, 0.1, 2), (21, 0.1, 2),
                                                (20, 0.01, 1), (20, 0.99, 19)])
def test_test_count_rounds_and_leaves_both_sides_non_empty(n, ratio, expected):
    assert held_out(n, ratio) == expected


def test_make_dataset_splits_the_generated_points():
    data = make_dataset("circle", 100, 0.0, 0.3, np.random.default_rng(9))
    x, y = circle(100, 0.0, np.random.default_rng(9))
    assert data.x_train.shape == (2, 70) and data.x_test.shape == (2, 30)
    assert data.y_train.shape == (1, 70) and data.y_test.shape == (1, 30)
    split = np.vstack([np.hstack([data.x_train, data.x_test]), np.hstack([data.y_train, data.y_test])])
    whole = np.vstack([x, y])
    assert np.array_equal(split[:, np.lexsort(split)], whole[:, np.lexsort(whole)])


def test_grid_runs_row_by_row_from_the_top_left():
    points = grid(4)
    assert points.shape == (2, 16)
    x1, x2 = points.reshape(2, 4, 4)
    centres = [-4.5, -1.5, 1.5, 4.5]  # cells of width 3 across [-6, 6]
    assert np.allclose(x1, [centres] * 4)
    assert np.allclose(x2[:, 0], centres[::-1])
    assert np.allclose(x2, x2[:, :1])
