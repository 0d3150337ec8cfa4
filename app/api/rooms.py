"""Rooms over REST: a teacher presents a session (join code, join address, QR code), locks
joining, ends the room; anyone may read a room's public state. Students follow over the
WebSocket (`/ws?room=CODE`)."""

import base64
import io
from typing import Annotated, Literal

import segno
from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from app.api.deps import SESSION_HEADER, AddressDep, LimitsDep, RegistryDep, SteerDep, request_token
from app.bodies import CreatedSession
from app.errors import Refusal, Refused
from app.frames import thumbnail
from app.models import StrictModel, WireModel
from app.names import anonymous_name, clean_name
from app.protocol import RecallMessage
from app.responses import finite, summary
from app.rooms import Room, RoomRegistry
from app.sessions import Session, SessionRegistry

# Which worker holds a room: a proxy in front of several (deploy/haproxy.cfg) remembers it.
ROOM_HEADER = "X-Bpp-Room"
THUMBNAIL_SIZE = 16  # cells per side of a dashboard card's boundary
CardStatus = Literal["training", "paused", "diverged"]
REFUSALS: dict[int | str, dict] = {status: {"model": Refusal} for status in (400, 403, 404, 413, 422, 429, 503)}
router = APIRouter(prefix="/api", tags=["rooms"], responses=REFUSALS)


class RoomInfo(WireModel):
    code: str = Field(description="The join code: six characters without look-alikes")
    session_id: str = Field(description="The presented session, which followers watch")
    join_url: str = Field(description="Where students join (also the QR code's content)")
    followers: int = Field(description="Students following now")
    forks: int = Field(description="Own copies students made from this room")
    joining_locked: bool
    forking_allowed: bool = Field(description="Whether students may make their own copy")
    projected: str | None = Field(description="The own copy the room is shown, or null")


class OpenedRoom(RoomInfo):
    teacher_token: str = Field(description="Needed for every teacher action (Authorization: "
                               "Bearer <token>); only this answer has it")


class RoomUpdate(StrictModel):
    joining_locked: bool | None = None
    forking_allowed: bool | None = None


class ForkedSession(CreatedSession):
    name: str = Field(description="The copy's anonymous name on the class dashboard (the "
                      "student may change it: PATCH /api/sessions/{id}/name)")


class ForkCard(WireModel):
    """One student's own copy, as the class dashboard shows it: no token, no real name."""

    session_id: str = Field(description="The copy's session, which the teacher may watch")
    name: str = Field(description="Anonymous unless the student changed it; plain text")
    status: CardStatus
    step: int
    train_loss: float | None = Field(description="null once diverged")
    train_accuracy: float | None = Field(description="null for regression or once diverged")
    test_accuracy: float | None
    thumbnail: str | None = Field(description=f"{THUMBNAIL_SIZE}×{THUMBNAIL_SIZE} uint8 cells of the "
                                  "plane, row by row from the top, base64 (boundary: P(class 1); "
                                  "surface: the output; regions: the class spread over 0..255); "
                                  "null where the results are not a plane")


class Dashboard(WireModel):
    code: str
    thumbnail_size: int = THUMBNAIL_SIZE
    forks: list[ForkCard] = Field(description="Every own copy still alive, in the order asked")


class Reached(WireModel):
    sessions: int = Field(description="Sessions (pause) or pages (recall) the action reached")


class Projection(StrictModel):
    session_id: str | None = Field(description="An own copy of this room to show everyone; null: "
                                   "the teacher's network again")


class NameUpdate(StrictModel):
    name: str = Field(max_length=1000, description="Plain text; at most max_name_chars "
                      "characters once spaces are tidied")


class Named(WireModel):
    name: str


SortKey = Literal["loss", "accuracy", "name", "step"]


async def get_rooms(request: Request) -> RoomRegistry:
    return request.app.state.rooms


