"""Advancing the clock over a cancelled subscription: reminders, (final invoice), purge — and the same
history whether the clock jumps once or moves in ten steps."""

from __future__ import annotations

from datetime import timedelta

from subplane.domain import events

from .helpers import cancel_production, due_jobs, messages, outbox_rows, subscriptions


def test_91_days_produce_reminders_then_the_purge_in_order(demo_app):
    demo_app.clock_control.advance(timedelta(hours=12))  # twelve billable hours before the cancel
    sub_id = cancel_production(demo_app)
    demo_app.clock_control.advance(timedelta(days=91))

    own = [(t, data) for _, t, _, _, s, data in outbox_rows(demo_app) if s == sub_id]
    own = own[[t for t, _ in own].index(events.SUBSCRIPTION_CANCELLED):]
    types = [t for t, _ in own]
    reminders = [data["daysBefore"] for t, data in own if t == events.DELETION_REMINDER]
    assert reminders == [7, 1]
    assert types[-1] == events.SUBSCRIPTION_DELETED
    assert types.index(events.DELETION_REMINDER) < types.index(events.SUBSCRIPTION_DELETED)
    # The final invoice comes on the usual invoice date, before the purge.
    invoices = [i for i, t in enumerate(types) if t == events.INVOICE_ISSUED]
    assert len(invoices) == 1
    assert types.index(events.SUBSCRIPTION_CANCELLED) < invoices[0] < types.index(events.SUBSCRIPTION_DELETED)

    kinds = [m[1] for m in messages(demo_app) if m[0] in {r[0] for r in outbox_rows(demo_app) if r[4] == sub_id}]
    assert kinds[0] == "cancellationConfirmed"
    assert sorted(kinds[1:4]) == ["deletionReminder", "deletionReminder", "invoiceIssued"]
    assert [s[2] for s in subscriptions(demo_app) if s[0] == sub_id] == ["Deleted"]


def test_one_jump_equals_ten_steps_including_outbox_and_messages(demo_app, tmp_path):
    cancel_production(demo_app)
    demo_app.notifications.render_new()
    baseline = tmp_path / "after-cancel.zip"
    demo_app.snapshots.export(baseline)

    demo_app.clock_control.advance(timedelta(days=91))
    jump = (subscriptions(demo_app), outbox_rows(demo_app), messages(demo_app), due_jobs(demo_app),
            demo_app.clock_control.now())

    demo_app.snapshots.import_(baseline)
    for _ in range(10):
        demo_app.clock_control.advance(timedelta(days=9, hours=2, minutes=24))
    steps = (subscriptions(demo_app), outbox_rows(demo_app), messages(demo_app), due_jobs(demo_app),
             demo_app.clock_control.now())

    assert [s[2] for s in jump[0]].count("Deleted") == 1
    assert sum(1 for row in jump[1] if row[1] == events.DELETION_REMINDER) == 2
    assert jump == steps  # ids, instants, data and rendered messages all match
