"""The REST API: everything the page can do, for programs. /docs shows each schema.

Every route is a coroutine so that sessions are only ever touched from the event loop, the
same thread that trains them; none blocks it for long (training yields between slices).
"""

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable

import numpy as np
from fastapi import APIRouter, Request, Response

from app.api.deps import SESSION_HEADER, AddressDep, LimitsDep, RegistryDep, SessionDep, SteerDep, client_address
from app.bodies import (
    CreatedSession,
    GradCheckRequest,
    InspectRequest,
    PredictRequest,
    PredictResponse,
    ResetRequest,
    SessionState,
    SessionSummary,
    TrainRequest,
)
from app.config import TASK_START, Limits, SessionConfig, limit_errors
from app.engine.csvdata import CsvError, Table, parse_csv
from app.engine.datasets import Task, test_count
from app.engine.trainer import classes as predicted_classes
from app.errors import Refusal, Refused
from app.modelfile import ModelFile, check_model, export_model, trainer_state
from app.protocol import GradCheckResult, Inspection, ParamEdit
from app.responses import finite, inspection, state, summary
from app.runner import check_gradients, train_steps
from app.scheduler import Account, Payer
from app.sessions import SessionRegistry

# Every refusal has the same body; the routes name the statuses they may answer with.
REFUSALS: dict[int | str, dict] = {status: {"model": Refusal} for status in (400, 403, 404, 413, 422, 429, 503)}
router = APIRouter(prefix="/api", tags=["sessions"], responses=REFUSALS)


def check_config(config: SessionConfig, limits: Limits) -> None:
    errors = limit_errors(config, limits)
    if errors:
        raise Refused("invalid_config", "config refused", errors=errors)


def upload_config(config: SessionConfig, table: Table, limits: Limits) -> SessionConfig:
    """The session's config, switched to the uploaded table: standardized inputs (a table's
    columns come in their own units), the output and loss its task needs, and a batch size the
    training set can fill."""
    output, loss = TASK_START[table.task]
    rows = table.x.shape[1]
    n_train = rows - test_count(rows, config.data.test_ratio)
    return config.model_copy(update={
        "data": config.data.model_copy(update={"dataset": "csv", "scaling": "standardize",
                                               "n_samples": max(20, min(rows, limits.max_samples))}),
        "network": config.network.model_copy(update={"output_activation": output, "loss": loss}),
        "training": config.training.model_copy(
            update={"batch_size": min(config.training.batch_size, n_train)}),
    })


def check_at_most(field: str, value: int, limit: int, setting: str) -> None:
    if value > limit:
        raise Refused("limit", f"at most {limit} ({setting})", field=field,
                      params={"limit": limit, "setting": setting})


@contextlib.asynccontextmanager
async def hang_up_watch(request: Request) -> AsyncIterator[Callable[[], bool]]:
    """Whether the client has hung up, known as soon as the server hears it. A watcher waits
    on the request's receive channel, which after the body only ever says "disconnect";
    ``request.is_disconnected()`` cannot see it through Starlette's HTTP middleware."""
    gone = asyncio.Event()

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        gone.set()

    watcher = asyncio.create_task(watch())
    try:
        yield gone.is_set
    finally:
        watcher.cancel()
        await asyncio.wait([watcher])
def csv_column(target: str | None) -> str | int | None:
    """?target= as a column index when it is written in ASCII digits (short enough to be one),
    else as a name: "¹" passes str.isdigit() but is no integer."""
    if target is not None and re.fullmatch(r"-?[0-9]{1,9}", target):
        return int(target)
    return target


@router.get("/limits")
async def get_limits(limits: LimitsDep) -> Limits:
    """The server's limits: what a config, a train call or a message may not exceed."""
    return limits


@router.post("/sessions", status_code=201)
async def create_session(registry: RegistryDep, limits: LimitsDep, address: AddressDep, response: Response,
                         config: SessionConfig | None = None) -> CreatedSession:
    """Start a session: data and network built from the config (defaults where omitted). The
    answer's `token` steers it; routes that change a session need it, reads need only the id."""
    created = start_session(registry, limits, address, config or SessionConfig())
    response.headers[SESSION_HEADER] = created.id
    return created


def start_session(registry: SessionRegistry, limits: Limits, address: str,
                  config: SessionConfig) -> CreatedSession:
    """A new session of ``config``, answered with its steering token (only here)."""
    check_config(config, limits)
    session = registry.create(config, address)
    return CreatedSession(**summary(session).model_dump(), token=session.token)


@router.post("/sessions/import", status_code=201)
async def import_session(file: ModelFile, registry: RegistryDep, limits: LimitsDep,
                         address: AddressDep, response: Response) -> CreatedSession:
    """Start a session from a model file that `GET /api/sessions/{id}/export` wrote: it trains
    on exactly as the exported session would have. The file is checked against the schema, the
    limits and its own config (every array's length) before anything is built; a bad one is
    refused with the field and the reason."""
    check_model(file, limits)
    session = registry.create(file.config, address)
    session.restore(trainer_state(file))
    response.headers[SESSION_HEADER] = session.id
    return CreatedSession(**summary(session).model_dump(), token=session.token)


@router.get("/sessions/{session_id}")
async def get_summary(session: SessionDep) -> SessionSummary:
    """Config, status, step count, current losses and accuracies, and the loss history."""
    return summary(session)


@router.get("/sessions/{session_id}/state")
async def get_state(session: SessionDep) -> SessionState:
    """Everything: the summary, W and b per layer, and z, a, δ, ∂C/∂W, ∂C/∂b from the latest
    step's mini-batch (for a fresh network, the batch it will see first)."""
    return state(session)


