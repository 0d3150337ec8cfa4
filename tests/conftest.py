import contextlib
import warnings
from collections.abc import Callable, Iterator

import pytest

from app.__main__ import pin_blas

pin_blas()  # as the server does, before NumPy is first imported

from app.config import Limits  # noqa: E402
from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402

with warnings.catch_warnings():
    # Starlette 1.x asks for the httpx2 fork; the test extra installs httpx, which still works.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

# Fast frames and a small boundary map keep the WebSocket tests quick; the rest are defaults.
LIMITS = Limits(max_frame_rate=120, grid_size=10)


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    """Clients of fresh apps; ``make_client(max_sessions=2)`` overrides single limits.

    Each client is entered as a context manager, so REST calls and WebSockets share one event
    loop, as they do under uvicorn.
    """
    with contextlib.ExitStack() as stack:

        def make(**limits: object) -> TestClient:
            settings = Settings(limits=Limits.model_validate({**LIMITS.model_dump(), **limits}))
            return stack.enter_context(TestClient(create_app(settings)))

        yield make


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()
