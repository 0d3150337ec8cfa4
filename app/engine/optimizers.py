"""Update rules that turn ∂C/∂θ into a step on the parameters.

Each rule is one pure function of the gradient and its own state, ``propose``, which returns the
update Δθ and the state after it. ``step`` applies both; ``preview`` applies Δθ to a copy and
drops the state, so what the UI shows as "the value after this step" is, by construction, what
the step then does. State (velocities, running averages) starts as 0 and becomes arrays shaped
like the parameters at the first step; call ``reset`` when the parameters are replaced.
"""

from abc import ABC, abstractmethod
from dataclasses import KW_ONLY, dataclass, field, fields
from typing import Any, ClassVar, Literal, get_args

import numpy as np

from app.engine.schedules import CONSTANT, Schedule

Array = np.ndarray
OptimizerName = Literal["sgd", "momentum", "nesterov", "rmsprop", "adam"]


@dataclass
class Optimizer(ABC):
    learning_rate: float = 0.03  # η0; the app changes it live
    _: KW_ONLY
    schedule: Schedule = CONSTANT
    steps_taken: int = field(default=0, init=False)
    state: Any = field(default=None, init=False, repr=False, compare=False)
    # How many arrays shaped like the parameters the state is made of, once it exists.
    STATE_ARRAYS: ClassVar[int] = 1

    @property
    def current_learning_rate(self) -> float:
        """η for the coming step, η0 decayed by the schedule."""
        return self.schedule.learning_rate(self.learning_rate, self.steps_taken)

    @abstractmethod
    def propose(self, grad: Array) -> tuple[Array, Any]:
        """(Δθ, next state) for this gradient, changing nothing."""

    def step(self, params: Array, grad: Array) -> None:
        """θ ← θ + Δθ in place, since the network's layers are views into params."""
        update, self.state = self.propose(grad)
        params += update
        self.steps_taken += 1

    def preview(self, params: Array, grad: Array) -> Array:
        return params + self.propose(grad)[0]

    def reset(self) -> None:
        self.state, self.steps_taken = None, 0

    def state_arrays(self) -> list[Array]:
        """The state as copies of its arrays, so that it can be saved and training continued
        elsewhere; none before the first step (or ever, for plain gradient descent)."""
        if self.state is None:
            return []
        return [np.array(a) for a in (self.state if isinstance(self.state, tuple) else (self.state,))]

    def load_state(self, arrays: list[Array], steps_taken: int) -> None:
        """Continue from saved state: ``arrays`` as ``state_arrays`` gave them (none: fresh)."""
        if arrays and len(arrays) != self.STATE_ARRAYS:
            raise ValueError(f"{type(self).__name__} keeps {self.STATE_ARRAYS} state arrays, not {len(arrays)}")
        copies = [np.array(a, dtype=float) for a in arrays]
        self.state = None if not copies else copies[0] if len(copies) == 1 else tuple(copies)
        self.steps_taken = steps_taken

    def _state_or(self, initial: Any) -> Any:
        """The state so far, or what stands in for it before the first step."""
        return initial if self.state is None else self.state


@dataclass
class GradientDescent(Optimizer):
    """θ ← θ − η ∂C/∂θ; with the batch size chosen by the trainer this is full-batch, mini-batch
    or stochastic gradient descent."""

    STATE_ARRAYS: ClassVar[int] = 0

    def propose(self, grad: Array) -> tuple[Array, None]:
        return -self.current_learning_rate * grad, None


@dataclass
class Momentum(Optimizer):
    """v ← βv − η∇C, θ ← θ + v: a ball rolling downhill, whose speed builds up along a valley
    where the gradient keeps its sign and cancels across it where the sign flips."""

    beta: float = 0.9

    def propose(self, grad: Array) -> tuple[Array, Array]:
        velocity = self.beta * self._state_or(0.0) - self.current_learning_rate * grad
        return velocity, velocity


@dataclass
class Nesterov(Optimizer):
    """Momentum that takes the gradient where the velocity is about to carry θ, so it brakes
    before overshooting. Rewritten (Sutskever et al. 2013) so that the gradient is the one at
    the current θ, the one backprop just computed: v ← βv − η∇C, θ ← θ + βv − η∇C."""

    beta: float = 0.9

    def propose(self, grad: Array) -> tuple[Array, Array]:
        step = self.current_learning_rate * grad
        velocity = self.beta * self._state_or(0.0) - step
        return self.beta * velocity - step, velocity


@dataclass
class RMSProp(Optimizer):
    """s ← ρs + (1 − ρ)(∇C)², θ ← θ − η∇C / (√s + ε): each parameter's step is divided by its
    own recent gradient size, so steep and flat directions advance at similar speeds."""

    learning_rate: float = 0.001
    rho: float = 0.9
    eps: float = 1e-8

    def propose(self, grad: Array) -> tuple[Array, Array]:
        mean_square = self.rho * self._state_or(0.0) + (1.0 - self.rho) * grad**2
        return -self.current_learning_rate * grad / (np.sqrt(mean_square) + self.eps), mean_square


@dataclass
class Adam(Optimizer):
    """Momentum's running mean m of ∇C over RMSProp's running mean v of (∇C)²; both start at 0,
    so they are divided by 1 − β^t to undo that pull towards 0 in the first steps."""

    STATE_ARRAYS: ClassVar[int] = 2

    learning_rate: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def propose(self, grad: Array) -> tuple[Array, tuple[Array, Array]]:
        m, v = self._state_or((0.0, 0.0))
        m = self.beta1 * m + (1.0 - self.beta1) * grad
        v = self.beta2 * v + (1.0 - self.beta2) * grad**2
        t = self.steps_taken + 1
        m_hat, v_hat = m / (1.0 - self.beta1**t), v / (1.0 - self.beta2**t)
        return -self.current_learning_rate * m_hat / (np.sqrt(v_hat) + self.eps), (m, v)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": GradientDescent,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "rmsprop": RMSProp,
    "adam": Adam,
}
assert set(OPTIMIZERS) == set(get_args(OptimizerName))


def make_optimizer(name: str, **settings: Any) -> Optimizer:
    """The named optimizer; ``settings`` are its fields (learning_rate, beta, ..., schedule)."""
    return OPTIMIZERS[name](**settings)


def hyperparameters(name: str) -> dict[str, float]:
    """The named optimizer's numeric settings and their defaults, for building controls."""
    return {f.name: float(f.default) for f in fields(OPTIMIZERS[name])  # type: ignore[arg-type]
            if f.init and f.type is float}
