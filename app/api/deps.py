"""Dependencies shared by the routes: the registry, the limits, and a session from its id."""

from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from app.config import Limits
from app.errors import Refused
from app.sessions import Session, SessionRegistry


def client_address(connection: HTTPConnection) -> str:
    """Whom the work a request or socket causes is charged to (app/scheduler.py)."""
    return connection.client.host if connection.client else "unknown"


async def get_registry(request: Request) -> SessionRegistry:
    return request.app.state.registry


async def get_limits(request: Request) -> Limits:
    return request.app.state.settings.limits


RegistryDep = Annotated[SessionRegistry, Depends(get_registry)]
LimitsDep = Annotated[Limits, Depends(get_limits)]


async def get_session(session_id: str, registry: RegistryDep) -> Session:
    session = registry.get(session_id)
    if session is None:
        raise Refused("session_not_found", f"no session {session_id!r}; it may have expired",
                      status=404)
    return session


SessionDep = Annotated[Session, Depends(get_session)]
