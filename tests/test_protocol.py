"""The wire format as the page reads it: a change here is a change of the protocol."""

import json

import pytest
from pydantic import ValidationError

from app.protocol import (
    HEADER,
    HEADER_FIELDS,
    HEADER_OFFSETS,
    LAYER_ARRAYS,
    ConfigMessage,
    client_message,
    frame_fields,
)


def test_the_header_is_thirteen_little_endian_words():
    assert (HEADER.format, HEADER.size) == ("<IIfffffIiiffi", 52)
    assert [(f.name, offset) for f, offset in zip(HEADER_FIELDS, HEADER_OFFSETS)] == [
        ("version", 0), ("step", 4), ("epoch", 8), ("train_loss", 12), ("test_loss", 16),
        ("train_accuracy", 20), ("test_accuracy", 24), ("flags", 28), ("sample", 32),
        ("stage", 36), ("shown_loss", 40), ("penalty", 44), ("position", 48)]


def test_layers_then_the_input_then_the_results_follow_the_header_without_gaps():
    fields = frame_fields([2, 3, 1], [("confusion", [2, 2])])
    assert [rule.name for rule in LAYER_ARRAYS] == ["W", "b", "dW", "db", "z", "a", "delta"]
    assert [(f.name, f.layer) for f in fields[-2:]] == [("a", 0), ("confusion", 0)]
    assert fields[0].offset == HEADER.size
    for before, after in zip(fields, fields[1:]):
        size = 4
        for n in before.shape:
            size *= n
        assert after.offset == before.offset + size


def test_a_config_message_carries_its_ref():
    message = client_message.validate_json(json.dumps({"type": "config", "config": {}, "ref": 7}))
    assert isinstance(message, ConfigMessage) and message.ref == 7
    with pytest.raises(ValidationError):
        client_message.validate_json(json.dumps({"type": "config", "config": {}, "ref": -1}))
