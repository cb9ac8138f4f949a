"""The simulated clock's advance is one record every process shares: one advance at a time across
processes (apps with their own engines on one database stand in for them), the same status from
each, and an advance whose process died is finished to its target by another."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from subplane import demo
from subplane.adapters.db.coordination_tables import clock_advance
from subplane.domain.access import OPERATOR
from subplane.domain.errors import Conflict
from subplane.domain.lifecycle import State
from subplane.services.admin import STALE_AFTER


@pytest.fixture
def two(make_app):
    first = make_app(instance_name="process-a")
    demo.seed(first)
    return first, make_app(instance_name="process-b")


def test_a_second_advance_is_refused_by_every_process_while_one_runs(two):
    a, b = two
    before = a.clock_control.now()
    claim = a.clock_control.begin(timedelta(days=1))
    for app in (a, b):
        with pytest.raises(Conflict) as refused:
            app.clock_control.begin(timedelta(days=1))
        assert refused.value.code == "ClockAdvancing"
        seen = app.clock_control.status()
        assert seen["status"] == "advancing" and seen["lastAdvance"]["owner"].startswith("process-a/")
    a.clock_control.run(claim)
    assert a.clock_control.status() == b.clock_control.status()
    assert b.clock_control.status()["status"] == "ready"
    assert b.clock_control.now() == before + timedelta(days=1)


def test_of_two_concurrent_advances_one_is_refused_and_the_clock_moves_exactly_once(two):
    a, b = two
    for _ in range(5):
        _race_once(a, b)


def _race_once(a, b):
    before = a.clock_control.now()
    barrier, outcomes, claims = threading.Barrier(2), [], []

    def advance(app):
        barrier.wait()
        try:  # the claim is the contended step; running it afterwards cannot overlap another claim
            claims.append((app, app.clock_control.begin(timedelta(days=1))))
            outcomes.append("advanced")
        except Conflict as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=advance, args=(app,)) for app in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["ClockAdvancing", "advanced"]
    (winner, claim), = claims
    winner.clock_control.run(claim)
    assert a.clock_control.now() == b.clock_control.now() == before + timedelta(days=1)


def _die_holding(app, delta: timedelta):
    """``app`` claims an advance and stops beating at once, as a process killed with -9 would."""
    claim = app.clock_control.begin(delta)
    with app.uow() as uow:
        uow.conn.execute(update(clock_advance).values(
            heartbeat_at=datetime.now(UTC) - STALE_AFTER - timedelta(seconds=1)))
    return claim


def test_an_advance_left_by_a_dead_process_is_finished_to_its_target_by_another(two):
    a, b = two
    trial = a.subscriptions.cancel(actor=OPERATOR, ref="Proefversie", reason="weg",
                                   turn_off_resources=True).subscription
    claim = _die_holding(a, timedelta(days=31))
    assert b.clock_control.resume_stale() is not None
    assert b.clock_control.now() == claim.target
    seen = a.clock_control.status()
    assert seen["status"] == "ready" and seen["lastAdvance"]["owner"].startswith("process-b/")
    assert a.subscriptions.get(actor=OPERATOR, ref=trial.subscription_id).state is State.DELETED  # day 30 ran
    assert b.clock_control.resume_stale() is None  # nothing left to finish


def test_a_fresh_advance_is_not_taken_over(two):
    a, b = two
    claim = a.clock_control.begin(timedelta(hours=1))
    assert b.clock_control.resume_stale() is None
    a.clock_control.run(claim)
    assert a.clock_control.status()["lastAdvance"]["owner"].startswith("process-a/")


def test_the_next_advance_first_finishes_the_one_a_dead_process_left(two):
    a, b = two
    before = a.clock_control.now()
    _die_holding(a, timedelta(days=5))
    b.clock_control.advance(timedelta(days=1))
    assert b.clock_control.now() == before + timedelta(days=6)


def test_an_interrupted_advance_is_failed_not_left_advancing_and_reset_still_works(two, monkeypatch):
    a, _ = two

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(a.clock_control, "_step_to", interrupted)
    with pytest.raises(KeyboardInterrupt):
        a.clock_control.advance(timedelta(days=1))
    seen = a.clock_control.status()
    assert seen["status"] == "failed" and "KeyboardInterrupt" in seen["reason"]
    a.snapshots.reset(demo=True)
    assert a.clock_control.status()["status"] == "ready"


def test_reset_is_not_held_up_by_an_advance_whose_owner_died(two):
    a, b = two
    _die_holding(a, timedelta(days=3))
    with pytest.raises(Conflict):
        b.clock_control.begin(timedelta(days=1))  # a new advance waits for the dead one to be finished
    b.snapshots.reset(demo=True)  # but replacing everything does not
    assert b.clock_control.status()["status"] == "ready"
