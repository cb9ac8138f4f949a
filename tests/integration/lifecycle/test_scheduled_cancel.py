"""A cancel scheduled for a later moment (issue 13's trial of adding a lifecycle action), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from subplane.domain.access import OPERATOR
from subplane.domain.errors import Forbidden, InvalidInput

from ..helpers import principal

ADMIN = "admin@contoso.example"


def now_of(app):
    with app.uow(read_only=True) as uow:
        return uow.now


def activity(app, ref, action):
    sub_id = app.subscriptions.get(actor=OPERATOR, ref=ref).subscription_id
    with app.uow(read_only=True) as uow:
        return [e for e in uow.activity.list(subscription_id=sub_id) if e["action"] == action]


def schedule(app, at, **kw):
    args = dict(actor=principal(app, ADMIN), ref="Productie", at=at, reason="Project ends", turn_off_resources=True)
    args.update(kw)
    return app.subscriptions.schedule_cancel(**args)


def test_nothing_changes_until_the_moment_then_the_cancel_runs(demo_app):
    at = now_of(demo_app) + timedelta(days=10)
    assert schedule(demo_app, at) == at
    demo_app.clock_control.advance(timedelta(days=9))
    assert demo_app.subscriptions.get(actor=OPERATOR, ref="Productie").state.value == "Enabled"
    demo_app.clock_control.advance(timedelta(days=2))
    sub = demo_app.subscriptions.get(actor=OPERATOR, ref="Productie")
    assert (sub.state.value, sub.state_reason.value) == ("Disabled", "Cancelled")
    assert sub.cancelled_at == at  # billing stops at the scheduled instant, not at the end of the clock jump
    assert sub.cancellation_reason == "Project ends"
    assert sub.cancelled_by == ADMIN  # who asked for it; the activity says the system ran it
    [scheduled] = activity(demo_app, "Productie", "scheduleCancel")
    assert scheduled["actor"] == ADMIN and scheduled["details"]["at"] == at.isoformat()
    [cancelled] = [e for e in activity(demo_app, "Productie", "cancel") if e["outcome"] == "Succeeded"]
    assert cancelled["actor"] == "system" and cancelled["details"]["vmsDeallocated"] >= 1


def test_a_later_schedule_replaces_an_earlier_one(demo_app):
    start = now_of(demo_app)
    schedule(demo_app, start + timedelta(days=5))
    schedule(demo_app, start + timedelta(days=20))
    demo_app.clock_control.advance(timedelta(days=6))
    assert demo_app.subscriptions.get(actor=OPERATOR, ref="Productie").state.value == "Enabled"
    demo_app.clock_control.advance(timedelta(days=15))
    assert demo_app.subscriptions.get(actor=OPERATOR, ref="Productie").cancelled_at == start + timedelta(days=20)


def test_cancelling_now_drops_the_schedule_and_a_reactivation_is_not_undone(demo_app):
    start = now_of(demo_app)
    schedule(demo_app, start + timedelta(days=5))
    demo_app.subscriptions.cancel(actor=principal(demo_app, ADMIN), ref="Productie", reason="Sooner",
                                  turn_off_resources=True)
    demo_app.subscriptions.reactivate(actor=principal(demo_app, ADMIN), ref="Productie")
    demo_app.clock_control.advance(timedelta(days=6))
    assert demo_app.subscriptions.get(actor=OPERATOR, ref="Productie").state.value == "Enabled"


def test_a_cancel_its_rules_refuse_by_then_is_logged_as_refused_once(demo_app):
    schedule(demo_app, now_of(demo_app) + timedelta(days=3), turn_off_resources=False)  # resources were not consented
    demo_app.clock_control.advance(timedelta(days=4))
    assert demo_app.subscriptions.get(actor=OPERATOR, ref="Productie").state.value == "Enabled"
    [refused] = [e for e in activity(demo_app, "Productie", "cancel") if e["outcome"] == "Refused"]
    assert refused["code"] == "ResourcesExistingOnSubscription"
    demo_app.clock_control.advance(timedelta(days=30))  # not retried
    assert len([e for e in activity(demo_app, "Productie", "cancel") if e["outcome"] == "Refused"]) == 1


@pytest.mark.parametrize(("offset", "reason", "code"), [
    (timedelta(0), "Project ends", "ScheduledCancelNotInFuture"),
    (timedelta(days=-1), "Project ends", "ScheduledCancelNotInFuture"),
    (timedelta(days=1), "  ", "CancellationReasonRequired"),
])
def test_bad_schedules_are_refused_and_change_nothing(demo_app, offset, reason, code):
    with pytest.raises(InvalidInput) as refused:
        schedule(demo_app, now_of(demo_app) + offset, reason=reason)
    assert refused.value.code == code
    sub_id = demo_app.subscriptions.get(actor=OPERATOR, ref="Productie").subscription_id
    with demo_app.uow(read_only=True) as uow:
        assert [j for j in uow.jobs.list(subject=sub_id) if j["kind"] == "scheduled_cancel"] == []
    [logged] = activity(demo_app, "Productie", "scheduleCancel")
    assert logged["outcome"] == "Refused" and logged["code"] == code


def test_who_may_cancel_may_schedule_and_no_one_else(demo_app):
    with pytest.raises(Forbidden):
        schedule(demo_app, now_of(demo_app) + timedelta(days=1), actor=principal(demo_app, "reader@contoso.example"))
    [logged] = activity(demo_app, "Productie", "scheduleCancel")
    assert (logged["outcome"], logged["code"]) == ("Refused", "AuthorizationFailed")
