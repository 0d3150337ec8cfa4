"""The WebSocket a page trains through: control messages in, layout, status and frames out."""

import asyncio

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from app.api.deps import client_address
from app.api.web import origin_allowed
from app.config import Limits, SessionConfig, fit_batch, limit_errors
from app.errors import Refusal, Refused, invalid
from app.protocol import (
    ClientMessage,
    ConfigMessage,
    EditMessage,
    ErrorMessage,
    GradCheckMessage,
    GradCheckReply,
    HelloMessage,
    InspectMessage,
    PauseMessage,
    PickMessage,
    PlayMessage,
    ResetMessage,
    SpeedMessage,
    StepMessage,
    WalkMessage,
    client_message,
)
from app.runner import TrainingLoops, Viewer, check_gradients, train_steps
from app.sessions import Session, SessionRegistry

router = APIRouter()
# How a send or receive on a socket the client has closed ends.
CLOSED = (WebSocketDisconnect, RuntimeError, OSError)


# What a watcher (a socket without the steering token) may send: these change only what its
# own socket is shown (inspect) or compute on a copy for it alone (gradcheck). Everything else
# changes the session that every viewer sees, so it is the steering socket's.
WATCHER_MESSAGES = (InspectMessage, GradCheckMessage)
READ_ONLY = Refusal(code="read_only", message="this socket watches only: steering the session "
                    "needs its token (/ws?session=<id>&token=<token>)")


def error(refusal: Refusal) -> ErrorMessage:
    return ErrorMessage(**refusal.model_dump())


def parse(text: str, limits: Limits) -> ClientMessage | ErrorMessage:
    size = len(text.encode())
    if size > limits.max_message_bytes:
        return error(Refused("message_too_large", f"message of {size} bytes; at most "
                             f"{limits.max_message_bytes} (max_message_bytes)",
                             params={"limit": limits.max_message_bytes,
                                     "setting": "max_message_bytes"}).refusal())
    try:
        return client_message.validate_json(text)
    except ValidationError as e:
        # The first loc item of a tagged union is the tag itself; the field path follows it.
        return error(invalid(e.errors(), skip=1))


async def handle(message: ClientMessage, session: Session, viewer: Viewer, limits: Limits) -> None:
    try:
        await dispatch(message, session, viewer, limits)
    except Refused as e:
        viewer.reply(error(e.refusal()))


async def dispatch(message: ClientMessage, session: Session, viewer: Viewer, limits: Limits) -> None:
    match message:
        case PlayMessage():
            session.set_running(True)
        case PauseMessage():
            session.set_running(False)
        case StepMessage(steps=steps):
            await train_steps(session, steps)
        case ResetMessage(seed=seed):
            session.reset(seed)
        case ConfigMessage(config=config, ref=ref):
            configure(session, viewer, fit_batch(config), ref, limits)
        case SpeedMessage(steps_per_second=rate):
            if rate is not None and rate > limits.max_steps_per_second:
                raise Refused("limit", f"at most {limits.max_steps_per_second} "
                              "(max_steps_per_second)", field="steps_per_second",
                              params={"limit": limits.max_steps_per_second,
                                      "setting": "max_steps_per_second"})
            session.set_speed(rate)
        case PickMessage(sample=sample):
            session.pick(sample)
        case InspectMessage(target=target):
            viewer.inspect(target)
        case WalkMessage(action=action):
            session.walk_to(action)
        case GradCheckMessage():
            result = await check_gradients(session, session.shown_batch())
            viewer.reply(GradCheckReply(**result.model_dump()))
        case EditMessage():
            session.edit(message)


def configure(session: Session, viewer: Viewer, config: SessionConfig, ref: int | None,
              limits: Limits) -> None:
    """The page's config, its batch already fitted to the training set; refused as a whole."""
    errors = limit_errors(config, limits)
    if errors:
        raise Refused("invalid_config", "config refused", errors=[
            e.model_copy(update={"field": f"config.{e.field}"}) for e in errors])
    session.apply_config(config)
    viewer.applied(ref)


async def receive(websocket: WebSocket, session: Session, viewer: Viewer, limits: Limits,
                  steering: bool) -> None:
    while True:
        event = await websocket.receive()
        if event["type"] == "websocket.disconnect":
            return
        text = event.get("text")
        if text is None:
            viewer.reply(error(Refusal(code="binary_message",
                                       message="binary messages are not accepted; send JSON text")))
            continue
        message = parse(text, limits)
        if isinstance(message, ErrorMessage):
            viewer.reply(message)
        elif not steering and not isinstance(message, WATCHER_MESSAGES):
            viewer.reply(error(READ_ONLY))
        else:
            await handle(message, session, viewer, limits)


async def refuse_origin(websocket: WebSocket) -> None:
    """Accepted first so that the page can read why: an error, then close 1008 (policy)."""
    refusal = Refusal(code="origin_refused", message="this page's origin may not open a socket "
                      "here (allowed_origins)", params={"setting": "allowed_origins"})
    await websocket.send_text(error(refusal).model_dump_json())
    await websocket.close(code=1008)


@router.websocket("/ws")
async def training_socket(websocket: WebSocket, session: str | None = None,
                          token: str | None = None) -> None:
    """Attach to a session by id (a REST-made one, or this tab's after a reconnect) or start a
    new one. The first message is "hello" with the session id, and with the steering token for
    the socket that created the session or brought its token; the id alone only watches."""
    app = websocket.app
    limits: Limits = app.state.settings.limits
    await websocket.accept()
    if not origin_allowed(websocket, app.state.settings):
        await refuse_origin(websocket)
        return
    registry: SessionRegistry = app.state.registry
    found = registry.get(session) if session else None
    steering = found is None or registry.steers(found, token)
    try:
        found = found or registry.create(SessionConfig(), client_address(websocket))
    except Refused as e:
        await websocket.send_text(error(e.refusal()).model_dump_json())
        await websocket.close(code=1013)
        return
    await websocket.send_text(HelloMessage(
        session_id=found.id, token=found.token if steering else None, config=found.config,
        limits=limits).model_dump_json())
    viewer = Viewer(found, limits, websocket.send_text, websocket.send_bytes)
    loops: TrainingLoops = app.state.training_loops
    async with loops.watching(found):
        tasks = [asyncio.create_task(viewer.run()),
                 asyncio.create_task(receive(websocket, found, viewer, limits, steering))]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # Idle from now on: the TTL counts from the moment the last viewer left. This runs
            # before any await, which a cancellation could interrupt.
            app.state.registry.touch(found)
            for task in tasks:
                task.cancel()
            # wait(), unlike gather(), lets this handler's own cancellation through unchanged.
            await asyncio.wait(tasks)
        # Both tasks may have ended on their own (the client went away while a frame was being
        # sent): every exception is looked at, so none is reported as never retrieved.
        failures = [t.exception() for t in tasks if not t.cancelled()]
        for failure in failures:
            if failure is not None and not isinstance(failure, CLOSED):
                raise failure