RoomsDep = Annotated[RoomRegistry, Depends(get_rooms)]


async def get_room(code: str, rooms: RoomsDep, request: Request) -> Room:
    room = rooms.get(code)
    cluster = request.app.state.cluster
    if room is None and cluster is not None:  # held by another worker, or saved by a dead one
        room = await cluster.find_room(code)
    if room is None:
        raise Refused("room_not_found", "no room with this code; it may have ended", status=404)
    return room


RoomDep = Annotated[Room, Depends(get_room)]


async def get_taught_room(room: RoomDep, request: Request) -> Room:
    """The room, for a teacher action: only with the room's teacher token."""
    if not RoomRegistry.teaches(room, request_token(request)):
        raise Refused("not_teacher", "this needs the room's teacher token (Authorization: Bearer "
                      "<token>)", status=403)
    return room


TaughtDep = Annotated[Room, Depends(get_taught_room)]


def join_url(request: Request, room: Room) -> str:
    return f"{str(request.base_url).rstrip('/')}/?room={room.code}"


def follower_count(request: Request, room: Room) -> int:
    """Followers here, and on the other workers that relay the room (app/cluster/relay.py)."""
    return len(room.followers) + request.app.state.rooms.elsewhere(room.code)


def info(request: Request, room: Room) -> RoomInfo:
    return RoomInfo(code=room.code, session_id=room.session_id, join_url=join_url(request, room),
                    followers=follower_count(request, room), forks=len(room.forks),
                    joining_locked=room.joining_locked, forking_allowed=room.forking_allowed,
                    projected=room.projected)


@router.post("/sessions/{session_id}/room", status_code=201)
async def open_room(session: SteerDep, rooms: RoomsDep, request: Request, response: Response) -> OpenedRoom:
    """Present this session to a class (its steering token needed). Opening it again answers
    the same room."""
    room = rooms.open(session.id)
    response.headers[ROOM_HEADER] = room.code
    return OpenedRoom(**info(request, room).model_dump(), teacher_token=room.teacher_token)


@router.get("/rooms/{code}")
async def read_room(room: RoomDep, request: Request) -> RoomInfo:
    """A room's public state: its session, how many follow, whether joining is locked."""
    return info(request, room)


@router.get("/rooms/{code}/qr.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
async def room_qr(room: RoomDep, request: Request) -> Response:
    """The join address as a QR code, drawn by segno (a well-kept QR library) as SVG."""
    buffer = io.BytesIO()
    segno.make(join_url(request, room), error="m").save(
        buffer, kind="svg", scale=1, border=2, xmldecl=False, dark="#000", light="#fff")
    return Response(buffer.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "no-store"})


@router.patch("/rooms/{code}")
async def update_room(body: RoomUpdate, room: TaughtDep, request: Request) -> RoomInfo:
    """Lock or reopen joining; allow or lock own copies (teacher token)."""
    if body.joining_locked is not None:
        room.joining_locked = body.joining_locked
    if body.forking_allowed is not None:
        room.forking_allowed = body.forking_allowed
    return info(request, room)


@router.post("/rooms/{code}/fork", status_code=201)
async def fork(room: RoomDep, rooms: RoomsDep, registry: RegistryDep,
               address: AddressDep, response: Response) -> ForkedSession:
    """A student's own copy of the teacher's network as it is now (weights, data, settings,
    optimizer state), in a private session of the student's to steer: its id and token. The
    teacher's session is not touched."""
    rooms.check_forking(room)
    teacher = registry.get(room.session_id)
    if teacher is None:
        raise Refused("room_not_found", "no room with this code; it may have ended", status=404)
    copy = registry.create(teacher.config, address)
    copy.copy_from(teacher)
    copy.name = name = anonymous_name()
    room.forks.add(copy.id)
    response.headers[SESSION_HEADER] = copy.id
    return ForkedSession(**summary(copy).model_dump(), token=copy.token, name=name)


