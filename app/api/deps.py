"""Dependencies shared by the routes: the registry, the limits, and a session from its id."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from app.schemas import Limits
from app.sessions import Session, SessionRegistry


async def get_registry(request: Request) -> SessionRegistry:
    return request.app.state.registry


async def get_limits(request: Request) -> Limits:
    return request.app.state.settings.limits


RegistryDep = Annotated[SessionRegistry, Depends(get_registry)]
LimitsDep = Annotated[Limits, Depends(get_limits)]


async def get_session(session_id: str, registry: RegistryDep) -> Session:
    session = registry.get(session_id)
    if session is None:
        raise HTTPException(404, f"no session {session_id!r}; it may have expired")
    return session


SessionDep = Annotated[Session, Depends(get_session)]
