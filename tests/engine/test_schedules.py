import pytest

from app.engine.schedules import CONSTANT, Schedule


def rates(schedule, steps=(0, 1, 2, 3, 4)):
    return [schedule.learning_rate(0.8, t) for t in steps]


def test_no_schedule_keeps_the_base_rate():
    assert rates(CONSTANT) == [0.8] * 5


def test_exponential_decays_smoothly_by_r_every_k_steps():
    assert rates(Schedule("exponential", rate=0.25, every=2)) == pytest.approx(
        [0.8, 0.4, 0.2, 0.1, 0.05])


def test_inverse_time_divides_by_one_plus_r_t_over_k():
    assert rates(Schedule("inverse_time", rate=1.0, every=1)) == pytest.approx(
        [0.8, 0.4, 0.8 / 3, 0.2, 0.16])


def test_step_halves_at_every_kth_step():
    assert rates(Schedule("step", rate=0.5, every=2)) == [0.8, 0.8, 0.4, 0.4, 0.2]


@pytest.mark.parametrize("settings, message", [({"name": "cosine"}, "unknown schedule"),
                                               ({"name": "step", "every": 0}, "one step or more")])
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        Schedule(**settings)
