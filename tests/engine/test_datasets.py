import hashlib
from importlib import resources
from typing import get_args

import numpy as np
import pytest

from app.engine.datasets import (
    DATASET_INFO,
    DIGITS_FILE,
    EXTENT,
    GENERATORS,
    Dataset,
    DatasetName,
    circle,
    digits,
    grid,
    load_digits,
    make_dataset,
    xor,
)
from app.engine.datasets import test_count as held_out  # a test_* name would be collected

NAMES = sorted(GENERATORS)
BINARY = sorted(name for name, info in DATASET_INFO.items() if info.task == "binary")
MULTICLASS = ["blobs", "multi_spiral"]
LINES = ["sin", "abs", "step", "rent"]
SURFACES = ["plane_2d", "saddle"]
DIGITS_PER_CLASS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def nearest_neighbour_agreement(x, label):
    """Share of points whose nearest other point has the same label: near 1 when the classes
    occupy their own regions, however curved."""
    distance = ((x[:, :, None] - x[:, None, :]) ** 2).sum(axis=0)
    np.fill_diagonal(distance, np.inf)
    return (label[distance.argmin(axis=1)] == label).mean()


def test_every_name_has_a_generator_and_an_info_in_one_order():
    assert list(GENERATORS) == list(DATASET_INFO) == list(get_args(DatasetName))
    assert "digits" in GENERATORS


@pytest.mark.parametrize("name", BINARY)
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


@pytest.mark.parametrize("name", ["circle", "xor", "spiral", "moons", "multi_spiral", "digits"])
def test_noise_jitters_the_points(name):
    clean, _ = GENERATORS[name](100, 0.0, np.random.default_rng(0))
    noisy, _ = GENERATORS[name](100, 0.2, np.random.default_rng(0))
    assert not np.allclose(clean, noisy)


@pytest.mark.parametrize("name", ["gaussians", "blobs"])
def test_noise_widens_the_clouds(name):
    def spread(noise):
        x, y = GENERATORS[name](600, noise, np.random.default_rng(0))
        label = y.argmax(axis=0) if y.shape[0] > 1 else y[0]
        return np.mean([x[:, label == k].std(axis=1).mean() for k in np.unique(label)])

    assert spread(0.2) > 1.5 * spread(0.0)


@pytest.mark.parametrize("name", BINARY)
def test_binary_classes_hold_their_own_regions(name):
    x, y = GENERATORS[name](400, 0.0, np.random.default_rng(0))
    assert nearest_neighbour_agreement(x, y[0]) >= 0.98


def test_xor_labels_follow_the_quadrants_with_a_margin_from_the_axes():
    x, y = xor(400, 0.0, np.random.default_rng(0))
    assert np.array_equal(y[0], (x[0] * x[1] > 0).astype(float))
    assert np.abs(x).min() >= 0.3


def test_circle_puts_class_1_inside_and_class_0_in_a_ring():
    x, y = circle(400, 0.0, np.random.default_rng(0))
    radius = np.hypot(x[0], x[1])
    assert radius[y[0] == 1].max() <= 2.5
    assert radius[y[0] == 0].min() >= 3.5


def test_moons_reach_into_each_other():
    x, y = GENERATORS["moons"](400, 0.0, np.random.default_rng(0))
    upper, lower = x[:, y[0] == 1], x[:, y[0] == 0]
    assert lower[1].max() > upper[1].min()  # no horizontal line parts them
    assert upper[0].min() < lower[0].min() < upper[0].max() < lower[0].max()


@pytest.mark.parametrize("name", MULTICLASS)
@pytest.mark.parametrize("classes", [3, 4, 5])
def test_multiclass_is_one_hot_balanced_boxed_and_separable(name, classes):
    x, y = GENERATORS[name](400, 0.0, np.random.default_rng(0), classes=classes)
    assert x.shape == (2, 400) and y.shape == (classes, 400)
    assert set(np.unique(y)) == {0.0, 1.0} and np.array_equal(y.sum(axis=0), np.ones(400))
    counts = y.sum(axis=1)
    assert counts.max() - counts.min() <= 1
    assert np.abs(x).max() <= EXTENT
    label = y.argmax(axis=0)
    assert nearest_neighbour_agreement(x, label) >= 0.97
    centroids = x @ y.T / counts
    gaps = np.linalg.norm(centroids[:, :, None] - centroids[:, None, :], axis=0)
    assert gaps[~np.eye(classes, dtype=bool)].min() > 0.3


