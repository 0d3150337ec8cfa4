"""Refusals: one shape for REST bodies and WebSocket messages, with a stable code for each.

A refusal says what was refused (``code``, for programs and for the page's translations), why
(``message``, in English for people reading logs and raw API answers) and, per field, where;
``params`` carries the numbers a translation fills in. Nothing a client sent is echoed back:
a refused value could be huge, or not even valid JSON (NaN).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from app.models import WireModel

Param = str | int | float


class FieldError(WireModel):
    field: str = Field(description="Dotted path of the refused part, e.g. network.hidden_layers.0")
    code: str = Field(description="Stable code: a pydantic error type, or one of the server's")
    message: str
    params: dict[str, Param] = Field(default_factory=dict)


class Refusal(WireModel):
    code: str = Field(description="Stable code of the refusal as a whole")
    message: str
    params: dict[str, Param] = Field(default_factory=dict)
    errors: list[FieldError] = Field(default_factory=list)


class Refused(Exception):
    """A request that is well-formed but does not fit the server or the session as it is now.
    ``status`` is the HTTP status REST answers with."""

    def __init__(self, code: str, message: str, *, field: str | None = None,
                 params: dict[str, Param] | None = None, status: int = 422,
                 errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.params = code, message, status, params or {}
        self.errors = errors if errors is not None else (
            [] if field is None else
            [FieldError(field=field, code=code, message=message, params=params or {})])

    def refusal(self) -> Refusal:
        return Refusal(code=self.code, message=self.message, params=self.params,
                       errors=self.errors)


# Field errors listed in one refusal: a long list of bad numbers (a model file's) would
# otherwise be answered with an error per number, a reply many times the size of the request.
MAX_FIELD_ERRORS = 20


def invalid(errors: Sequence[Mapping[str, Any]], skip: int = 0) -> Refusal:
    """pydantic's validation errors as a refusal, the first MAX_FIELD_ERRORS of them (params
    say how many there were); ``skip`` drops leading location parts (FastAPI's "body", a tagged
    union's tag) that are not the client's field names."""
    shown = errors[:MAX_FIELD_ERRORS]
    return Refusal(code="invalid", message="invalid request",
                   params={} if len(shown) == len(errors) else {"errors": len(errors)}, errors=[
        FieldError(field=".".join(str(part) for part in e["loc"][skip:] or e["loc"]),
                   code=e["type"], message=e["msg"], params=_params(e.get("ctx")))
        for e in shown])


def _params(context: Mapping[str, Any] | None) -> dict[str, Param]:
    """The numbers and words of a pydantic error's context (its ge, le, expected …)."""
    return {key: value if isinstance(value, (int, float)) and not isinstance(value, bool)
            else str(value) for key, value in (context or {}).items()}
