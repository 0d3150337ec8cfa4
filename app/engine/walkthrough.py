"""One training update taken apart into the stages a lecture goes through.

Stage 0 shows the input; stages 1..L compute layer l's z and a; stage L + 1 the loss; stages
L + 2 .. 2L + 1 the δ of layers L down to 1 with their gradients; stage 2L + 2 the update.
Everything is computed at the start (one forward and backward pass, and the optimizer's
preview of the update), so moving back and forth only reveals more or less of it; the update
itself is applied when the learner moves past the last stage.
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np

from app.engine.network import tolerates_divergence
from app.engine.trainer import TracedBatch, Trainer

Array = np.ndarray
Phase = Literal["input", "forward", "loss", "backward", "update"]


@dataclass(frozen=True)
class Stage:
    """What one stage computes (``phase``, in ``layer``) and what is known once it is shown:
    z and a of layers 0..forward, δ of layers backward..L (L + 1: none yet), and the loss."""

    phase: Phase
    layer: int | None
    forward: int
    backward: int
    loss: bool


def stages(depth: int) -> list[Stage]:
    """The 2L + 3 stages of one update of a network of ``depth`` layers, in order."""
    phases: list[tuple[Phase, int | None]] = [
        ("input", 0), *(("forward", l) for l in range(1, depth + 1)), ("loss", None),
        *(("backward", l) for l in range(depth, 0, -1)), ("update", None)]
    return [Stage(phase, layer, forward=min(s, depth), backward=max(2 * depth + 2 - s, 1)
                  if s > depth + 1 else depth + 1, loss=s > depth)
            for s, (phase, layer) in enumerate(phases)]


@dataclass
class Walkthrough:
    batch: TracedBatch  # traced at the parameters before the update
    params_after: Array  # what the update will make of the parameters
    upcoming: bool  # the step's examples are the trainer's next batch, not a hand-picked one
    depth: int
    stage: int = 0

    @classmethod
    @tolerates_divergence
    def begin(cls, trainer: Trainer, sample: int | None) -> "Walkthrough":
        """On the picked training example if there is one, else on the next mini-batch."""
        indices = trainer.upcoming_indices() if sample is None else np.array([sample])
        batch = trainer.trace(indices)
        after = trainer.optimizer.preview(trainer.network.params, batch.grads.flat)
        return cls(batch, after, sample is None, trainer.network.depth)

    @property
    def stage_count(self) -> int:
        return 2 * self.depth + 3

    @property
    def current(self) -> Stage:
        """What the current stage computes, and what is known by then."""
        return stages(self.depth)[self.stage]

    def back(self) -> None:
        self.stage = max(0, self.stage - 1)

    def forward(self, trainer: Trainer) -> "Walkthrough":
        """The next stage; past the update, the update is applied and the next step begins."""
        if self.stage + 1 < self.stage_count:
            self.stage += 1
            return self
        trainer.apply(self.batch, upcoming=self.upcoming)
        sample = None if self.upcoming else int(self.batch.indices[0])
        return Walkthrough.begin(trainer, sample)