@pytest.mark.parametrize("name", MULTICLASS)
@pytest.mark.parametrize("classes", [2, 6])
def test_class_counts_outside_3_to_5_are_refused(name, classes):
    with pytest.raises(ValueError, match="classes must be 3 to 5, not"):
        GENERATORS[name](100, 0.0, np.random.default_rng(0), classes=classes)


@pytest.mark.parametrize("name, f", [("sin", np.sin), ("abs", np.abs),
                                     ("step", lambda x: (x > 0).astype(float))])
def test_functions_of_one_input_without_noise_are_exact(name, f):
    x, y = GENERATORS[name](400, 0.0, np.random.default_rng(0))
    assert x.shape == (1, 400) and y.shape == (1, 400)
    assert np.abs(x).max() <= EXTENT and np.abs(x).max() > 0.9 * EXTENT
    assert np.array_equal(y, f(x))


def test_rent_scatters_around_a_rising_line_of_order_one():
    x, y = GENERATORS["rent"](1000, 0.0, np.random.default_rng(0))
    trend = 0.2 + 0.012 * (80 + 10 * x)
    assert 0.3 < y.min() and y.max() < 2.1
    assert 0.04 < (y - trend).std() < 0.06
    assert np.polyfit(x[0], y[0], 1)[0] == pytest.approx(0.12, abs=0.01)


@pytest.mark.parametrize("name, f", [("plane_2d", lambda x: 0.5 + 0.2 * x[0] - 0.1 * x[1]),
                                     ("saddle", lambda x: x[0] * x[1] / 12)])
def test_functions_of_two_inputs_without_noise_are_exact(name, f):
    x, y = GENERATORS[name](400, 0.0, np.random.default_rng(0))
    assert x.shape == (2, 400) and y.shape == (1, 400)
    assert np.abs(x).max() <= EXTENT
    assert np.allclose(y[0], f(x))


@pytest.mark.parametrize("name, radius", [("sin", 1.0), ("abs", 3.0), ("step", 0.5),
                                          ("rent", 0.72), ("plane_2d", 1.8), ("saddle", 3.0)])
def test_regression_noise_moves_the_targets_by_a_share_of_their_radius(name, radius):
    x, clean = GENERATORS[name](4000, 0.0, np.random.default_rng(0))
    same_x, noisy = GENERATORS[name](4000, 0.2, np.random.default_rng(0))
    assert np.array_equal(x, same_x)
    assert (noisy - clean).std() == pytest.approx(0.2 * radius, rel=0.1)


