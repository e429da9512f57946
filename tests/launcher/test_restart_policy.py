"""The launcher's restart policy, with crash times given by hand: no clock, no processes."""

import pytest
from crm_launcher.restart_policy import CrashHistory, GiveUp, Restart, RestartPolicy

POLICY = RestartPolicy(
    max_restarts=3, window_seconds=60, backoff_base_seconds=1, backoff_max_seconds=5
)


def test_the_back_off_doubles_from_the_base_up_to_the_max() -> None:
    policy = RestartPolicy(
        max_restarts=10, window_seconds=60, backoff_base_seconds=0.5, backoff_max_seconds=3
    )
    assert [policy.delay_before(attempt) for attempt in range(1, 6)] == [0.5, 1, 2, 3, 3]
    assert policy.delay_before(10_000) == 3  # no overflow however long the streak


def test_each_crash_within_the_window_is_the_next_attempt() -> None:
    history = CrashHistory(POLICY)
    decisions = [history.record_crash(now) for now in (0.0, 1.0, 3.0)]
    assert decisions == [Restart(1, 1.0), Restart(2, 2.0), Restart(3, 4.0)]


def test_one_crash_more_than_the_restarts_allowed_within_the_window_gives_up() -> None:
    history = CrashHistory(POLICY)
    for now in (0.0, 1.0, 3.0):
        assert isinstance(history.record_crash(now), Restart)
    assert history.record_crash(7.0) == GiveUp(crashes=4)


def test_crashes_older_than_the_window_are_forgotten() -> None:
    history = CrashHistory(POLICY)
    for now in (0.0, 1.0, 3.0):
        history.record_crash(now)
    # At 60 s the crash at 0 s has left the window: this is the third crash in it, not the
    # fourth, and the back-off is that of a third attempt.
    assert history.record_crash(60.0) == Restart(3, 4.0)
    # Long after, a lone crash starts over with the shortest back-off.
    assert history.record_crash(1_000.0) == Restart(1, 1.0)


def test_a_service_crashing_now_and_then_is_restarted_for_ever() -> None:
    history = CrashHistory(POLICY)
    decisions = [history.record_crash(minute * 30.0) for minute in range(100)]
    assert all(isinstance(decision, Restart) for decision in decisions)


def test_no_restarts_allowed_gives_up_at_the_first_crash() -> None:
    history = CrashHistory(RestartPolicy(max_restarts=0))
    assert history.record_crash(0.0) == GiveUp(crashes=1)


def test_the_log_wording() -> None:
    assert POLICY.restart_note(Restart(2, 0.5)) == (
        "restarting it in 0.5s (attempt 2 of 3 within 60s)"
    )
    assert POLICY.give_up_note(GiveUp(4)) == "it crashed 4 times within 60s"
    assert POLICY.give_up_note(GiveUp(1)) == "it crashed once within 60s"


def test_settings_come_from_the_environment_with_defaults() -> None:
    assert RestartPolicy.from_env({}) == RestartPolicy()
    assert RestartPolicy.from_env({"CRM_LAUNCHER_MAX_RESTARTS": " "}) == RestartPolicy()
    assert RestartPolicy.from_env(
        {
            "CRM_LAUNCHER_MAX_RESTARTS": "2",
            "CRM_LAUNCHER_RESTART_WINDOW_SECONDS": "30",
            "CRM_LAUNCHER_BACKOFF_BASE_SECONDS": "0.01",
            "CRM_LAUNCHER_BACKOFF_MAX_SECONDS": "0.05",
        }
    ) == RestartPolicy(
        max_restarts=2, window_seconds=30, backoff_base_seconds=0.01, backoff_max_seconds=0.05
    )


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("CRM_LAUNCHER_MAX_RESTARTS", "many", "must be a whole number"),
        ("CRM_LAUNCHER_MAX_RESTARTS", "2.5", "must be a whole number"),
        ("CRM_LAUNCHER_MAX_RESTARTS", "-1", "must be 0 or more"),
        ("CRM_LAUNCHER_RESTART_WINDOW_SECONDS", "0", "must be more than 0"),
        ("CRM_LAUNCHER_RESTART_WINDOW_SECONDS", "nan", "must be more than 0"),
        ("CRM_LAUNCHER_BACKOFF_BASE_SECONDS", "soon", "must be a number of seconds"),
        ("CRM_LAUNCHER_BACKOFF_BASE_SECONDS", "-1", "must be 0 or more"),
        ("CRM_LAUNCHER_BACKOFF_MAX_SECONDS", "0.1", "must be at least"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_variable(
    variable: str, value: str, complaint: str
) -> None:
    with pytest.raises(ValueError, match=f"{variable} {complaint}"):
        RestartPolicy.from_env({variable: value})
