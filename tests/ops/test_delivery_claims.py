"""Every outbound message is claimed in the database before it is sent: several senders (threads with
their own engines, as separate processes would be) send each e-mail and each webhook event once, keep
the order per subscription, and a dead sender's claim runs out and is taken over."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from subplane import demo
from subplane.adapters.db.ops_repo import OpsRepo
from subplane.adapters.db.ops_tables import notifications
from subplane.domain.access import OPERATOR

from ..integration.helpers import cancelled_trials
from .receiver import Receiver
from .test_smtp import smtp_server  # noqa: F401 - the fixture

SENDERS = 4


def _all_at_once(apps, work) -> None:
    barrier = threading.Barrier(len(apps))
    errors: list[BaseException] = []

    def run(app):
        try:
            barrier.wait()
            work(app)
        except BaseException as error:  # noqa: BLE001 - surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(a,)) for a in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_several_senders_send_each_message_once(make_app, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": controller.port}
    app = make_app(**smtp)
    demo.seed(app)
    cancelled_trials(app, 24, prefix="claim")
    assert app.notifications.render_new() >= 24
    senders = [make_app(instance_name=f"sender-{n}", **smtp) for n in range(SENDERS)]

    _all_at_once(senders, lambda sender: sender.notifications.send_pending())

    sent_ids = Counter(str(message["X-Subplane-Notification"]) for _, _, message in inbox.messages)
    stored = app.notifications.list()
    assert sorted(sent_ids) == sorted(str(m["id"]) for m in stored)
    assert set(sent_ids.values()) == {1}, "a message went out twice"
    assert {m["status"] for m in stored} == {"sent"}
    assert {m["claimed_by"] for m in stored} <= {f"sender-{n}" for n in range(SENDERS)}


def test_a_dead_senders_claim_runs_out_and_another_sends_the_message(make_app, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    app = make_app(smtp_host="127.0.0.1", smtp_port=controller.port, instance_name="alive")
    demo.seed(app)
    cancelled_trials(app, 1, prefix="claim")
    app.notifications.render_new()
    now = datetime.now(UTC)
    with app.uow() as uow:
        held = OpsRepo(uow.conn).claim_notifications(instance="dead", now=now, lease_until=now + timedelta(minutes=2))
    assert len(held) == 1

    assert app.notifications.send_pending() == 0 and inbox.messages == []  # still the dead sender's
    with app.uow() as uow:  # its lease runs out
        uow.conn.execute(update(notifications).values(lease_until=now - timedelta(seconds=1)))
    assert app.notifications.send_pending() == 1 and len(inbox.messages) == 1

    with app.uow() as uow:  # the dead sender wakes up: its claim no longer holds, so it records nothing
        assert not OpsRepo(uow.conn).mark_notification(held[0]["id"], status="failed", now=now, error="late",
                                                       claim=("dead", now + timedelta(minutes=2)))
    message, = app.notifications.list()
    assert (message["status"], message["claimed_by"], message["last_error"]) == ("sent", "alive", None)


@pytest.fixture
def receiver():
    hook = Receiver()
    yield hook
    hook.close()


def test_several_senders_deliver_each_webhook_event_once_in_order_per_subscription(make_app, receiver):
    app = make_app()
    demo.seed(app)
    app.webhooks.add(url=receiver.url)
    ids = cancelled_trials(app, 6, prefix="claim")
    for sid in ids:  # created, cancelled, reactivated, cancelled: order can break
        app.subscriptions.reactivate(actor=OPERATOR, ref=sid)
        app.subscriptions.cancel(actor=OPERATOR, ref=sid, reason="again")
    assert app.webhooks.fan_out() >= 18
    senders = [make_app(instance_name=f"sender-{n}") for n in range(SENDERS)]

    _all_at_once(senders, lambda sender: sender.webhooks.deliver_due())

    accepted = receiver.accepted()
    counts = Counter(r["event"]["id"] for r in accepted)
    deliveries = app.webhooks.deliveries(limit=1000)
    assert set(counts.values()) == {1}, "an event was POSTed twice"
    assert sorted(counts) == sorted(d["event_id"] for d in deliveries)
    assert {d["status"] for d in deliveries} == {"delivered"}
    outbox_order = {d["event_id"]: d["outbox_id"] for d in deliveries}
    for sid in ids:
        arrived = [outbox_order[r["event"]["id"]] for r in accepted if sid in r["event"]["subject"]]
        assert len(arrived) == 4 and arrived == sorted(arrived), "events of one subscription out of order"


def test_a_batch_whose_lease_ran_out_sends_none_of_what_another_sender_took(make_app, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": controller.port}
    slow, fast = make_app(instance_name="slow", **smtp), make_app(instance_name="fast", **smtp)
    demo.seed(slow)
    cancelled_trials(slow, 3, prefix="lease")
    slow.notifications.render_new()
    now = datetime.now(UTC)
    with slow.uow() as uow:  # the slow sender's batch, as its claim returned it
        batch = OpsRepo(uow.conn).claim_notifications(instance="slow", now=now, lease_until=now + timedelta(minutes=2))
    with slow.uow() as uow:  # ... stuck behind slow SMTP exchanges until the lease ran out
        uow.conn.execute(update(notifications).values(lease_until=now - timedelta(seconds=1)))
    assert fast.notifications.send_pending() == len(batch) == 3

    assert slow.notifications._send(batch) == 0  # its turn comes: each message's claim is checked first
    assert Counter(str(m["X-Subplane-Notification"]) for _, _, m in inbox.messages) == \
        Counter(str(m["id"]) for m in batch)
    assert {m["claimed_by"] for m in fast.notifications.list()} == {"fast"}
