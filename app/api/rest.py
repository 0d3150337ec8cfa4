"""The REST API: everything the page can do, for programs. /docs shows each schema.

Every route is a coroutine so that sessions are only ever touched from the event loop, the
same thread that trains them; none blocks it for long (training yields between slices).
"""

import numpy as np
from fastapi import APIRouter, HTTPException, Response
from fastapi.exceptions import RequestValidationError

from app.api.deps import LimitsDep, RegistryDep, SessionDep
from app.runner import check_gradients, train_steps
from app.schemas import (
    GradCheckRequest,
    GradCheckResult,
    Inspection,
    InspectRequest,
    Limits,
    ParamEdit,
    PredictRequest,
    PredictResponse,
    ResetRequest,
    SessionConfig,
    SessionState,
    SessionSummary,
    TrainRequest,
    limit_errors,
)
from app.sessions import Refused, SessionLimitReached
from app.snapshot import finite, inspection, state, summary

router = APIRouter(prefix="/api", tags=["sessions"])


def check_config(config: SessionConfig, limits: Limits) -> None:
    errors = limit_errors(config, limits)
    if errors:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors])


def refused(field: str, value: object, error: Refused) -> RequestValidationError:
    return RequestValidationError([{"type": "refused", "loc": ("body", field), "input": value,
                                    "msg": str(error)}])


def check_at_most(field: str, value: int, limit: int, limit_name: str) -> None:
    if value > limit:
        raise RequestValidationError([{
            "type": "limit", "loc": ("body", field), "input": value,
            "msg": f"at most {limit} ({limit_name})"}])


@router.get("/limits")
async def get_limits(limits: LimitsDep) -> Limits:
    """The server's limits: what a config, a train call or a message may not exceed."""
    return limits


@router.post("/sessions", status_code=201)
async def create_session(registry: RegistryDep, limits: LimitsDep,
                   config: SessionConfig | None = None) -> SessionSummary:
    """Start a session: data and network built from the config (defaults where omitted)."""
    config = config or SessionConfig()
    check_config(config, limits)
    try:
        session = registry.create(config)
    except SessionLimitReached as e:
        raise HTTPException(503, str(e)) from e
    return summary(session)


@router.get("/sessions/{session_id}")
async def get_summary(session: SessionDep) -> SessionSummary:
    """Config, status, step count, current losses and accuracies, and the loss history."""
    return summary(session)


@router.get("/sessions/{session_id}/state")
async def get_state(session: SessionDep) -> SessionState:
    """Everything: the summary, W and b per layer, and z, a, δ, ∂C/∂W, ∂C/∂b from the latest
    step's mini-batch (for a fresh network, the batch it will see first)."""
    return state(session)


@router.delete("/sessions/{session_id}", status_code=204)
async def delete_session(session: SessionDep, registry: RegistryDep) -> Response:
    registry.delete(session.id)
    return Response(status_code=204)


@router.put("/sessions/{session_id}/config")
async def put_config(config: SessionConfig, session: SessionDep, limits: LimitsDep) -> SessionSummary:
    """Change the config. New data, network or seed start over; a new learning rate or batch
    size carries on from the current weights."""
    check_config(config, limits)
    session.apply_config(config)
    return summary(session)


@router.post("/sessions/{session_id}/train")
async def train(body: TrainRequest, session: SessionDep, limits: LimitsDep) -> SessionSummary:
    """Run gradient-descent steps. A run that diverges stops early with status "diverged"."""
    check_at_most("steps", body.steps, limits.max_steps_per_request, "max_steps_per_request")
    await train_steps(session, body.steps)
    return summary(session)


@router.post("/sessions/{session_id}/reset")
async def reset(session: SessionDep, body: ResetRequest | None = None) -> SessionSummary:
    """New weights from the seed (the same seed gives the same weights); step count to 0."""
    session.reset(body.seed if body else None)
    return summary(session)


@router.post("/sessions/{session_id}/predict")
async def predict(body: PredictRequest, session: SessionDep, limits: LimitsDep) -> PredictResponse:
    """The network's output for each point, and the class it stands for (output > 0.5)."""
    check_at_most("inputs", len(body.inputs), limits.max_predict_points, "max_predict_points")
    out = session.trainer.network.predict(np.asarray(body.inputs, dtype=float).T)[0]
    classes = np.where(np.isfinite(out), out > 0.5, None)
    return PredictResponse(outputs=finite(out), classes=[None if c is None else int(c) for c in classes])


@router.post("/sessions/{session_id}/inspect")
async def inspect(body: InspectRequest, session: SessionDep) -> Inspection:
    """The numbers behind one neuron (z = Σ w·a + b, a = σ(z), δ from the loss or from the layer
    above) or one weight (∂C/∂w = a_in·δ and the update), for one training example: the given
    sample, or else the first example of the next mini-batch. Nothing changes in the session."""
    try:
        step = session.step_on(body.sample)
    except Refused as e:
        raise refused("sample", body.sample, e) from e
    try:
        return inspection(session, body.target, step, body.sample)
    except Refused as e:
        raise refused("target", body.target.model_dump(), e) from e


@router.post("/sessions/{session_id}/gradcheck")
async def gradcheck(session: SessionDep, body: GradCheckRequest | None = None) -> GradCheckResult:
    """Backprop against central differences, (C(θ+ε) − C(θ−ε)) / 2ε for every parameter, on
    the given sample or the next mini-batch; per layer the largest relative error."""
    sample = body.sample if body else None
    try:
        step = session.step_on(sample)
    except Refused as e:
        raise refused("sample", sample, e) from e
    result = await check_gradients(session, step)
    return result.model_copy(update={"sample": sample})


@router.patch("/sessions/{session_id}/params")
async def edit_param(body: ParamEdit, session: SessionDep) -> SessionSummary:
    """Set one weight or bias by hand (training must be paused); losses follow at once."""
    try:
        session.edit(body)
    except Refused as e:
        raise refused("index", body.model_dump(), e) from e
    return summary(session)
