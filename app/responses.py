"""A session read out as JSON bodies: its summary, its whole state, one inspection.

Reading never changes a session: metrics are computed (and cached for the state) but the loss
history is recorded only by training.
"""

import dataclasses
from typing import Any

import numpy as np

from app.bodies import BatchState, LayerState, SessionMetrics, SessionState, SessionSummary
from app.engine.inspector import explain_neuron, explain_weight
from app.engine.network import tolerates_divergence
from app.engine.trainer import TracedBatch
from app.errors import Refused
from app.protocol import HistoryRow, Inspection, NeuronTarget, WeightTarget
from app.sessions import Session

Array = np.ndarray


def finite(values: Array | float) -> Any:
    """JSON has no NaN or infinity: a diverged number becomes null (nested lists for arrays)."""
    arr = np.asarray(values, dtype=float)
    return np.where(np.isfinite(arr), arr, np.full(arr.shape, None, dtype=object)).tolist()


def history_rows(session: Session, start: int = 0, after_step: int = -1) -> list[HistoryRow]:
    return [(step, finite(train), finite(test))
            for step, train, test in session.trainer.history.rows[start:] if step > after_step]


def summary(session: Session, after_step: int = -1) -> SessionSummary:
    """``after_step``: only the history rows recorded after that update (a train call answers
    with the rows it added, not the whole curve again)."""
    trainer = session.trainer
    return SessionSummary(
        id=session.id,
        config=session.config,
        status=session.status,
        step=trainer.step_count,
        epoch=trainer.epoch,
        metrics=SessionMetrics(**{name: finite(value) for name, value in
                                  dataclasses.asdict(session.metrics()).items()}),
        history=history_rows(session, after_step=after_step),
    )


def state(session: Session) -> SessionState:
    batch = session.shown_batch()
    layers = [
        LayerState(activation=layer.activation.name,
                   W=finite(layer.W), b=finite(layer.b[:, 0]),
                   z=finite(trace.z), a=finite(trace.a), delta=finite(grad.delta),
                   dW=finite(grad.dW), db=finite(grad.db[:, 0]))
        for layer, trace, grad in zip(session.trainer.network.layers, batch.traces,
                                      batch.grads.layers)
    ]
    shown = BatchState(indices=batch.indices.tolist(), x=finite(batch.x), y=finite(batch.y),
                       loss=finite(batch.loss))
    return SessionState(**summary(session).model_dump(), layers=layers, batch=shown)


@tolerates_divergence
def inspection(
    session: Session, target: NeuronTarget | WeightTarget, batch: TracedBatch, example: int,
    sample: int | None,
) -> Inspection:
    """The engine's own numbers behind one neuron or weight, for column ``example`` of
    ``batch``; a weight's update is the one the next Step applies (the walkthrough's, or the
    optimizer's on the next mini-batch)."""
    trainer, walk = session.trainer, session.walk
    net = trainer.network
    try:
        if isinstance(target, NeuronTarget):
            detail: Any = explain_neuron(net, batch, trainer.loss, target.layer, target.index,
                                         example)
        else:
            update = session.shown_batch()
            after = (trainer.optimizer.preview(net.params, update.grads.flat)
                     if walk is None else walk.params_after)
            detail = explain_weight(net, batch, after, target.layer, target.index, target.source,
                                    example, trainer.optimizer, trainer.regularizer, update)
    except IndexError as e:
        raise Refused("no_such_target", str(e), field="target") from e
    return Inspection(sample=sample, example=example, indices=batch.indices.tolist(),
                      loss=finite(batch.loss), loss_name=trainer.loss.name,
                      detail=detail)
