"""Lessons over REST: the list, one whole lesson, and a session started from one."""

from fastapi import APIRouter, Response

from app.api.deps import SESSION_HEADER, AddressDep, LimitsDep, RegistryDep
from app.api.rest import REFUSALS, start_session
from app.bodies import CreatedSession, LessonSessionRequest
from app.config import SessionConfig
from app.lessons import Lesson, LessonSummary, get_lesson, load_lessons, summarize

router = APIRouter(prefix="/api/lessons", tags=["lessons"], responses=REFUSALS)


@router.get("")
async def list_lessons() -> list[LessonSummary]:
    """Every lesson in the course's order: id, title, concept and the ids of its variants."""
    return [summarize(lesson) for lesson in load_lessons().values()]


@router.get("/{lesson_id}")
async def read_lesson(lesson_id: str) -> Lesson:
    """The whole lesson: its texts in every language, its exact config, the steps that show its
    point, and its variants (each a few changes to the config)."""
    return get_lesson(lesson_id)


@router.get("/{lesson_id}/config")
async def lesson_config(lesson_id: str, variant: str | None = None) -> SessionConfig:
    """The exact config of the lesson, or of one of its variants (its changes merged in by the
    server): what the page sends to its own session, or to a room's, to open the lesson."""
    return get_lesson(lesson_id).config_of(variant)


@router.post("/{lesson_id}/session", status_code=201)
async def start_lesson(lesson_id: str, registry: RegistryDep, limits: LimitsDep, address: AddressDep,
                       response: Response, body: LessonSessionRequest | None = None) -> CreatedSession:
    """A new session running the lesson's exact config, or a variant's (`{"variant": id}`),
    paused at step 0: train it for the lesson's `steps` to see its point. Answers like
    `POST /api/sessions`, with the steering token."""
    config = get_lesson(lesson_id).config_of(body.variant if body else None)
    created = start_session(registry, limits, address, config)
    response.headers[SESSION_HEADER] = created.id
    return created
