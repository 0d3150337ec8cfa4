"""Every REST error in one shape, the same as the WebSocket's (app/errors.py): FastAPI's own
validation errors and HTTP errors are answered as refusals too, so a client reads one shape."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from app.api.limits import BodyTooLarge
from app.errors import Refusal, Refused, invalid

HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def answer(request: Request, status: int, refusal: Refusal) -> Response:
    """The refusal as JSON, counted by code for /metrics."""
    request.app.state.metrics.refused(refusal.code)
    return body(status, refusal)


def body(status: int, refusal: Refusal) -> Response:
    """Serialized by pydantic, which writes a non-finite number as null: JSONResponse would fail
    on one (a NaN that reached a refusal's params) and turn a 422 into a 500."""
    return Response(refusal.model_dump_json(), status_code=status, media_type="application/json")


async def refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, Refused)
    return answer(request, error.status, error.refusal())


async def invalid_request(request: Request, error: Exception) -> Response:
    """pydantic's errors without the location kind ("body", "query") in front of the field."""
    assert isinstance(error, RequestValidationError)
    return answer(request, 422, invalid(list(error.errors()), skip=1))


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    code = HTTP_CODES.get(error.status_code, "http_error")
    response = answer(request, error.status_code, Refusal(code=code, message=str(error.detail)))
    response.headers.update(error.headers or {})
    return response


async def body_too_large(request: Request, error: Exception) -> Response:
    assert isinstance(error, BodyTooLarge)
    return answer(request, 413, error.refusal())


def install(app: FastAPI) -> None:
    app.add_exception_handler(Refused, refused)
    app.add_exception_handler(BodyTooLarge, body_too_large)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
