"""Deployment settings, read from the environment once, when the app is created."""

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.config import Limits

PREFIX = "BPP_"


@dataclass(frozen=True)
class Settings:
    limits: Limits = field(default_factory=lambda: Limits())
    # Off only for debugging: every page works under this policy (no inline script or style).
    content_security_policy: bool = True
    # The request header a trusted reverse proxy puts the client's address in (e.g.
    # X-Forwarded-For; its last entry, the one the proxy added). None: the socket's peer address.
    # Only set it behind such a proxy: otherwise any client could claim any address.
    trusted_proxy_header: str | None = None
    # Origins (scheme://host[:port]) whose pages may open the WebSocket; empty: only pages of
    # the host the socket was opened on.
    allowed_origins: tuple[str, ...] = ()
    # Worker mode (app/cluster/): this process is one of several behind a proxy, sharing a
    # session directory, checkpoints and room fan-out through Redis. Both unset: one process,
    # everything in memory.
    redis_url: str | None = None
    worker_id: str | None = None
    # How often a worker saves the sessions that changed since their last checkpoint.
    checkpoint_seconds: float = 3.0

    def __post_init__(self) -> None:
        if not 0 < self.checkpoint_seconds < math.inf:
            raise ValueError(f"{PREFIX}CHECKPOINT_SECONDS must be a number of seconds above 0, "
                             f"not {self.checkpoint_seconds!r}")

    @property
    def clustered(self) -> bool:
        return self.redis_url is not None and self.worker_id is not None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """BPP_MAX_HIDDEN_LAYERS=8 and the like override the limits; BPP_CSP=0 turns CSP off;
        BPP_TRUSTED_PROXY_HEADER=X-Forwarded-For reads client addresses from that header;
        BPP_ALLOWED_ORIGINS=https://a.example,https://b.example lets those pages open sockets;
        BPP_REDIS_URL with BPP_WORKER_ID makes this process a worker of a cluster."""
        overrides = {
            name: environ[PREFIX + name.upper()]
            for name in Limits.model_fields
            if PREFIX + name.upper() in environ
        }
        return cls(
            limits=Limits.model_validate(overrides),
            content_security_policy=environ.get(PREFIX + "CSP", "1") not in ("0", "false"),
            trusted_proxy_header=environ.get(PREFIX + "TRUSTED_PROXY_HEADER") or None,
            redis_url=environ.get(PREFIX + "REDIS_URL") or None,
            worker_id=environ.get(PREFIX + "WORKER_ID") or None,
            checkpoint_seconds=seconds(environ, PREFIX + "CHECKPOINT_SECONDS", 3.0),
            allowed_origins=tuple(origin.strip().rstrip("/") for origin in
                                  environ.get(PREFIX + "ALLOWED_ORIGINS", "").split(",")
                                  if origin.strip()),
        )


def seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    text = environ.get(name)
    if text is None:
        return default
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds above 0, not {text!r}") from None
