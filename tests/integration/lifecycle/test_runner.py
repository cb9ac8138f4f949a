"""The job runner: deadline order, idempotence, and two runners racing over the same due items."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta

from subplane.domain.access import OPERATOR
from subplane.services.subscriptions import RETENTION_EXPIRY

from ..helpers import cancelled_trials


def test_two_runners_never_process_the_same_job(demo_app, make_app):
    ids = cancelled_trials(demo_app, 24)
    with demo_app.uow() as uow:
        demo_app.clock.set(uow.conn, uow.now + timedelta(days=31))
    runners = [make_app(instance_name="runner-0"), make_app(instance_name="runner-1")]
    results: dict[str, list] = {}
    barrier = threading.Barrier(2)

    def work(runner):
        barrier.wait()
        results[runner.instance] = runner.jobs.run_due()

    threads = [threading.Thread(target=work, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    processed = [r.job_id for batch in results.values() for r in batch]
    assert len(processed) == len(set(processed)), "a job was processed twice"
    with demo_app.uow(read_only=True) as uow:
        jobs = uow.jobs.list()
        now = uow.now
        due = [j for j in jobs if j["subject"] in ids and j["due_at"] <= now]
        assert not [j for j in due if j["status"] in ("pending", "failed")]
        assert {j["id"] for j in due if j["status"] == "done"} <= set(processed)
        for sub_id in ids:
            assert uow.subscriptions.get(sub_id).state.value == "Deleted"
            assert uow.activity.count(subscription_id=sub_id, action="expireRetention") == 1
            deleted_events = [e for e in uow.outbox.list(subscription_id=sub_id)
                              if e["type"] == "Subplane.Subscription.Deleted"]
            assert len(deleted_events) == 1


def test_jobs_run_in_deadline_order_and_again_is_a_no_op(demo_app):
    for name in ("Productie", "Proefversie"):
        demo_app.subscriptions.cancel(actor=OPERATOR, ref=name, reason="x", turn_off_resources=True)
    result = demo_app.clock_control.advance(timedelta(days=91))
    due = [j.due_at for j in result.jobs]
    assert due == sorted(due)
    assert [j.kind for j in result.jobs].count(RETENTION_EXPIRY) == 2
    assert all(j.ran_at == j.due_at for j in result.jobs), "each job runs at its own due instant"
    assert demo_app.jobs.run_due() == []


def _history_after(tmp_path, name: str, steps: int) -> tuple[list, list]:
    """A fresh SQLite database at a fixed start instant; cancel two subscriptions; advance 91 days."""
    from datetime import datetime

    from subplane import demo, settings
    from subplane.bootstrap import build_app

    app = build_app(settings.load(env={}, data_dir=tmp_path / name))
    try:
        with app.uow() as uow:
            app.clock.set(uow.conn, datetime(2030, 1, 1, tzinfo=UTC))
        demo.seed(app)
        for sub in ("Productie", "Proefversie"):
            app.subscriptions.cancel(actor=OPERATOR, ref=sub, reason="x", turn_off_resources=True)
        # ids differ between the two databases, and a purge forgets the name: key by the name before
        names = {s.subscription_id: s.display_name for s in app.subscriptions.list(actor=OPERATOR)}
        for _ in range(steps):
            app.clock_control.advance(timedelta(days=91) / steps)
        state = sorted((names[s.subscription_id], s.state.value, s.state_reason and s.state_reason.value,
                        s.deletion_date) for s in app.subscriptions.list(actor=OPERATOR))
        with app.uow(read_only=True) as uow:
            outbox = [(e["type"], names.get(e["subscription_id"]), e["instant"]) for e in uow.outbox.list()]
        return state, outbox
    finally:
        app.close()


def test_one_jump_equals_ten_steps(tmp_path):
    jump = _history_after(tmp_path, "jump", 1)
    steps = _history_after(tmp_path, "steps", 10)
    assert jump == steps
    state, outbox = jump
    assert [s[1] for s in state] == ["Enabled", "Deleted", "Deleted"]
    reminders = [e for e in outbox if e[0] == "Subplane.Subscription.DeletionReminder"]
    assert len(reminders) == 4
