"""Rooms over REST: a teacher presents a session (join code, join address, QR code), locks
joining, ends the room; anyone may read a room's public state. Students follow over the
WebSocket (`/ws?room=CODE`)."""

import io
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from app.api.deps import AddressDep, RegistryDep, SteerDep, request_token
from app.bodies import CreatedSession
from app.errors import Refusal, Refused
from app.models import StrictModel, WireModel
from app.responses import summary
from app.rooms import Room, RoomRegistry

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


class OpenedRoom(RoomInfo):
    teacher_token: str = Field(description="Needed for every teacher action (Authorization: "
                               "Bearer <token>); only this answer has it")


class RoomUpdate(StrictModel):
    joining_locked: bool | None = None
    forking_allowed: bool | None = None


async def get_rooms(request: Request) -> RoomRegistry:
    return request.app.state.rooms


RoomsDep = Annotated[RoomRegistry, Depends(get_rooms)]


async def get_room(code: str, rooms: RoomsDep) -> Room:
    room = rooms.get(code)
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


def info(request: Request, room: Room) -> RoomInfo:
    return RoomInfo(code=room.code, session_id=room.session_id, join_url=join_url(request, room),
                    followers=len(room.followers), forks=len(room.forks),
                    joining_locked=room.joining_locked, forking_allowed=room.forking_allowed)


@router.post("/sessions/{session_id}/room", status_code=201)
async def open_room(session: SteerDep, rooms: RoomsDep, request: Request) -> OpenedRoom:
    """Present this session to a class (its steering token needed). Opening it again answers
    the same room."""
    room = rooms.open(session.id)
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
               address: AddressDep) -> CreatedSession:
    """A student's own copy of the teacher's network as it is now (weights, data, settings,
    optimizer state), in a private session of the student's to steer: its id and token. The
    teacher's session is not touched."""
    rooms.check_forking(room)
    teacher = registry.get(room.session_id)
    if teacher is None:
        raise Refused("room_not_found", "no room with this code; it may have ended", status=404)
    copy = registry.create(teacher.config, address)
    copy.copy_from(teacher)
    room.forks.add(copy.id)
    return CreatedSession(**summary(copy).model_dump(), token=copy.token)


@router.delete("/rooms/{code}", status_code=204)
async def end_room(room: TaughtDep, rooms: RoomsDep) -> Response:
    """End the room (teacher token): every follower's socket closes with "room ended"; the
    session itself goes on."""
    rooms.end(room.code)
    return Response(status_code=204)
