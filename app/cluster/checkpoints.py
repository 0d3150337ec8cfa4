"""A session as a checkpoint, the fields of one Redis hash, and back.

The run itself is the model file (app/modelfile.py), which continues bit-identically; beside it
the worker that owns the session, its steering token, what the page set (running, speed, name)
and its room. Every field is a string, as Redis keeps it. A checkpoint read back is checked like
an imported model file: a bad or foreign one is refused (``None``), never trusted.
"""

import json
import logging
from dataclasses import dataclass

from pydantic import ValidationError

from app.config import Limits, SessionConfig
from app.engine.trainer import TrainerState
from app.errors import Refused
from app.modelfile import ModelFile, check_model, model_file, trainer_state
from app.rooms import Room
from app.sessions import Session

log = logging.getLogger(__name__)

SESSION_KEY = "bpp:session:{}"
ROOM_KEY = "bpp:room:{}"
WORKER_KEY = "bpp:worker:{}"
CONTROL_CHANNEL = "bpp:control:{}"
FEED_CHANNEL = "bpp:feed:{}"


def checkpointable(session: Session) -> bool:
    """Whether the run can be saved now: not a diverged one (its last good checkpoint stands)
    nor one trained on an uploaded table (which stays on its worker)."""
    return not session.diverged and session.config.data.dataset != "csv"


@dataclass
class Snapshot:
    """A session's checkpoint as copies, taken on the event loop; encoded (the costly part)
    anywhere, a thread included."""

    fields: dict[str, str]
    config: SessionConfig
    sizes: list[int]
    state: TrainerState | None  # None: a run that cannot be saved

    def encode(self) -> dict[str, str]:
        model = "" if self.state is None else model_file(self.config, self.sizes, self.state).model_dump_json()
        return {**self.fields, "model": model}


def snapshot(session: Session, owner: str, room: Room | None) -> Snapshot:
    """The checkpoint of a session. One trained on an uploaded table has no run in it (its
    ``model`` is empty): the directory names its owner, and nothing older is ever restored."""
    fields = {
        "owner": owner,
        "token": session.token,
        "running": "1" if session.running else "0",
        "speed": "" if session.steps_per_second is None else str(session.steps_per_second),
        "name": session.name or "",
        "step": str(session.trainer.step_count),  # progress at a glance (HGET), without the model
        "room": "" if room is None else room_json(room),
    }
    state = session.trainer.export_state() if checkpointable(session) else None
    return Snapshot(fields, session.config, list(session.trainer.network.sizes), state)


def session_fields(session: Session, owner: str, room: Room | None) -> dict[str, str]:
    return snapshot(session, owner, room).encode()


def room_json(room: Room) -> str:
    return json.dumps({"code": room.code, "teacher_token": room.teacher_token,
                       "joining_locked": room.joining_locked, "forking_allowed": room.forking_allowed,
                       "forks": sorted(room.forks), "projected": room.projected})


@dataclass
class Checkpoint:
    session_id: str
    token: str
    model: ModelFile
    running: bool
    steps_per_second: int | None
    name: str | None
    room: Room | None

    def session(self, now: float) -> Session:
        """The session as it was saved, its training state included."""
        session = Session(self.session_id, self.model.config, now)
        session.token = self.token
        session.restore(trainer_state(self.model))
        session.steps_per_second = self.steps_per_second
        session.running = self.running and not session.diverged
        session.name = self.name
        return session


def read_checkpoint(session_id: str, fields: dict[str, str], limits: Limits) -> Checkpoint | None:
    """The checkpoint in a hash's fields, checked against this worker's limits; None for a bad one
    or one without a run."""
    if fields.get("model") == "":
        return None
    try:
        model = ModelFile.model_validate_json(fields["model"])
        check_model(model, limits)
        speed = fields.get("speed", "")
        return Checkpoint(session_id=session_id, token=fields["token"],
                          model=model, running=fields.get("running") == "1",
                          steps_per_second=int(speed) if speed else None,
                          name=fields.get("name") or None,
                          room=read_room(session_id, fields.get("room", "")))
    except (KeyError, ValueError, ValidationError, Refused, TypeError) as e:
        log.warning("checkpoint of session %s refused: %s", session_id, str(e)[:200])
        return None


def read_room(session_id: str, text: str) -> Room | None:
    if not text:
        return None
    data = json.loads(text)
    return Room(code=str(data["code"]), session_id=session_id, teacher_token=str(data["teacher_token"]),
                joining_locked=bool(data["joining_locked"]), forking_allowed=bool(data["forking_allowed"]),
                forks={str(f) for f in data["forks"]},
                projected=None if data["projected"] is None else str(data["projected"]))