@router.get("/sessions/{session_id}/export")
async def export_session(session: SessionDep) -> ModelFile:
    """The session as a model file: config, weights, the optimizer's state, step, batch order
    and generator state, loss history and format version. `POST /api/sessions/import` continues
    it bit-identically. Not for a diverged run, nor one trained on an uploaded table."""
    return export_model(session)


@router.delete("/sessions/{session_id}", status_code=204)
async def delete_session(session: SteerDep, registry: RegistryDep) -> Response:
    registry.delete(session.id)
    return Response(status_code=204)


@router.put("/sessions/{session_id}/config")
async def put_config(config: SessionConfig, session: SteerDep, limits: LimitsDep) -> SessionSummary:
    """Change the config. New data, network or seed start over; a new learning rate or batch
    size carries on from the current weights."""
    check_config(config, limits)
    session.apply_config(config)
    return summary(session)


@router.post("/sessions/{session_id}/train")
async def train(body: TrainRequest, session: SteerDep, limits: LimitsDep,
                request: Request) -> SessionSummary:
    """Run gradient-descent updates. A run that diverges stops early with status "diverged";
    one whose session is deleted or expires meanwhile stops and answers 404; one whose client
    hangs up stops. The answer's history has only the rows this run recorded (GET the session
    for the whole curve)."""
    check_at_most("steps", body.steps, limits.max_steps_per_request, "max_steps_per_request")
    before = session.trainer.step_count
    async with hang_up_watch(request) as hung_up:
        account = Account(request.app.state.scheduler, Payer(session.id, client_address(request)))
        await train_steps(session, body.steps, hung_up, account)
    if session.closed:
        raise Refused("session_not_found", "the session ended during training", status=404)
    return summary(session, after_step=before)


@router.post("/sessions/{session_id}/reset")
async def reset(session: SteerDep, body: ResetRequest | None = None) -> SessionSummary:
    """New weights from the seed (the same seed gives the same weights); step count to 0."""
    session.reset(body.seed if body else None)
    return summary(session)


@router.post("/sessions/{session_id}/predict")
async def predict(body: PredictRequest, session: SessionDep, limits: LimitsDep) -> PredictResponse:
    """The network's output for each example (given as the dataset gives them; features and
    scaling are applied here), and the class it stands for."""
    check_at_most("inputs", len(body.inputs), limits.max_predict_points, "max_predict_points")
    width = session.raw.x_train.shape[0]
    for i, row in enumerate(body.inputs):
        if len(row) != width:
            raise Refused("shape", f"{width} values per example", field=f"inputs.{i}",
                          params={"width": width})
    out = session.trainer.network.predict(session.inputs(np.asarray(body.inputs, dtype=float).T))
    if session.diverged:  # its weights are whatever overflowed last: no answer at all
        out = np.full_like(out, np.nan)
    if session.data.task == "regression":
        out = session.data.in_units(out)
    classes: list[int | None] = [None] * out.shape[1]
    if session.data.task != "regression" and np.isfinite(out).all():
        classes = predicted_classes(out).tolist()
    return PredictResponse(outputs=finite(out.T), classes=classes)


@router.put("/sessions/{session_id}/csv", openapi_extra={"requestBody": {
    "required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}})
async def upload_csv(request: Request, session: SteerDep, limits: LimitsDep,
                     target: str | None = None, task: Task | None = None) -> SessionSummary:
    """Train on your own table: send a CSV file as the body (numeric columns, a header row
    optional, `,` `;` or tab separated). `target` names the column to predict (by name or
    0-based index; default the last); `task` overrides the guess (integers with at most 10
    values are classes). The data lives in this session only."""
    body = await request.body()
    check_at_most("csv", len(body), limits.max_csv_bytes, "max_csv_bytes")
    try:
        text = body.decode("utf-8-sig")
        table = parse_csv(text, csv_column(target), max_rows=limits.max_csv_rows,
                          max_columns=limits.max_csv_columns,
                          max_cell_chars=limits.max_csv_cell_chars, task=task)
    except UnicodeDecodeError as e:
        raise Refused("csv", "the file is not UTF-8 text", field="csv") from e
    except CsvError as e:
        raise Refused("csv", str(e), field="csv", params={
            "detail": e.detail, "row": e.row or 0, "column": e.column or 0,
            "name": e.column_name or ""}) from e
    config = upload_config(session.config, table, limits)
    check_config(config, limits)
    session.upload_csv(table, config)
    return summary(session)


@router.post("/sessions/{session_id}/inspect")
async def inspect(body: InspectRequest, session: SessionDep) -> Inspection:
    """The numbers behind one neuron (z = Σ w·a + b, a = σ(z), δ from the loss or from the layer
    above) or one weight (∂C/∂w = a_in·δ and the update), for one training example: the given
    sample, or else the first example of the next mini-batch. Nothing changes in the session."""
    if body.sample is None:
        return inspection(session, body.target, session.shown_batch(), 0, None)
    return inspection(session, body.target, session.trace_examples(body.sample), 0, body.sample)


@router.post("/sessions/{session_id}/gradcheck")
async def gradcheck(session: SessionDep, body: GradCheckRequest | None = None) -> GradCheckResult:
    """Backprop against central differences, (C(θ+ε) − C(θ−ε)) / 2ε for every parameter, on
    the given sample or the next mini-batch; per layer the largest relative error."""
    sample = body.sample if body else None
    result = await check_gradients(session, session.trace_examples(sample))
    return result.model_copy(update={"sample": sample})


@router.patch("/sessions/{session_id}/params")
async def edit_param(body: ParamEdit, session: SteerDep) -> SessionSummary:
    """Set one weight or bias by hand (training must be paused); losses follow at once."""
    session.edit(body)
    return summary(session)
