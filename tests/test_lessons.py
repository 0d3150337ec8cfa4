"""The lessons (app/lessons/*.json): every file is valid in both languages, and each lesson, run
headless for its steps, shows the point its text makes."""

import json
import re
from collections.abc import Callable

import numpy as np
import pytest
from pydantic import ValidationError

from app.config import Limits
from app.engine.gradcheck import gradient_check
from app.errors import Refused
from app.lessons import Lesson, check_limits, get_lesson, load_lessons, parse_lesson
from app.sessions import Session

LESSONS = load_lessons()
CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"


def run(lesson_id: str, variant: str | None = None, steps: int | None = None) -> Session:
    """A session of the lesson (or its variant) after the lesson's steps."""
    lesson = LESSONS[lesson_id]
    session = Session("lesson", lesson.config_of(variant), 0.0)
    session.train(lesson.steps if steps is None else steps)
    return session


def whole_training_set(session: Session):
    return session.trainer.trace(np.arange(session.data.x_train.shape[1]))


def excess_variation(curve: np.ndarray) -> float:
    """Total variation beyond the net fall: 0 for a curve that only goes down."""
    return float(np.abs(np.diff(curve)).sum() - (curve[0] - curve[-1]))


def loss_curve(session: Session, steps: int) -> np.ndarray:
    """The training loss over the whole training set after every step."""
    curve = [session.trainer.evaluate().train_loss]
    for _ in range(steps):
        session.train(1)
        curve.append(session.trainer.evaluate().train_loss)
    return np.array(curve)


def one_neuron_line() -> None:
    session = run("one-neuron-line")
    assert session.trainer.network.depth == 1  # no hidden layer: one neuron, one line
    assert session.metrics().test_accuracy >= 0.95


def fit_a_line() -> None:
    start, session = run("fit-a-line", steps=0).metrics(), run("fit-a-line")
    slope, intercept = session.trainer.network.params
    assert slope == pytest.approx(0.12, abs=0.01) and intercept == pytest.approx(1.16, abs=0.05)
    assert session.metrics().train_loss < start.train_loss / 100


def chain_rule() -> None:
    """∂C/∂w¹ is the product of the chain's factors, on one example."""
    start, session = run("chain-rule", steps=0).metrics(), run("chain-rule")
    batch = session.trainer.trace(np.array([0]))
    hidden, output = batch.traces
    w2 = session.trainer.network.layers[1].W[0, 0]
    sigma_prime = session.trainer.network.layers[0].activation.df(hidden.z)[0, 0]
    delta2 = batch.grads.layers[1].delta[0, 0]
    assert delta2 == pytest.approx(output.a[0, 0] - batch.y[0, 0], rel=1e-12)
    chain = delta2 * w2 * sigma_prime * batch.x[0, 0]
    assert batch.grads.layers[0].dW[0, 0] == pytest.approx(chain, rel=1e-12)
    assert session.metrics().train_loss < start.train_loss / 20


def xor() -> None:
    assert run("xor").metrics().test_accuracy < 0.6
    assert run("xor", "hidden-layer").metrics().test_accuracy > 0.95


def learning_rate() -> None:
    start = run("learning-rate", steps=0).metrics().train_loss
    right, crawl = run("learning-rate").metrics().train_loss, run("learning-rate", "too-small").metrics().train_loss
    assert right < start / 1000
    assert right * 100 < crawl < start  # it moves, slowly
    assert run("learning-rate", "too-large").status == "diverged"


def vanishing_gradients() -> None:
    """Mean |δ| over the training set shrinks at least twofold at each layer down."""
    session = run("vanishing-gradients")
    deltas = [float(np.abs(g.delta).mean()) for g in whole_training_set(session).grads.layers]
    assert all(lower * 2 < upper for lower, upper in zip(deltas, deltas[1:])), deltas
    assert session.metrics().train_accuracy < 0.6


def dying_relu() -> None:
    """Neurons whose a is 0 on every training example, for good: more steps leave them so."""
    session = run("dying-relu")
    dead = [(trace.a == 0).all(axis=1) for trace in whole_training_set(session).traces[:-1]]
    assert dead[1].all() and sum(int(d.sum()) for d in dead) > 0
    before = session.trainer.network.layers[1].W.copy()
    session.train(100)
    assert np.array_equal(session.trainer.network.layers[1].W, before)
    assert session.metrics().train_accuracy < 0.6


def zero_init() -> None:
    """Rows of each hidden W equal (and trained away from 0): the neurons stay copies."""
    session = run("zero-init")
    for layer in session.trainer.network.layers[:-1]:
        assert np.abs(layer.W).max() > 0
        assert np.allclose(layer.W, layer.W[0], rtol=1e-12, atol=0), layer.W
        assert np.allclose(layer.b, layer.b[0], rtol=1e-12, atol=0)
    assert session.metrics().train_accuracy < 0.6  # four copies of one neuron: no circle


def mse_vs_cross_entropy() -> None:
    assert run("mse-vs-cross-entropy").metrics().train_accuracy > 0.9
    assert run("mse-vs-cross-entropy", "mse").metrics().train_accuracy < 0.7


def batch_size() -> None:
    """Full batch goes only down; mini-batches wobble; single examples wobble most."""
    steps = LESSONS["batch-size"].steps
    full, mini, sgd = (excess_variation(loss_curve(run("batch-size", variant, steps=0), steps))
                       for variant in ("full-batch", None, "sgd"))
    assert full < 1e-12 and full < mini < sgd / 3


