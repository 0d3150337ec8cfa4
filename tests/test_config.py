import pytest
from pydantic import ValidationError

from app.build import build_inputs, build_raw_dataset, build_trainer
from app.config import (
    TASK_START,
    Limits,
    SessionConfig,
    allowed_pairs,
    bounds,
    fit_batch,
    layer_sizes,
    limit_errors,
)
from app.engine.datasets import DATASET_INFO
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
    limits = Limits(max_hidden_layers=2, max_neurons_per_layer=8, max_samples=400)
    assert [e.model_dump() for e in limit_errors(refused, limits)] == [
        {"field": "network.hidden_layers", "code": "limit", "message": "at most 2 hidden layers",
         "params": {"limit": 2, "setting": "max_hidden_layers"}},
        {"field": "network.hidden_layers.1", "code": "limit",
         "message": "at most 8 neurons per layer",
         "params": {"limit": 8, "setting": "max_neurons_per_layer"}},
        {"field": "network.output_activation", "code": "loss_needs_output",
         "message": "binary_cross_entropy needs an output activation in ['sigmoid']",
         "params": {"loss": "binary_cross_entropy", "allowed": "sigmoid"}},
        {"field": "data.n_samples", "code": "limit", "message": "at most 400 samples",
         "params": {"limit": 400, "setting": "max_samples"}},
        {"field": "training.batch_size", "code": "batch_too_large",
         "message": "at most 250, the size of the training set", "params": {"limit": 250}},
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


def test_bounds_come_from_the_fields_and_the_limits():
    found = bounds(Limits(max_samples=600, max_hidden_layers=3))
    assert found["training.learning_rate"] == {"exclusive_minimum": 0.0, "maximum": 100.0,
                                               "default": 0.1}
    assert found["data.noise"] == {"minimum": 0.0, "maximum": 0.5, "default": 0.0}
    assert found["data.n_samples"] == {"minimum": 20, "maximum": 600, "default": 400}
    assert found["network.hidden_layers"] == {"minimum": 0, "maximum": 3}
    assert found["network.leaky_slope"] == {"exclusive_minimum": 0.0, "exclusive_maximum": 1.0,
                                            "default": 0.01}


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_every_allowed_pair_is_taken_and_the_tasks_own_comes_first(task):
    pairs = allowed_pairs(task)
    assert pairs[0] == TASK_START[task] and len(set(pairs)) == len(pairs)
    dataset = {"binary": "circle", "multiclass": "blobs", "regression": "sin"}[task]
    for output, loss in pairs:
        assert limit_errors(config(network={"output_activation": output, "loss": loss},
                                   data={"dataset": dataset}), Limits()) == []
    assert ("softmax", "categorical_cross_entropy") in pairs or task != "multiclass"
    assert all(loss != "binary_cross_entropy" for _, loss in pairs) or task != "regression"


def test_fit_batch_shrinks_only_a_batch_the_training_set_cannot_fill():
    fitted = fit_batch(config(data={"n_samples": 100, "test_ratio": 0.3},
                              training={"batch_size": 90}))
    assert fitted.training.batch_size == 70
    kept = config(training={"batch_size": 20})
    assert fit_batch(kept) is kept


@pytest.mark.parametrize("dataset", [name for name in DATASET_INFO])
def test_layer_sizes_are_the_sizes_the_data_make(dataset):
    """Known from the config alone (an import checks its arrays before building anything), and
    the same as the network a session of that config builds."""
    task = DATASET_INFO[dataset].task
    output, loss = TASK_START[task]
    made = config(network={"hidden_layers": [3, 2], "output_activation": output, "loss": loss},
                  data={"dataset": dataset, "classes": 4, "features": ["x1", "x1_x2", "sin_x2"],
                        "n_samples": 100})
    data = build_inputs(made, build_raw_dataset(made, None))[1]
    assert layer_sizes(made) == list(build_trainer(made, data).network.sizes)


def test_an_uploaded_table_has_no_sizes_before_it_is_read():
    assert layer_sizes(config(data={"dataset": "csv"})) is None
