"""Frames to bytes: a pure codec over a value object, following app/protocol.py's description.

Knows nothing of sessions: whatever builds a ``Frame`` (app/frames.py) decides what is shown,
this module only lays it out, so the layout can be tested on hand-made values.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from app.engine.network import tolerates_divergence
from app.protocol import FLAGS, HEADER, HEADER_FIELDS, FieldSpec, fields_end

Array = np.ndarray


@dataclass(frozen=True)
class Frame:
    """One state to draw. ``header`` has a value for every protocol header field but flags;
    ``numbers`` every field's array, laid out in float32 (``lay_out``); ``grid`` and ``maps``
    are already uint8 bytes (None when this frame does not carry them)."""

    header: dict[str, float]
    numbers: Array
    grid: bytes | None = None
    maps: bytes | None = None
    diverged: bool = False
    flags: int = field(init=False)

    def __post_init__(self) -> None:
        flags = ((FLAGS["diverged"] if self.diverged else 0)
                 | (FLAGS["maps"] if self.maps is not None else 0)
                 | (FLAGS["grid"] if self.grid is not None else 0))
        object.__setattr__(self, "flags", flags)


# A uint32 update count lasts days at full speed; past that it stays at its largest value.
U32_MAX = 2**32 - 1


def encode(frame: Frame, fields: list[FieldSpec]) -> bytes:
    """Header, float32 arrays at the fields' offsets, then the output map and the neuron maps
    where the frame carries them."""
    if HEADER.size + 4 * frame.numbers.size != fields_end(fields):
        raise ValueError(f"{frame.numbers.size} numbers for fields ending at {fields_end(fields)}")
    return _header(frame) + frame.numbers.tobytes() + (frame.grid or b"") + (frame.maps or b"")


def lay_out(arrays: dict[tuple[str, int], Array], fields: list[FieldSpec]) -> Array:
    """One array per (name, layer) of the fields, in their order as float32."""
    return float32([_checked(arrays[(spec.name, spec.layer)], spec) for spec in fields])


_REALS = [f.name for f in HEADER_FIELDS if f.type == "f32"]


def _header(frame: Frame) -> bytes:
    """struct refuses a float beyond float32's range: a diverged loss is made ±inf first."""
    values = {**frame.header, "flags": frame.flags}
    values["step"] = min(int(values["step"]), U32_MAX)
    reals = float32([np.array([values[name] for name in _REALS], dtype=float)]).tolist()
    values.update(zip(_REALS, reals))
    return HEADER.pack(*(values[f.name] if f.type == "f32" else int(values[f.name])
                         for f in HEADER_FIELDS))


def _checked(array: Array, spec: FieldSpec) -> Array:
    if array.size != math.prod(spec.shape):
        raise ValueError(f"{spec.name} of layer {spec.layer}: {array.shape}, not {spec.shape}")
    return array


@tolerates_divergence
def float32(arrays: list[Array]) -> Array:
    """Diverged values may overflow float32 on the way; they arrive as ±inf, drawn as invalid."""
    if not arrays:
        return np.empty(0, "<f4")
    return np.concatenate([np.asarray(a).ravel() for a in arrays]).astype("<f4")


def unit_bytes(unit: Array) -> bytes:
    """Values in [0, 1] as uint8; NaN in the middle."""
    clipped = np.clip(unit, 0.0, 1.0)
    if np.isnan(clipped).any():  # only once diverged: the common case skips the copy
        clipped = np.nan_to_num(clipped, nan=0.5)
    return (clipped * 255.0 + 0.5).astype(np.uint8).tobytes()


def tone_bytes(tones: Array) -> bytes:
    """Values in [-1, 1] as uint8 around 128, the neutral middle of a neuron map."""
    return (tones * 127.5 + 128.0).clip(0, 255).astype(np.uint8).tobytes()
