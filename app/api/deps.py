"""Dependencies shared by the routes: the registry, the limits, the client's address and a
session from its id."""

from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from app.config import Limits
from app.errors import Refused
from app.sessions import Session, SessionRegistry
from app.settings import Settings


async def get_registry(request: Request) -> SessionRegistry:
    return request.app.state.registry


async def get_limits(request: Request) -> Limits:
    return request.app.state.settings.limits


def client_address(connection: HTTPConnection) -> str:
    """Who is asking: counted for per-address limits and charged for the work it causes
    (app/scheduler.py). The trusted proxy's header when one is set (its last entry: earlier
    ones are whatever the client sent), else the peer's address."""
    settings: Settings = connection.app.state.settings
    if settings.trusted_proxy_header:
        forwarded = connection.headers.get(settings.trusted_proxy_header, "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return connection.client.host if connection.client else "unknown"


async def get_address(request: Request) -> str:
    return client_address(request)


# Which worker holds a session: a proxy in front of several (deploy/haproxy.cfg) remembers it.
SESSION_HEADER = "X-Bpp-Session"

RegistryDep = Annotated[SessionRegistry, Depends(get_registry)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
AddressDep = Annotated[str, Depends(get_address)]


async def get_session(session_id: str, registry: RegistryDep, request: Request) -> Session:
    session = registry.get(session_id)
    cluster = request.app.state.cluster
    if session is None and cluster is not None:  # held by another worker, or saved by a dead one
        session = await cluster.find(session_id)
    if session is None:
        raise Refused("session_not_found", f"no session {session_id!r}; it may have expired",
                      status=404)
    return session


SessionDep = Annotated[Session, Depends(get_session)]


def request_token(request: Request) -> str | None:
    """The steering token from `Authorization: Bearer <token>` or `X-Session-Token`."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("x-session-token")


async def get_steered_session(session: SessionDep, request: Request) -> Session:
    """The session, for a route that changes it: only with its steering token."""
    if not SessionRegistry.steers(session, request_token(request)):
        raise Refused("read_only", "changing this session needs its steering token "
                      "(Authorization: Bearer <token> or X-Session-Token)", status=403)
    return session


SteerDep = Annotated[Session, Depends(get_steered_session)]
