import pytest
from pydantic import ValidationError

from app.config import Limits, SessionConfig, limit_errors
from app.protocol import (
    ConfigMessage,
    PlayMessage,
    SpeedMessage,
    StepMessage,
    client_message,
)
from app.settings import Settings


def config(**parts: dict) -> SessionConfig:
    return SessionConfig.model_validate(parts)


def test_defaults_are_within_the_default_limits():
    assert limit_errors(SessionConfig(), Limits()) == []


def test_no_hidden_layers_is_allowed():
    assert limit_errors(config(network={"hidden_layers": []}), Limits()) == []


def test_limit_errors_name_each_refused_field_and_its_limit():
    refused = config(
        network={"hidden_layers": [3, 9, 3], "output_activation": "tanh"},
        data={"n_samples": 500, "test_ratio": 0.5},
        training={"batch_size": 300},
    )
    assert limit_errors(refused, Limits(max_hidden_layers=2, max_neurons_per_layer=8, max_samples=400)) == [
        {"type": "limit", "loc": ("network", "hidden_layers"), "msg": "at most 2 hidden layers",
         "input": [3, 9, 3]},
        {"type": "limit", "loc": ("network", "hidden_layers", 1), "msg": "at most 8 neurons per layer",
         "input": 9},
        {"type": "limit", "loc": ("network", "output_activation"),
         "msg": "binary_cross_entropy needs an output activation in ['sigmoid']", "input": "tanh"},
        {"type": "limit", "loc": ("data", "n_samples"), "msg": "at most 400 samples", "input": 500},
        {"type": "limit", "loc": ("training", "batch_size"),
         "msg": "at most 250, the size of the training set", "input": 300},
    ]


def test_mse_takes_any_output_activation():
    assert limit_errors(config(network={"output_activation": "relu", "loss": "mse"}), Limits()) == []


def test_a_batch_as_large_as_the_training_set_is_allowed():
    full = config(data={"n_samples": 100, "test_ratio": 0.3}, training={"batch_size": 70})
    assert limit_errors(full, Limits()) == []


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError) as error:
        config(network={"hiden_layers": [3]})
    assert [(e["type"], e["loc"]) for e in error.value.errors()] == [
        ("extra_forbidden", ("network", "hiden_layers"))]


def test_client_messages_are_told_apart_by_type():
    assert client_message.validate_json('{"type": "play"}') == PlayMessage(type="play")
    assert client_message.validate_json('{"type": "step"}') == StepMessage(type="step", steps=1)
    assert client_message.validate_json('{"type": "speed", "steps_per_second": null}') == SpeedMessage(
        type="speed", steps_per_second=None)
    assert client_message.validate_json('{"type": "config", "config": {}}') == ConfigMessage(
        type="config", config=SessionConfig())


def test_settings_from_env_override_limits_and_csp():
    settings = Settings.from_env({"BPP_MAX_HIDDEN_LAYERS": "8", "BPP_SESSION_TTL_SECONDS": "60",
                                  "BPP_CSP": "0", "UNRELATED": "1"})
    assert settings.limits == Limits(max_hidden_layers=8, session_ttl_seconds=60)
    assert settings.content_security_policy is False


def test_settings_from_an_empty_env_are_the_defaults():
    assert Settings.from_env({}) == Settings(limits=Limits(), content_security_policy=True)


def test_settings_from_env_validate_the_limits():
    with pytest.raises(ValidationError, match="max_frame_rate"):
        Settings.from_env({"BPP_MAX_FRAME_RATE": "1000"})
