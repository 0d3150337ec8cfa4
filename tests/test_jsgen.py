"""static/js/wire.js is generated from app/protocol.py; a stale copy fails here."""

from app.jsgen import TARGET, main, render
from app.protocol import HEADER, ClientMessage, ServerMessage


def test_the_generated_module_is_fresh():
    assert main(["--check"]) == 0, "run: python -m app.jsgen"


def test_it_states_the_header_and_a_typedef_of_every_message():
    text = TARGET.read_text(encoding="utf-8")
    assert text == render()
    assert f"export const HEADER_BYTES = {HEADER.size};" in text
    assert '{"name": "penalty", "type": "f32", "offset": 44}' in text
    for union in (ClientMessage, ServerMessage):
        for model in union.__origin__.__args__:  # type: ignore[attr-defined]
            assert f"@typedef {{object}} {model.__name__}\n" in text
    assert "@typedef {object} PageSetup" in text
