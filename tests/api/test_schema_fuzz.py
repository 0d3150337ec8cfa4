"""Property-based requests over the app's own OpenAPI schema (schemathesis): whatever a client
sends, the answer is never a 5xx, and its status, content type and body are the ones the schema
declares. Session routes get a live session's id, so they reach the session code rather than
stopping at 404."""

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Limits, SessionConfig
from app.main import create_app
from app.sessions import Session
from app.settings import Settings

# Small limits keep each case cheap (a train call of at most 50 steps on at most 200 samples);
# the bounds are what is fuzzed, not their size. max_examples bounds the whole run.
FUZZ_LIMITS = Limits(max_samples=200, max_steps_per_request=50, max_hidden_layers=2,
                     max_neurons_per_layer=8, max_predict_points=100, grid_size=8)
EXAMPLES_PER_OPERATION = 60
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


# Built at import: schemathesis parametrizes the test from the schema when pytest collects it
# (its fixture loader does not work with this pytest).
FUZZED_APP = create_app(Settings(limits=FUZZ_LIMITS))
schema = schemathesis.openapi.from_asgi("/openapi.json", FUZZED_APP)


def live_session(app: FastAPI) -> Session:
    """A session that exists now (a fuzzed DELETE may have ended the last one)."""
    registry = app.state.registry
    return next(iter(registry.sessions.values()), None) or registry.create(SessionConfig())


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case: schemathesis.Case) -> None:
    if case.path_parameters and "session_id" in case.path_parameters:
        session = live_session(FUZZED_APP)
        case.path_parameters["session_id"] = session.id
        # Steering routes reach the session's code, not only the token check.
        case.headers = {**(case.headers or {}), "X-Session-Token": session.token}
    response = case.call()
    case.validate_response(response, checks=CHECKS)
