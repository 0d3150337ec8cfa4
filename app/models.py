"""The two kinds of pydantic model here: what the server sends (every field always present, so
the page's generated types mark none optional) and what clients send (strict: unknown fields
are refused, so a typo in a config is an error rather than a silent no-op)."""

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class StrictModel(WireModel):
    model_config = ConfigDict(extra="forbid")
