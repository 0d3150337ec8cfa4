"""Deployment settings, read from the environment once, when the app is created."""

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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """BPP_MAX_HIDDEN_LAYERS=8 and the like override the limits; BPP_CSP=0 turns CSP off."""
        overrides = {
            name: environ[PREFIX + name.upper()]
            for name in Limits.model_fields
            if PREFIX + name.upper() in environ
        }
        return cls(
            limits=Limits.model_validate(overrides),
            content_security_policy=environ.get(PREFIX + "CSP", "1") not in ("0", "false"),
        )
