"""The codec on hand-made values: every header field lands at its offset, every array at its."""

import numpy as np
import pytest

from app.codec import Frame, encode, lay_out
from app.protocol import FLAGS, HEADER, HEADER_FIELDS, frame_fields

SIZES = [2, 3, 1]
HEADER_VALUES = {"version": 4, "step": 12, "epoch": 1.5, "train_loss": 0.25, "test_loss": 0.5,
                 "train_accuracy": 0.75, "test_accuracy": 0.875, "sample": -1, "stage": 3,
                 "shown_loss": 0.125, "penalty": 0.0625, "position": -1}


def arrays(sizes: list[int]) -> dict[tuple[str, int], np.ndarray]:
    """Distinct values in every array, so that a misplaced one shows."""
    found = {}
    for k, spec in enumerate(frame_fields(sizes, [])):
        found[(spec.name, spec.layer)] = np.full(spec.shape, float(k))
    return found


def numbers(sizes: list[int]) -> np.ndarray:
    return lay_out(arrays(sizes), frame_fields(sizes, []))


def header(data: bytes) -> dict:
    return dict(zip((f.name for f in HEADER_FIELDS), HEADER.unpack_from(data)))


def test_every_field_and_array_reads_back_at_its_place():
    fields = frame_fields(SIZES, [])
    data = encode(Frame(HEADER_VALUES, numbers(SIZES), grid=b"\x01\x02", maps=b"\x03"), fields)
    assert header(data) == {**HEADER_VALUES, "flags": FLAGS["maps"] | FLAGS["grid"]}
    for k, spec in enumerate(fields):
        values = np.frombuffer(data, "<f4", int(np.prod(spec.shape)), spec.offset)
        assert (values == k).all(), spec
    end = fields[-1].offset + 4 * int(np.prod(fields[-1].shape))
    assert data[end:] == b"\x01\x02\x03"


def test_flags_say_diverged_and_no_maps():
    data = encode(Frame(HEADER_VALUES, numbers(SIZES), diverged=True), frame_fields(SIZES, []))
    assert header(data)["flags"] == FLAGS["diverged"]


def test_a_frame_without_the_output_map_has_the_neuron_maps_right_after_the_arrays():
    fields = frame_fields(SIZES, [])
    data = encode(Frame(HEADER_VALUES, numbers(SIZES), maps=b"\x03\x04"), fields)
    assert header(data)["flags"] == FLAGS["maps"]
    end = fields[-1].offset + 4 * int(np.prod(fields[-1].shape))
    assert data[end:] == b"\x03\x04"


def test_values_beyond_float32_become_infinity_and_a_huge_step_stays_at_the_top():
    values = {**HEADER_VALUES, "train_loss": 1e300, "step": 2**40}
    data = encode(Frame(values, numbers(SIZES)), frame_fields(SIZES, []))
    assert (header(data)["train_loss"], header(data)["step"]) == (np.inf, 2**32 - 1)


def test_an_array_of_the_wrong_size_is_refused_by_name():
    wrong = {**arrays(SIZES), ("W", 2): np.zeros((2, 2))}
    with pytest.raises(ValueError, match="W of layer 2"):
        lay_out(wrong, frame_fields(SIZES, []))


def test_numbers_that_do_not_fill_the_fields_are_refused():
    with pytest.raises(ValueError, match="numbers for fields ending at"):
        encode(Frame(HEADER_VALUES, numbers(SIZES)[:-1]), frame_fields(SIZES, []))