def test_the_digits_file_is_the_documented_one():
    data = resources.files("app.engine").joinpath(DIGITS_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == (
        "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22")


def test_load_digits_reads_1797_read_only_images_of_every_digit():
    pixels, labels = load_digits()
    assert pixels.shape == (64, 1797) and labels.shape == (1797,)
    assert pixels.dtype == labels.dtype == np.uint8
    assert pixels.min() == 0 and pixels.max() == 16
    assert np.bincount(labels).tolist() == DIGITS_PER_CLASS
    assert labels[:10].tolist() == list(range(10))
    assert int(pixels[:, 0].sum()) == 294  # the first image, a 0
    assert pixels[:, 0].reshape(8, 8)[3].tolist() == [0, 4, 12, 0, 0, 8, 8, 0]  # the 0's sides
    assert not pixels.flags.writeable and not labels.flags.writeable
    assert load_digits() is load_digits()


def test_digits_scales_pixels_and_gives_one_hot_labels():
    x, y = digits(2000, 0.0, np.random.default_rng(0))
    pixels, labels = load_digits()
    assert x.shape == (64, 1797) and y.shape == (10, 1797)
    assert x.min() == 0.0 and x.max() == 1.0
    assert np.array_equal(y.sum(axis=1), DIGITS_PER_CLASS)
    first = np.flatnonzero((x == pixels[:, :1] / 16).all(axis=0))
    assert first.size == 1 and y[:, first[0]].argmax() == labels[0]


def test_digits_takes_a_seeded_sample_and_keeps_noise_inside_the_pixel_range():
    x, y = digits(300, 0.0, np.random.default_rng(1))
    assert x.shape == (64, 300) and y.shape == (10, 300)
    assert (y.sum(axis=1) > 0).all()
    noisy, _ = digits(300, 0.3, np.random.default_rng(1))
    assert noisy.min() == 0.0 and noisy.max() == 1.0
    assert np.abs(noisy - x).mean() > 0.05


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


def test_a_bare_dataset_describes_a_binary_plane_like_the_original_four():
    data = make_dataset("circle", 100, 0.0, 0.3, np.random.default_rng(9))
    bare = Dataset(data.x_train, data.y_train, data.x_test, data.y_test)
    described = ("task", "input_kind", "feature_names", "target_name", "class_names")
    assert [getattr(data, f) for f in described] == [getattr(bare, f) for f in described]
    assert (bare.task, bare.input_kind, bare.class_names) == ("binary", "plane", ("0", "1"))


@pytest.mark.parametrize("name", NAMES)
def test_make_dataset_matches_the_info_given_before_any_data(name):
    info = DATASET_INFO[name]
    data = make_dataset(name, 60, 0.1, 0.25, np.random.default_rng(0), classes=4)
    assert (data.task, data.input_kind) == (info.task, info.input_kind)
    assert (data.feature_names, data.target_name) == (info.feature_names, info.target_name)
    assert data.x_train.shape == (len(info.feature_names), 45)
    assert data.x_test.shape == (len(info.feature_names), 15)
    classes = {"binary": 2, "regression": 0, "multiclass": 10 if name == "digits" else 4}[info.task]
    outputs = classes if info.task == "multiclass" else 1
    assert data.y_train.shape[0] == data.y_test.shape[0] == outputs
    # Binary classes by their y, digits by their digit, other classes as their output neuron.
    first = 1 if info.task == "multiclass" and name != "digits" else 0
    assert data.class_names == tuple(str(first + k) for k in range(classes))


def test_make_dataset_passes_the_class_count_on_and_defaults_to_three():
    assert make_dataset("blobs", 100, 0.0, 0.2, np.random.default_rng(0)).y_train.shape[0] == 3
    five = make_dataset("multi_spiral", 100, 0.0, 0.2, np.random.default_rng(0), classes=5)
    assert five.y_train.shape[0] == 5 and five.class_names == ("1", "2", "3", "4", "5")


def test_make_dataset_with_digits_splits_all_images_at_most():
    everything = make_dataset("digits", 2000, 0.0, 0.25, np.random.default_rng(0))
    assert everything.x_train.shape == (64, 1348) and everything.x_test.shape == (64, 449)
    assert everything.y_train.shape == (10, 1348) and everything.y_test.shape == (10, 449)
    assert (everything.y_test.sum(axis=1) > 0).all()
    assert DATASET_INFO["digits"].max_samples == 1797
    assert DATASET_INFO["digits"].feature_names[:9] == (
        "r1c1", "r1c2", "r1c3", "r1c4", "r1c5", "r1c6", "r1c7", "r1c8", "r2c1")
    some = make_dataset("digits", 400, 0.0, 0.5, np.random.default_rng(0))
    assert some.x_train.shape == (64, 200) and some.x_test.shape == (64, 200)


def test_grid_runs_row_by_row_from_the_top_left():
    points = grid(4)
    assert points.shape == (2, 16)
    x1, x2 = points.reshape(2, 4, 4)
    centres = [-4.5, -1.5, 1.5, 4.5]  # cells of width 3 across [-6, 6]
    assert np.allclose(x1, [centres] * 4)
    assert np.allclose(x2[:, 0], centres[::-1])
    assert np.allclose(x2, x2[:, :1])