def overfitting() -> None:
    """Without L2 a wide gap between test and training loss; L2 narrows it with smaller weights."""
    plain, l2 = run("overfitting"), run("overfitting", "l2")
    gap = [s.metrics().test_loss - s.metrics().train_loss for s in (plain, l2)]
    size = [sum(float((layer.W**2).sum()) for layer in s.trainer.network.layers) for s in (plain, l2)]
    assert plain.metrics().train_loss < 0.01 and gap[0] > 0.3
    assert gap[1] < gap[0] * 0.7 and size[1] < size[0] / 3


def softmax() -> None:
    session = run("softmax")
    assert session.metrics().test_accuracy > 0.95
    outputs = whole_training_set(session).traces[-1].a
    assert outputs.shape[0] == 4 and np.allclose(outputs.sum(axis=0), 1.0)


def gradient_check_passes() -> None:
    session = run("gradient-check")
    batch = session.shown_batch()
    trainer = session.trainer
    errors = gradient_check(trainer.network, batch.x, batch.y, trainer.loss, trainer.regularizer)
    assert len(errors) == 3 and max(errors) < 1e-6


POINTS: dict[str, Callable[[], None]] = {
    "one-neuron-line": one_neuron_line, "fit-a-line": fit_a_line, "chain-rule": chain_rule,
    "xor": xor, "learning-rate": learning_rate, "vanishing-gradients": vanishing_gradients,
    "dying-relu": dying_relu, "zero-init": zero_init, "mse-vs-cross-entropy": mse_vs_cross_entropy,
    "batch-size": batch_size, "overfitting": overfitting, "softmax": softmax,
    "gradient-check": gradient_check_passes,
}


def test_there_are_the_thirteen_lessons_of_the_issue_each_with_its_check():
    assert list(LESSONS) == list(POINTS)


@pytest.mark.parametrize("lesson_id", list(POINTS))
def test_each_lesson_shows_its_point(lesson_id):
    POINTS[lesson_id]()


def test_a_lesson_runs_the_same_every_time():
    first, second = run("xor", "hidden-layer", steps=200), run("xor", "hidden-layer", steps=200)
    assert np.array_equal(first.trainer.network.params, second.trainer.network.params)


@pytest.mark.parametrize("lesson", LESSONS.values(), ids=list(LESSONS))
def test_the_chinese_follows_clreq_and_the_glossary(lesson: Lesson):
    texts = [lesson.title, lesson.concept, lesson.text, lesson.look_at,
             *(variant.label for variant in lesson.variants)]
    for text in (t["zh-Hans"] for t in texts):
        assert not re.search(f"[{CJK}] | [{CJK}]", text), f"space beside Han: {text}"
        assert not re.search(f"[{CJK}][,:;!?]|[{CJK}]\\.$", text), f"half-width punctuation: {text}"
        assert re.search(f"[{CJK}]", text), f"not Chinese: {text}"
        for avoided in ["隐含层", "权值", "代价函数", "批次", "实例"]:
            assert avoided not in text


FILE = json.loads(next(iter(LESSONS.values())).model_dump_json())


def broken(**changes) -> str:
    return json.dumps({**FILE, **changes})


@pytest.mark.parametrize("body", [
    broken(title={"en": "only English"}),
    broken(config={**FILE["config"], "network": {"hidden_layers": [4], "activaton": "tanh"}}),
    broken(variants=[{"id": "typo", "label": {"en": "a", "zh-Hans": "乙"},
                      "changes": {"training": {"learning_rat": 1}}}]),
    broken(steps=0),
    broken(id="Not An Id"),
], ids=["a language missing", "a config typo", "a variant's typo", "no steps", "a bad id"])
def test_a_broken_lesson_file_fails_loudly(body):
    with pytest.raises(ValidationError):
        parse_lesson(body, FILE["id"])


def test_a_lesson_file_holds_the_lesson_it_is_named_after():
    with pytest.raises(ValueError, match="holds lesson"):
        parse_lesson(broken(), "another-name")


def test_a_lesson_over_the_limits_fails_loudly():
    lesson = parse_lesson(broken(config={**FILE["config"], "network": {"hidden_layers": [20]}}), FILE["id"])
    with pytest.raises(ValueError, match="at most 16 neurons per layer"):
        check_limits(lesson, Limits())


def test_an_unknown_lesson_or_variant_is_refused():
    with pytest.raises(Refused) as lesson:
        get_lesson("nope")
    with pytest.raises(Refused) as variant:
        LESSONS["xor"].config_of("nope")
    assert (lesson.value.code, lesson.value.status) == ("lesson_not_found", 404)
    assert (variant.value.code, variant.value.errors[0].field) == ("no_such_variant", "variant")


@pytest.fixture
def lesson_folder(tmp_path, monkeypatch):
    """The lessons read from a folder of the test's own; the real ones again afterwards."""
    import app.lessons

    monkeypatch.setattr(app.lessons.resources, "files", lambda package: tmp_path)
    load_lessons.cache_clear()
    yield tmp_path
    load_lessons.cache_clear()


def test_a_broken_lesson_file_stops_the_server_from_starting(lesson_folder):
    from app.main import create_app
    from app.settings import Settings

    (lesson_folder / "01-one-neuron-line.json").write_text(broken(title={"en": "only English"}),
                                                           encoding="utf-8")
    with pytest.raises(ValidationError, match="missing text in zh-Hans"):
        create_app(Settings())


def test_lesson_files_are_numbered_in_the_course_s_order(lesson_folder):
    (lesson_folder / "02-one-neuron-line.json").write_text(broken(), encoding="utf-8")
    assert list(load_lessons()) == ["one-neuron-line"]
    (lesson_folder / "one-neuron-line.json").write_text(broken(), encoding="utf-8")
    load_lessons.cache_clear()
    with pytest.raises(ValueError, match="does not start with its number"):
        load_lessons()
