"""A session saved as JSON and started again from it: the model file.

It carries the config (which rebuilds the same data) and the run's whole state, optimizer and
batch order included, so that a session imported from it trains on bit-identically to the one
it was exported from. Floats are written in their shortest exact form (JSON numbers round-trip
a float64 exactly); the 128-bit integers of the generator's state are hex strings, which a
browser's JSON.parse would otherwise round.

An import is checked in order of cost: the schema while the body is parsed (types, finite
numbers, the format's version), then the config against the limits and every array's length
against the config's network, and only then is anything built.
"""

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, StringConstraints

from app import VERSION
from app.config import Limits, SessionConfig, layer_sizes, limit_errors, train_size
from app.engine.network import parameter_count
from app.engine.optimizers import OPTIMIZERS
from app.engine.trainer import LossHistory, TrainerState
from app.errors import FieldError, Refused
from app.models import StrictModel
from app.sessions import Session

FORMAT = "backprop-playground-model"
FORMAT_VERSION = 1
ENGINE = f"backprop-playground {VERSION}"
# Static caps, far above what any limit allows, so that a huge list is refused while it is
# parsed; the body-size limit comes first anyway.
MAX_PARAMS = 1_000_000
MAX_EXAMPLES = 10_000_000
# Counts stay exact as floats (epochs, decay) and in JavaScript: at most 2⁵³.
Count = Annotated[int, Field(ge=0, le=2**53)]

Finite = Annotated[float, Field(allow_inf_nan=False)]
Hex128 = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-f]{1,32}$")]
HistoryRow = tuple[Count, Finite | None, Finite | None]


class GeneratorState(StrictModel):
    """NumPy's PCG64 generator that draws each epoch's order, as ``bit_generator.state``."""

    bit_generator: Literal["PCG64"]
    state: Hex128
    inc: Hex128
    has_uint32: int = Field(ge=0, le=1)
    uinteger: int = Field(ge=0, lt=2**32)


class OptimizerState(StrictModel):
    steps_taken: Count = Field(description="Updates the optimizer has made (decay, Adam's t)")
    arrays: list[Annotated[list[Finite], Field(max_length=MAX_PARAMS)]] = Field(
        max_length=2, description="Its state, each array laid out like `params`: the velocity "
        "(momentum, nesterov), the running mean square (rmsprop), m and v (adam); none for sgd "
        "and before the first step")


class ModelFile(StrictModel):
    format: Literal["backprop-playground-model"] = Field(description="What this file is")
    version: Literal[1] = Field(description="The layout of this file")
    engine: str = Field(max_length=100, description="The server that wrote it (informative)")
    config: SessionConfig
    sizes: list[int] = Field(max_length=100, description="Neurons per layer, inputs first")
    params: list[Finite] = Field(max_length=MAX_PARAMS, description="Every weight and bias, "
                                 "layer by layer from layer 1: W row by row, then b")
    optimizer: OptimizerState
    step: Count = Field(description="Updates so far")
    examples_seen: Count = Field(description="Training examples used so far (epochs)")
    order: list[Annotated[int, Field(ge=0)]] = Field(
        max_length=MAX_EXAMPLES, description="This epoch's shuffled training examples")
    cursor: int = Field(ge=0, description="Where the next mini-batch starts in `order`")
    rng: GeneratorState
    history: list[HistoryRow] = Field(max_length=LossHistory().capacity,
                                      description="(update, training loss, test loss) rows")


def export_model(session: Session) -> ModelFile:
    """The session as a model file; refused for a diverged run (its numbers are not finite)
    and for an uploaded table (which stays in its session)."""
    if session.config.data.dataset == "csv":
        raise Refused("table_not_exported", "a session trained on an uploaded table cannot be "
                      "exported: the table stays in its session")
    if session.diverged:
        raise Refused("diverged", "the network has diverged; reset it first")
    return model_file(session.config, list(session.trainer.network.sizes), session.trainer.export_state())


