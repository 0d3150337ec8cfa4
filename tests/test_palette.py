"""The diverging palette (static/js/colors.js) stays two colours under simulated red–green colour
blindness (Machado et al. 2009, severity 1), and the sign is also drawn as a dash."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COLORS = (ROOT / "static" / "js" / "colors.js").read_text(encoding="utf-8")
# Machado, Oliveira and Fernandes (2009), applied to linear RGB.
SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
}


def constant(name: str) -> list[int]:
    return [int(v) for v in re.search(rf"const {name} = \[(\d+), (\d+), (\d+)\]", COLORS).groups()]


def linear(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def simulated(rgb: list[int], matrix: list[list[float]]) -> list[float]:
    lin = [linear(c) for c in rgb]
    return [min(1.0, max(0.0, sum(m * c for m, c in zip(row, lin, strict=True)))) for row in matrix]


@pytest.mark.parametrize("vision", ["normal", *SIMULATIONS])
def test_negative_and_positive_stay_apart(vision):
    negative, positive = constant("NEGATIVE"), constant("POSITIVE")
    if vision == "normal":
        a, b = [linear(c) for c in negative], [linear(c) for c in positive]
    else:
        a, b = simulated(negative, SIMULATIONS[vision]), simulated(positive, SIMULATIONS[vision])
    # Orange and blue differ in the blue channel that red–green colour blindness keeps.
    assert abs(a[2] - b[2]) > 0.3, (vision, a, b)


def test_negative_weights_are_dashed_as_well():
    diagram = (ROOT / "static" / "js" / "views" / "diagram.js").read_text(encoding="utf-8")
    css = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert "classList.toggle('negative'" in diagram
    assert re.search(r"\.edge\.negative \{ stroke-dasharray", css)
