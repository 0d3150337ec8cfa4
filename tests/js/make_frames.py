"""Frames made by the server's own encoder, for the page's decoder test (protocol.test.js).

Prints JSON {"cases": [{"name", "layout", "frame_base64", "expected"}]}: each case is a session
in some state, its layout message, one encoded frame, and what the encoder was given (the
header by field name, the flags, a few arrays by "name/layer", the grid's and the maps' sizes)
so that decoding can be checked against the values, not against another decoder.
"""

import base64
import json
import math
import sys

import numpy as np

from app.codec import encode
from app.config import SessionConfig
from app.frames import frame, layout_message, output_maps, result_shapes
from app.protocol import frame_fields
from app.sessions import Session

GRID, MAPS = 8, 4


def number(x: float) -> float | str | None:
    """JSON has no NaN or infinity: they travel as strings the test turns back."""
    x = float(x)
    return x if math.isfinite(x) else str(x)


def case(name: str, session: Session, with_maps: bool = True, with_grid: bool = True) -> dict:
    layout = layout_message(session, GRID, MAPS)
    value = frame(session, MAPS, with_maps, output_maps(session, GRID) if with_grid else None)
    fields = frame_fields(list(session.trainer.network.sizes), result_shapes(session.data))
    data = encode(value, fields)
    counts = [int(np.prod(f.shape)) for f in fields]  # the arrays one after another, as given
    parts = np.split(value.numbers, np.cumsum(counts)[:-1])
    arrays = {f"{f.name}/{f.layer}": [number(v) for v in part] for f, part in zip(fields, parts)}
    return {
        "name": name,
        "layout": json.loads(layout.model_dump_json()),
        "frame_base64": base64.b64encode(data).decode(),
        "expected": {
            "header": {k: number(np.float32(v)) if isinstance(v, float) else v
                       for k, v in value.header.items()},
            "flags": value.flags,
            "diverged": value.diverged,
            "arrays": arrays,
            "grid_bytes": None if value.grid is None else len(value.grid),
            "grid_head": None if value.grid is None else list(value.grid[:8]),
            "maps_bytes": None if value.maps is None else len(value.maps),
            "maps_head": None if value.maps is None else list(value.maps[:8]),
        },
    }


def session(config: dict | None = None, steps: int = 0) -> Session:
    s = Session("s", SessionConfig.model_validate(config or {}), 0.0)
    if steps:
        s.train(steps)
    return s


def cases() -> list[dict]:
    circle = session(steps=7)
    blobs = session({"data": {"dataset": "blobs", "classes": 3},
                     "network": {"output_activation": "softmax",
                                 "loss": "categorical_cross_entropy"}}, steps=3)
    walking = session(steps=2)
    walking.pick(5)
    walking.walk_to("start")
    for _ in range(4):
        walking.walk_to("next")  # the loss stage of a 3-layer network
    going = session(steps=1)
    going.pick(None, 2)  # the third example of the next mini-batch
    diverged = session({"training": {"learning_rate": 100}, "network": {"output_activation": "linear",
                                                                        "loss": "mse"}})
    for _ in range(50):
        diverged.train(20)
        if diverged.diverged:
            break
    return [case("circle 2-4-2-1", circle), case("circle without maps", circle, with_maps=False),
            case("circle without the output map", circle, with_grid=False),
            case("circle with neither map", circle, with_maps=False, with_grid=False),
            case("blobs, three classes", blobs), case("a picked example, stepping", walking),
            case("going through the batch", going), case("diverged", diverged)]


if __name__ == "__main__":
    json.dump({"cases": cases()}, sys.stdout)
