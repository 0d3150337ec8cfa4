"""Learning-rate decay: the rate η_t of step t, from the base rate η0 the user sets.

A constant η leaves mini-batch gradient descent bouncing around a minimum as far as the noise of
its batches throws it; shrinking η over time lets it settle. The decay is a function of the step
count rather than of the epoch because the batch size can change in the middle of a run (an
epoch would then suddenly mean more or fewer updates) and because the count is what the
optimizer itself sees; it multiplies η0 rather than replacing it, so that a learning rate
changed live keeps its decay.
"""

from dataclasses import dataclass
from typing import Literal, get_args

ScheduleName = Literal["none", "exponential", "inverse_time", "step"]


@dataclass(frozen=True)
class Schedule:
    name: ScheduleName = "none"
    rate: float = 0.5  # r: how much η shrinks per ``every`` steps
    every: int = 1000  # k: steps per unit of decay

    def __post_init__(self) -> None:
        if self.name not in get_args(ScheduleName):
            raise ValueError(f"unknown schedule {self.name!r}")
        if self.every < 1:
            raise ValueError("a schedule decays every one step or more")

    def learning_rate(self, base: float, step: int) -> float:
        """η_t for step t = 0, 1, 2, ...:
        exponential η0·r^(t/k), inverse time η0 / (1 + r·t/k), step η0·r^⌊t/k⌋."""
        periods = step / self.every
        if self.name == "exponential":
            return base * self.rate**periods
        if self.name == "inverse_time":
            return base / (1.0 + self.rate * periods)
        if self.name == "step":
            return base * self.rate ** (step // self.every)
        return base


CONSTANT = Schedule()
