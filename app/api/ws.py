"""The WebSocket a page trains through: control messages in, layout, status and frames out."""

import asyncio
import contextlib
import secrets
from collections.abc import Iterator
from time import perf_counter

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from app.api.deps import SESSION_HEADER, client_address
from app.api.web import origin_allowed
from app.config import Limits, SessionConfig, fit_batch, limit_errors
from app.connections import SESSION_ENDED, Connection
from app.errors import Refusal, Refused, invalid
from app.health import Metrics
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
from app.rooms import Room, RoomRegistry
from app.runner import TrainingLoops, Viewer, check_gradients, train_steps
from app.scheduler import Account, Payer, TokenBucket
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


async def handle(message: ClientMessage, session: Session, viewer: Viewer,
                 limits: Limits) -> ErrorMessage | None:
    try:
        await dispatch(message, session, viewer, limits)
    except Refused as e:
        return error(e.refusal())
    return None


async def dispatch(message: ClientMessage, session: Session, viewer: Viewer, limits: Limits) -> None:
    match message:
        case PlayMessage():
            session.set_running(True)
        case PauseMessage():
            session.set_running(False)
        case StepMessage(steps=steps):
            await train_steps(session, steps, account=viewer.account)
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
        case PickMessage(sample=sample, position=position):
            session.pick(sample, position)
        case InspectMessage(target=target):
            viewer.inspect(target)
        case WalkMessage(action=action):
            session.walk_to(action)
        case GradCheckMessage():
            shown, _ = session.shown_example()  # the followed example, or the batch's
            result = await check_gradients(session, shown)
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
    bucket = TokenBucket(limits.ws_messages_per_second)
    while True:
        event = await websocket.receive()
        if event["type"] == "websocket.disconnect":
            return
        refusal = await respond(event.get("text"), session, viewer, limits, bucket, steering)
        if refusal is not None:
            websocket.app.state.metrics.refused(refusal.code)
            viewer.reply(refusal)
        # Never back to back: whatever else is ready on the loop runs between two messages.
        await asyncio.sleep(0)


async def respond(text: str | None, session: Session, viewer: Viewer, limits: Limits,
                  bucket: TokenBucket, steering: bool) -> ErrorMessage | None:
    """One message handled, its time charged to the session and the client's address (a
    step pays slice by slice itself), within the socket's rate and its right to steer; or
    the refusal."""
    if not bucket.take():
        rate = limits.ws_messages_per_second
        return error(Refused("rate_limited", f"at most {rate:g} messages a second "
                             "(ws_messages_per_second)",
                             params={"limit": rate, "setting": "ws_messages_per_second"}).refusal())
    if text is None:
        return error(Refusal(code="binary_message",
                             message="binary messages are not accepted; send JSON text"))
    message = parse(text, limits)
    if isinstance(message, ErrorMessage):
        return message
    if not steering and not isinstance(message, WATCHER_MESSAGES):
        return error(READ_ONLY)
    if steering and isinstance(message, InspectMessage):
        session.show_target(message.target)
    account = viewer.account
    if account is None or isinstance(message, StepMessage | GradCheckMessage):
        return await handle(message, session, viewer, limits)
    await account.admit()
    start = perf_counter()
    try:
        return await handle(message, session, viewer, limits)
    finally:
        account.charge(perf_counter() - start)


async def refuse_origin(websocket: WebSocket) -> None:
    """Accepted first so that the page can read why: an error, then close 1008 (policy)."""
    refusal = Refusal(code="origin_refused", message="this page's origin may not open a socket "
                      "here (allowed_origins)", params={"setting": "allowed_origins"})
    await websocket.send_text(error(refusal).model_dump_json())
    await websocket.close(code=1008)