@router.delete("/rooms/{code}", status_code=204)
async def end_room(room: TaughtDep, rooms: RoomsDep) -> Response:
    """End the room (teacher token): every follower's socket closes with "room ended"; the
    session itself goes on."""
    rooms.end(room.code)
    return Response(status_code=204)


def alive_forks(room: Room, registry: SessionRegistry) -> list[Session]:
    """The room's own copies whose sessions have not ended (deleted or expired)."""
    return [s for s in map(registry.sessions.get, sorted(room.forks)) if s is not None]


def card(session: Session) -> ForkCard:
    m = session.metrics()
    status = {"running": "training", "paused": "paused", "diverged": "diverged"}[session.status]
    cells = thumbnail(session, THUMBNAIL_SIZE)
    return ForkCard(session_id=session.id, name=session.name or "", status=status,
                    step=session.trainer.step_count, train_loss=finite(m.train_loss),
                    train_accuracy=finite(m.train_accuracy), test_accuracy=finite(m.test_accuracy),
                    thumbnail=None if cells is None else base64.b64encode(cells).decode())


def sort_cards(cards: list[ForkCard], key: SortKey) -> list[ForkCard]:
    """Best first: lowest loss, highest test accuracy, most steps; names alphabetically. Runs
    without the number (diverged, regression) come last."""
    if key == "name":
        return sorted(cards, key=lambda c: c.name.casefold())
    if key == "step":
        return sorted(cards, key=lambda c: -c.step)
    if key == "loss":
        return sorted(cards, key=lambda c: (c.train_loss is None, c.train_loss or 0.0))
    return sorted(cards, key=lambda c: (c.test_accuracy is None, -(c.test_accuracy or 0.0)))


@router.get("/rooms/{code}/dashboard")
async def dashboard(room: TaughtDep, registry: RegistryDep, sort: SortKey = "name",
                    status: CardStatus | None = None) -> Dashboard:
    """The class dashboard (teacher token): every student's own copy still alive as a card
    (name, status, step, loss, accuracies, a small boundary), sorted by ``sort``; with
    ``status`` (training, paused or diverged) only the copies in that state. An unknown sort or
    status is refused with 422."""
    cards = [card(session) for session in alive_forks(room, registry)]
    if status is not None:
        cards = [c for c in cards if c.status == status]
    return Dashboard(code=room.code, forks=sort_cards(cards, sort))


@router.post("/rooms/{code}/pause")
async def pause_everyone(room: TaughtDep, registry: RegistryDep) -> Reached:
    """Pause the teacher's session and every own copy (teacher token)."""
    sessions = [s for s in [registry.sessions.get(room.session_id), *alive_forks(room, registry)]
                if s is not None]
    for session in sessions:
        session.set_running(False)
    return Reached(sessions=len(sessions))


@router.post("/rooms/{code}/recall")
async def recall(room: TaughtDep, registry: RegistryDep) -> Reached:
    """Everyone back to following (teacher token): every page showing an own copy is told to
    follow the room again. The copies themselves go on existing until they expire."""
    message = RecallMessage(room=room.code)
    return Reached(sessions=sum(s.tell(message) for s in alive_forks(room, registry)))


@router.post("/rooms/{code}/project")
async def project(body: Projection, room: TaughtDep, rooms: RoomsDep, request: Request) -> RoomInfo:
    """"Look at this one" (teacher token): every follower watches this own copy instead of the
    teacher's network, until the teacher shows another or null (the teacher's again)."""
    rooms.project(room, body.session_id)
    return info(request, room)


@router.patch("/sessions/{session_id}/name")
async def rename(body: NameUpdate, session: SteerDep, limits: LimitsDep) -> Named:
    """A student names their own copy as the class dashboard shows it (the session's steering
    token). Plain text: it is never read as markup."""
    session.name = clean_name(body.name, limits.max_name_chars)
    return Named(name=session.name)