def model_file(config: SessionConfig, sizes: list[int], state: TrainerState) -> ModelFile:
    """A run's copied state as a model file (no session needed: it can be built off the event loop)."""
    generator = state.rng
    return ModelFile(
        format=FORMAT, version=FORMAT_VERSION, engine=ENGINE, config=config,
        sizes=sizes, params=state.params.tolist(),
        optimizer=OptimizerState(steps_taken=state.optimizer_steps,
                                 arrays=[a.tolist() for a in state.optimizer_arrays]),
        step=state.step_count, examples_seen=state.examples_seen, order=state.order.tolist(),
        cursor=state.cursor,
        rng=GeneratorState(bit_generator=generator["bit_generator"],
                           state=hex(generator["state"]["state"]), inc=hex(generator["state"]["inc"]),
                           has_uint32=generator["has_uint32"], uinteger=generator["uinteger"]),
        history=[(step, finite_or_none(train), finite_or_none(test))
                 for step, train, test in state.history])


def model_errors(file: ModelFile, limits: Limits) -> list[FieldError]:
    """What in a well-formed file the limits or its own config refuse, before anything is built."""
    errors = [error.model_copy(update={"field": f"config.{error.field}"})
              for error in limit_errors(file.config, limits)]
    sizes = layer_sizes(file.config)
    if sizes is None:
        return [*errors, FieldError(field="config.data.dataset", code="table_not_exported",
                                    message="a model file cannot carry an uploaded table")]
    if errors:
        return errors
    if file.sizes != sizes:
        return [FieldError(field="sizes", code="wrong_sizes",
                           message=f"the config's network has sizes {sizes}",
                           params={"sizes": " ".join(map(str, sizes))})]
    return array_errors(file, parameter_count(sizes), train_size(file.config.data))


def wrong_length(field: str, expected: int, got: int) -> FieldError:
    return FieldError(field=field, code="wrong_length", message=f"{expected} values for this "
                      f"config, not {got}", params={"expected": expected, "got": got})


def array_errors(file: ModelFile, n_params: int, n_train: int) -> list[FieldError]:
    """Every array's length against the network and the training set it belongs to."""
    errors = []
    if len(file.params) != n_params:
        errors.append(wrong_length("params", n_params, len(file.params)))
    slots = OPTIMIZERS[file.config.training.optimizer].STATE_ARRAYS
    if file.optimizer.arrays and len(file.optimizer.arrays) != slots:
        errors.append(wrong_length("optimizer.arrays", slots, len(file.optimizer.arrays)))
    errors += [wrong_length(f"optimizer.arrays.{i}", n_params, len(array))
               for i, array in enumerate(file.optimizer.arrays) if len(array) != n_params]
    if file.order and sorted(file.order) != list(range(n_train)):
        errors.append(FieldError(field="order", code="not_a_permutation", message="each training "
                                 f"example exactly once, 0 to {n_train - 1}",
                                 params={"limit": n_train - 1}))
    if file.cursor > len(file.order):
        errors.append(FieldError(field="cursor", code="limit", message=f"at most {len(file.order)}",
                                 params={"limit": len(file.order)}))
    return errors


def check_model(file: ModelFile, limits: Limits) -> None:
    errors = model_errors(file, limits)
    if errors:
        raise Refused("invalid_model", "model file refused", errors=errors)


def trainer_state(file: ModelFile) -> TrainerState:
    """The file's state as the engine keeps it (after ``check_model``)."""
    generator: dict[str, Any] = {
        "bit_generator": file.rng.bit_generator,
        "state": {"state": int(file.rng.state, 16), "inc": int(file.rng.inc, 16)},
        "has_uint32": file.rng.has_uint32, "uinteger": file.rng.uinteger}
    return TrainerState(
        params=np.array(file.params, dtype=float),
        optimizer_arrays=[np.array(a, dtype=float) for a in file.optimizer.arrays],
        optimizer_steps=file.optimizer.steps_taken, step_count=file.step,
        examples_seen=file.examples_seen, order=np.array(file.order, dtype=int), cursor=file.cursor,
        rng=generator, history=[(step, nan_for_null(train), nan_for_null(test))
                                for step, train, test in file.history])


def finite_or_none(value: float) -> float | None:
    return value if np.isfinite(value) else None


def nan_for_null(value: float | None) -> float:
    """A loss the history could not show (JSON has no NaN) is NaN again."""
    return float("nan") if value is None else value