@router.websocket("/ws")
async def training_socket(websocket: WebSocket, session: str | None = None,
                          token: str | None = None, room: str | None = None) -> None:
    """Attach to a session by id (a REST-made one, or this tab's after a reconnect), follow a
    room's session by its code, or start a new session. The first message is "hello" with the
    session id, and with the steering token for the socket that created the session or brought
    its token; the id alone, and a room's code, only watch."""
    app = websocket.app
    limits: Limits = app.state.settings.limits
    cluster = app.state.cluster
    # A new session's id, drawn now so that the handshake's answer can name it to a proxy in
    # front of several workers (deploy/haproxy.cfg), which then sends its reconnects here.
    new_id = secrets.token_urlsafe(16)
    names_new = cluster is not None and session is None and room is None
    await websocket.accept(headers=[(SESSION_HEADER.encode(), new_id.encode())] if names_new else None)
    if not origin_allowed(websocket, app.state.settings):
        await refuse_origin(websocket)
        return
    registry: SessionRegistry = app.state.registry
    try:
        if cluster is not None:  # held by another worker, or saved by a dead one
            if room is not None and (remote := await cluster.relay.remote_room(room)) is not None:
                await cluster.relay.follow(websocket, remote)
                return
            if session is not None and room is None:
                await cluster.find(session)
        followed = joined_room(app.state.rooms, registry, room) if room is not None else None
        wanted = RoomRegistry.shown_session(followed, registry.sessions.__contains__) if followed else session
        found = registry.get(wanted) if wanted else None
        steering = found is None or registry.steers(found, token)
        found = found or registry.create(SessionConfig(), client_address(websocket), new_id)
    except Refused as e:
        app.state.metrics.refused(e.code)
        await websocket.send_text(error(e.refusal()).model_dump_json())
        await websocket.close(code=1013)
        return
    await websocket.send_text(HelloMessage(
        session_id=found.id, token=found.token if steering else None, config=found.config,
        limits=limits).model_dump_json())
    metrics: Metrics = app.state.metrics

    async def send_bytes(frame: bytes) -> None:  # the socket's, counted
        await websocket.send_bytes(frame)
        metrics.frames.inc()

    viewer = Viewer(found, limits, websocket.send_text, send_bytes)
    viewer.account = Account(app.state.scheduler, Payer(found.id, client_address(websocket)))
    with app.state.connections.opened() as connection, attendance(app.state.rooms, found, connection,
                                                                   followed, steering):
        await serve(websocket, found, viewer, connection, steering)


def joined_room(rooms: RoomRegistry, registry: SessionRegistry, code: str) -> Room:
    """The room a student joins with its code, if it exists (with its session) and takes
    followers."""
    found = rooms.get(code)
    if found is None or found.session_id not in registry.sessions:
        raise Refused("room_not_found", "no room with this code; it may have ended", status=404)
    rooms.check_joining(found)
    return found


@contextlib.contextmanager
def attendance(rooms: RoomRegistry, session: Session, connection: Connection, followed: Room | None,
               steering: bool) -> Iterator[None]:
    """Who is in a room while this socket is open: a follower (counted, and closed when the room
    ends), or the teacher (the room waits for a teacher away less than its grace period)."""
    if followed is not None:
        followed.followers.add(connection)
    elif steering:
        rooms.teacher_came(session.id)
    try:
        yield
    finally:
        if followed is not None:
            followed.followers.discard(connection)
        elif steering:
            rooms.teacher_left(session.id)


async def serve(websocket: WebSocket, session: Session, viewer: Viewer,
                connection: Connection, steering: bool) -> None:
    """Frames out and messages in until the client leaves, the session ends or the server
    asks the socket to close; then the socket is closed with the reason. Only a steering
    socket may change the session."""
    app = websocket.app
    loops: TrainingLoops = app.state.training_loops
    async with loops.watching(session, viewer.account):
        tasks = [asyncio.create_task(viewer.run()),
                 asyncio.create_task(receive(websocket, session, viewer, viewer.limits, steering)),
                 asyncio.create_task(connection.closing.wait())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # Idle from now on: the TTL counts from the moment the last viewer left. This runs
            # before any await, which a cancellation could interrupt.
            app.state.registry.touch(session)
            for task in tasks:
                task.cancel()
            # wait(), unlike gather(), lets this handler's own cancellation through unchanged.
            await asyncio.wait(tasks)
    if session.closed:
        connection.close(*(session.close_reason or SESSION_ENDED))
    if connection.close_with is not None:
        with contextlib.suppress(*CLOSED):
            await websocket.close(*connection.close_with)
    # The tasks may have ended on their own (the client went away while a frame was being
    # sent): every exception is looked at, so none is reported as never retrieved.
    failures = [t.exception() for t in tasks if not t.cancelled()]
    for failure in failures:
        if failure is not None and not isinstance(failure, CLOSED):
            raise failure
