"""Lessons: curated runs that each show one idea of backprop, kept as data (one JSON file each
beside this module) so that a teacher can add one without touching code.

A lesson is an exact config with its seed, so the same run unfolds every time, and how many
steps to train to see its point. A lesson that is a comparison (with and without a hidden layer,
three batch sizes) has variants: each changes a few settings of the lesson's config. Every file
is validated when it is loaded, configs, variants and limits included, so a broken file fails
at startup and in the tests, never in front of a class.
"""

import functools
import json
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from app.config import Limits, SessionConfig, limit_errors
from app.errors import Refused
from app.models import StrictModel

Language = Literal["en", "zh-Hans"]
LANGUAGES: tuple[Language, ...] = ("en", "zh-Hans")
LessonId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]


def _every_language(text: dict[Language, str]) -> dict[Language, str]:
    """A lesson is born in both languages: a missing one would fall back to nothing."""
    missing = [language for language in LANGUAGES if not text.get(language, "").strip()]
    if missing:
        raise ValueError(f"missing text in {', '.join(missing)}")
    return text


Localized = Annotated[dict[Language, str], AfterValidator(_every_language)]


class Variant(StrictModel):
    """The same lesson with a few settings changed, to compare with the lesson's own run."""

    id: LessonId
    label: Localized = Field(description="What this variant changes, in a few words")
    changes: dict[str, Any] = Field(description="Parts of the lesson's config that differ, "
                                    "nested like the config: {\"network\": {\"hidden_layers\": [8]}}")


class Lesson(StrictModel):
    id: LessonId
    title: Localized
    concept: Localized = Field(description="The idea it shows, in a few words")
    text: Localized = Field(description="Two or three sentences: what happens and why")
    look_at: Localized = Field(description="Where to look while it trains")
    config: SessionConfig = Field(description="The exact run, seeds included")
    steps: int = Field(ge=1, le=100_000, description="Training steps that show the point")
    variants: list[Variant] = Field(default_factory=list, max_length=5)

    @model_validator(mode="after")
    def _variants_are_configs(self) -> "Lesson":
        """Each variant's config is checked here, so a typo in a change fails at load."""
        ids = [variant.id for variant in self.variants]
        if len(set(ids)) != len(ids):
            raise ValueError("variant ids repeat")
        for variant in self.variants:
            self.config_of(variant.id)
        return self

    def config_of(self, variant: str | None = None) -> SessionConfig:
        """The lesson's config, or a variant's (its changes merged into it)."""
        if variant is None:
            return self.config
        for candidate in self.variants:
            if candidate.id == variant:
                merged = merge(self.config.model_dump(mode="json"), candidate.changes)
                return SessionConfig.model_validate(merged)
        raise Refused("no_such_variant", f"lesson {self.id} has no such variant; it has "
                      f"{', '.join(v.id for v in self.variants) or 'none'}", field="variant",
                      params={"lesson": self.id, "variants": ", ".join(v.id for v in self.variants)})


class LessonSummary(StrictModel):
    id: str
    title: Localized
    concept: Localized
    variants: list[str] = Field(description="Ids of the lesson's variants")


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` laid over it, nested dicts merged key by key."""
    merged = dict(base)
    for key, value in changes.items():
        inner = merged.get(key)
        merged[key] = merge(inner, value) if isinstance(value, dict) and isinstance(inner, dict) else value
    return merged


def parse_lesson(text: str, name: str) -> Lesson:
    """One file's lesson; its id must be its file name, so a lesson is found where it is named."""
    lesson = Lesson.model_validate(json.loads(text))
    if lesson.id != name:
        raise ValueError(f"lesson file {name}.json holds lesson {lesson.id!r}")
    return lesson


def check_limits(lesson: Lesson, limits: Limits) -> None:
    """Every run of the lesson fits the server's limits (the defaults at load)."""
    for variant in [None, *(v.id for v in lesson.variants)]:
        errors = limit_errors(lesson.config_of(variant), limits)
        if errors:
            raise ValueError(f"lesson {lesson.id} ({variant or 'itself'}): "
                             + "; ".join(f"{e.field}: {e.message}" for e in errors))


@functools.cache
def load_lessons() -> dict[str, Lesson]:
    """Every lesson, in the order of their files' names (numbered, so the order is the course's).
    Loaded once; a broken file raises here, at the first request and in the tests."""
    lessons: dict[str, Lesson] = {}
    files = sorted((f for f in resources.files(__package__).iterdir() if f.name.endswith(".json")),
                   key=lambda f: f.name)
    for file in files:
        order, _, name = file.name.removesuffix(".json").partition("-")
        if not order.isdigit():
            raise ValueError(f"lesson file {file.name} does not start with its number")
        lesson = parse_lesson(file.read_text(encoding="utf-8"), name)
        check_limits(lesson, Limits())
        lessons[lesson.id] = lesson
    return lessons


def get_lesson(lesson_id: str) -> Lesson:
    lesson = load_lessons().get(lesson_id)
    if lesson is None:
        raise Refused("lesson_not_found", "no such lesson; GET /api/lessons lists them", status=404)
    return lesson


def summarize(lesson: Lesson) -> LessonSummary:
    return LessonSummary(id=lesson.id, title=lesson.title, concept=lesson.concept,
                         variants=[variant.id for variant in lesson.variants])
