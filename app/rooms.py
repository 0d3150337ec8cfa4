"""Rooms: a teacher's session presented to a class. Students join with a short code read off the
projector and follow the teacher's network live and read-only (their sockets watch the teacher's
session without its steering token); the teacher, and only the teacher's token, locks joining
or ends the room. A room lives while a steering socket of its session is open and for a grace
period after, so that a teacher whose laptop sleeps comes back to the same room."""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from app.config import Limits
from app.connections import Connection
from app.errors import Refused

# Read aloud and typed on a phone: no 0/O, 1/I/L, and no vowels that could spell words.
CODE_ALPHABET = "BCDFGHJKMNPQRSTVWXZ23456789"
CODE_LENGTH = 6
ROOM_ENDED = (1000, "room ended")
# Followers' sockets close with this when the teacher shows them another run; their pages
# reconnect to the room at once and watch what it shows now.
SHOWING_ANOTHER = (4001, "the room shows another run")


@dataclass
class Room:
    code: str
    session_id: str
    teacher_token: str
    joining_locked: bool = False
    forking_allowed: bool = True
    # Students' own copies made from this room (session ids), for the teacher's overview.
    forks: set[str] = field(default_factory=set)
    # An own copy the teacher shows the whole room ("look at this one"); None: the teacher's.
    projected: str | None = None
    # Follower sockets, to count them and to close them when the room ends.
    followers: set[Connection] = field(default_factory=set)
    teachers: int = 0  # steering sockets of the session open now
    teacher_left_at: float | None = None


def normalize(code: str) -> str:
    """What a student typed, as the code is stored: case, spaces and dashes do not matter."""
    return "".join(code.split()).replace("-", "").upper()


class RoomRegistry:
    """Opens, finds and ends rooms; a session has at most one."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.rooms: dict[str, Room] = {}
        # Called with (code, close code, reason) whenever a room's followers are sent away,
        # so that a worker can tell the followers other workers relay (app/cluster/relay.py).
        self.on_followers_closed: list[Callable[[str, int, str], None]] = []
        # Called with every room opened (a worker puts it in the directory at once).
        self.on_open: list[Callable[[Room], None]] = []
        # Called with every room that ends here, and the (close code, reason) its followers got:
        # ROOM_ENDED when it is over (a worker takes it out of the directory), another when it
        # only leaves this process (it moved to another worker).
        self.on_end: list[Callable[[Room, tuple[int, str]], None]] = []
        # A room's followers on other workers, which relay it (app/cluster/relay.py); none here.
        self.elsewhere: Callable[[str], int] = lambda code: 0

    def open(self, session_id: str) -> Room:
        """The session's room, opened now unless it has one."""
        self.expire()
        existing = self.of_session(session_id)
        if existing is not None:
            return existing
        if len(self.rooms) >= self.limits.max_rooms:
            raise Refused("room_limit", f"at most {self.limits.max_rooms} rooms at once (max_rooms)",
                          params={"limit": self.limits.max_rooms, "setting": "max_rooms"}, status=503)
        code = self._new_code()
        room = Room(code=code, session_id=session_id, teacher_token=secrets.token_urlsafe(24),
                    teacher_left_at=self.clock())
        self.rooms[code] = room
        for callback in self.on_open:
            callback(room)
        return room

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if code not in self.rooms:
                return code

    def get(self, code: str) -> Room | None:
        self.expire()
        return self.rooms.get(normalize(code))

    def of_session(self, session_id: str) -> Room | None:
        return next((r for r in self.rooms.values() if r.session_id == session_id), None)

    @staticmethod
    def teaches(room: Room, token: str | None) -> bool:
        """Whether ``token`` is the room's teacher token (compared in constant time)."""
        return token is not None and secrets.compare_digest(token.encode(), room.teacher_token.encode())

    def check_joining(self, room: Room) -> None:
        self.check_unlocked(room.joining_locked)
        self.check_room_for(len(room.followers) + self.elsewhere(room.code))

    @staticmethod
    def check_unlocked(joining_locked: bool) -> None:
        if joining_locked:
            raise Refused("room_locked", "the teacher has locked joining this room", status=423)

    def check_room_for(self, followers: int) -> None:
        if followers >= self.limits.max_room_followers:
            limit = self.limits.max_room_followers
            raise Refused("room_full", f"at most {limit} followers in a room (max_room_followers)",
                          params={"limit": limit, "setting": "max_room_followers"}, status=503)

    def project(self, room: Room, session_id: str | None) -> None:
        """Show the room an own copy (None: the teacher's session again): every follower's
        socket closes with the reason and its page comes back to the run shown now."""
        if session_id is not None and session_id not in room.forks:
            raise Refused("not_a_fork", "the room can show only its own copies", field="session_id",
                          status=422)
        room.projected = session_id
        self.send_followers_away(room, *SHOWING_ANOTHER)

    def send_followers_away(self, room: Room, code: int, reason: str) -> None:
        for follower in list(room.followers):
            follower.close(code, reason)
        for callback in self.on_followers_closed:
            callback(room.code, code, reason)

    @staticmethod
    def shown_session(room: Room, alive: Callable[[str], bool]) -> str:
        """The session the room's followers watch: the projected copy while it lives."""
        return room.projected if room.projected is not None and alive(room.projected) else room.session_id

    def check_forking(self, room: Room) -> None:
        if not room.forking_allowed:
            raise Refused("fork_locked", "the teacher has not allowed own copies in this room",
                          status=403)

    def teacher_came(self, session_id: str) -> None:
        room = self.of_session(session_id)
        if room is not None:
            room.teachers += 1
            room.teacher_left_at = None

    def teacher_left(self, session_id: str) -> None:
        room = self.of_session(session_id)
        if room is not None:
            room.teachers = max(0, room.teachers - 1)
            if room.teachers == 0:
                room.teacher_left_at = self.clock()

    def adopt(self, room: Room) -> None:
        """A room brought here with its session (app/cluster/worker.py), its teacher not back yet."""
        room.teacher_left_at = self.clock()
        self.rooms[room.code] = room

    def end(self, code: str, reason: tuple[int, str] = ROOM_ENDED) -> bool:
        """End a room here: its followers' sockets close with ``reason``."""
        room = self.rooms.pop(normalize(code), None)
        if room is None:
            return False
        self.send_followers_away(room, *reason)
        for callback in self.on_end:
            callback(room, reason)
        return True

    def session_ended(self, session_id: str) -> None:
        room = self.of_session(session_id)
        if room is not None:
            self.end(room.code)

    def expire(self) -> None:
        """End the rooms whose teacher has been away longer than the grace period."""
        cutoff = self.clock() - self.limits.room_grace_seconds
        for room in list(self.rooms.values()):
            if room.teachers == 0 and room.teacher_left_at is not None and room.teacher_left_at < cutoff:
                self.end(room.code)
